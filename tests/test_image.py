import io

import pytest
import torch
from PIL import Image
from torchvision.transforms.functional import pil_to_tensor

from handler.errors import InputError
from handler.image import decode_image, image_bytes_to_tensor
from model import MNIST_MEAN, MNIST_STD
from tests.conftest import png_bytes

BLACK = (0 - MNIST_MEAN) / MNIST_STD
WHITE = (1 - MNIST_MEAN) / MNIST_STD


def encoded(image: Image.Image, format: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format)
    return buffer.getvalue()


def test_an_mnist_png_becomes_exactly_the_training_input(mnist_test_images):
    image, _ = mnist_test_images[0]
    expected = pil_to_tensor(image).float().div(255).sub(MNIST_MEAN).div(MNIST_STD)
    tensor = image_bytes_to_tensor(png_bytes(image))
    assert tensor.shape == (1, 28, 28)
    torch.testing.assert_close(tensor, expected)


@pytest.mark.parametrize(
    "mode, colour, fmt", [("RGB", (255, 255, 255), "JPEG"), ("RGBA", (255, 255, 255, 255), "PNG"), ("L", 255, "BMP")]
)
def test_any_mode_and_size_becomes_one_normalised_channel(mode, colour, fmt):
    image = Image.new(mode, (300, 200), colour)
    tensor = image_bytes_to_tensor(encoded(image, fmt))
    assert tensor.shape == (1, 28, 28)
    torch.testing.assert_close(tensor, torch.full((1, 28, 28), WHITE), atol=0.02, rtol=0)


def test_black_is_the_normalised_zero_of_mnist():
    tensor = image_bytes_to_tensor(encoded(Image.new("L", (28, 28), 0), "PNG"))
    torch.testing.assert_close(tensor, torch.full((1, 28, 28), BLACK))


@pytest.mark.parametrize(
    "data, error_type",
    [
        (b"", "empty_body"),
        (b"definitely not an image", "not_an_image"),
        (encoded(Image.new("RGB", (64, 64), (200, 10, 10)), "PNG")[:-40], "corrupt_image"),
        (encoded(Image.new("RGB", (64, 64), (200, 10, 10)), "JPEG")[:200], "corrupt_image"),
    ],
)
def test_unreadable_bytes_raise_an_input_error_naming_the_problem(data, error_type):
    with pytest.raises(InputError) as raised:
        decode_image(data)
    assert raised.value.error_type == error_type
    assert raised.value.status == 400

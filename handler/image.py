"""Image bytes in, the model's 1x28x28 input tensor out: pure functions, testable without TorchServe."""

import io

import torch
from PIL import Image, UnidentifiedImageError
from torchvision import transforms

from handler.errors import InputError
from model import MNIST_MEAN, MNIST_STD

SIZE = 28

_TO_MODEL_INPUT = transforms.Compose(
    [
        transforms.Grayscale(num_output_channels=1),
        transforms.Resize((SIZE, SIZE)),
        transforms.ToTensor(),
        transforms.Normalize((MNIST_MEAN,), (MNIST_STD,)),
    ]
)


def decode_image(data: bytes) -> Image.Image:
    """Decode bytes with Pillow, turning every way they can fail into an `InputError`."""
    if not data:
        raise InputError(
            "empty_body",
            "The request carries no image: send the image bytes as the body or as a multipart field 'image'.",
        )
    try:
        image = Image.open(io.BytesIO(data))
        image.load()  # Image.open only reads the header: truncated pixel data fails here.
    except UnidentifiedImageError as error:
        raise InputError("not_an_image", "The body is not an image Pillow can read.") from error
    except (OSError, SyntaxError, ValueError) as error:
        raise InputError("corrupt_image", "The image is truncated or corrupt.") from error
    return image


def to_model_input(image: Image.Image) -> torch.Tensor:
    """Grayscale, resize to 28x28 and normalise as the network was trained."""
    return _TO_MODEL_INPUT(image)


def image_bytes_to_tensor(data: bytes) -> torch.Tensor:
    return to_model_input(decode_image(data))

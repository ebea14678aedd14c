"""Whatever arrives, the image functions return the network's input or the documented error."""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from handler.errors import RequestError
from handler.image import image_bytes_to_tensor
from tests.helpers import encoded

MODES = ["1", "L", "P", "RGB", "RGBA", "LA", "I", "F", "CMYK", "I;16"]
pytestmark = pytest.mark.filterwarnings("ignore:Corrupt EXIF data:UserWarning")  # expected of truncated files
FORMATS = ["PNG", "JPEG", "BMP", "GIF", "WEBP", "TIFF"]


def tensor_or_input_error(data: bytes) -> None:
    try:
        tensor = image_bytes_to_tensor(data)
    except RequestError as problem:
        assert 400 <= problem.status < 500 and problem.error_type and problem.message
        return
    assert tensor.shape == (1, 28, 28) and tensor.dtype == torch.float32
    assert torch.isfinite(tensor).all()


@st.composite
def images(draw) -> bytes | None:
    mode = draw(st.sampled_from(MODES))
    width, height = draw(st.integers(1, 400)), draw(st.integers(1, 400))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    pixels = rng.integers(0, 256, (height, width, 4), dtype=np.uint8)
    if draw(st.booleans()):  # a smooth blob rather than pure noise, so some inputs have a "digit"
        yy, xx = np.mgrid[:height, :width]
        blob = np.exp(-((yy - height / 2) ** 2 + (xx - width / 3) ** 2) / (2 * (max(height, width) / 8) ** 2))
        pixels[..., :3] = (blob[..., None] * 255).astype(np.uint8)
    image = Image.fromarray(pixels, "RGBA").convert(mode)
    try:
        data = encoded(image, draw(st.sampled_from(FORMATS)))
    except (OSError, ValueError, KeyError):
        return None  # this format cannot store this mode; nothing to send
    cut = draw(st.one_of(st.none(), st.integers(0, len(data))))
    return data if cut is None else data[:cut]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_random_bytes(data):
    tensor_or_input_error(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(images())
def test_random_sizes_modes_formats_and_truncations(data):
    if data is not None:
        tensor_or_input_error(data)

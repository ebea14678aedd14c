"""The image pipeline without TorchServe: the input contract and MNIST-style normalisation."""

import io

import numpy as np
import pytest
import torch
from PIL import Image, ImageFile, ImageOps

from handler.decode import ACCEPTED_FORMATS, MAX_JPEG_SCANS, MAX_PIXELS, decode_image, jpeg_scans
from handler.errors import RequestError
from handler.image import image_bytes_to_tensor
from handler.normalise import mnist_style, to_grayscale
from model import MNIST_MEAN, MNIST_STD
from tests.helpers import encoded, png_bytes
from tests.realistic import canvas_export


def test_all_10000_mnist_test_pngs_become_exactly_the_training_input(mnist_test_images):
    """MNIST's own 28x28 digits pass through unchanged, so the service scores on them what the
    networks score offline. Compared tensor for tensor: comparing the default network's accuracy
    on both would miss a change that leaves its answers alone, and cost the forward passes."""
    offline = mnist_test_images.data.float().div(255).sub(MNIST_MEAN).div(MNIST_STD).unsqueeze(1)
    served = torch.stack([image_bytes_to_tensor(png_bytes(image)) for image, _ in mnist_test_images])
    assert torch.equal(served, offline)


def test_dark_ink_on_white_is_inverted_to_mnist_polarity(mnist_test_images):
    image, _ = mnist_test_images[3]
    inverted = ImageOps.invert(image)
    np.testing.assert_array_equal(mnist_style(inverted), np.asarray(image))


def test_a_canvas_export_keeps_its_ink_that_a_plain_grayscale_loses(mnist_test_images):
    digit, _ = mnist_test_images[0]
    canvas = decode_image(canvas_export(digit, np.random.default_rng(0)))
    assert canvas.convert("L").getextrema() == (0, 0)  # ink and background alike are black RGB
    gray = np.asarray(to_grayscale(canvas))
    assert gray.min() == 0 and gray.max() == 255
    result = mnist_style(canvas)
    assert result.max() == 255


def test_a_large_digit_is_fitted_into_20x20_and_centred_by_mass(mnist_test_images):
    digit, _ = mnist_test_images[0]
    big = Image.new("L", (900, 600), 0)
    big.paste(digit.resize((280, 280)), (40, 300))  # far off-centre
    result = mnist_style(big).astype(float)
    rows, columns = np.nonzero(result > 0)
    assert max(rows.max() - rows.min(), columns.max() - columns.min()) + 1 <= 22  # 20 plus antialiasing
    total = result.sum()
    centre = ((result.sum(1) * np.arange(28)).sum() / total, (result.sum(0) * np.arange(28)).sum() / total)
    assert centre == pytest.approx((14, 14), abs=0.6)


@pytest.mark.parametrize("fmt", ACCEPTED_FORMATS)
def test_every_accepted_format_is_read(fmt, mnist_test_images):
    digit, _ = mnist_test_images[0]
    image = ImageOps.invert(digit.resize((112, 112))).convert("RGB")
    assert image_bytes_to_tensor(encoded(image, fmt)).shape == (1, 28, 28)


def test_a_gif_is_read_from_its_first_frame(mnist_test_images):
    first, second = (mnist_test_images[i][0].resize((56, 56)) for i in (0, 1))
    animation = encoded(first, "GIF", save_all=True, append_images=[second])
    torch.testing.assert_close(image_bytes_to_tensor(animation), image_bytes_to_tensor(encoded(first, "GIF")))


def test_the_exif_orientation_is_applied(mnist_test_images):
    digit = mnist_test_images[0][0].resize((112, 112))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display": the stored pixels are the displayed digit turned back
    stored = digit.rotate(90, expand=True).convert("RGB")
    decoded = decode_image(encoded(stored, "JPEG", exif=exif.tobytes(), quality=95))
    difference = np.abs(np.asarray(decoded.convert("L"), float) - np.asarray(digit, float)).mean()
    assert difference < 8


def test_a_large_jpeg_is_decoded_at_reduced_scale():
    photo = Image.new("RGB", (4000, 3000), (230, 230, 230))
    assert max(decode_image(encoded(photo, "JPEG")).size) <= 1000


@pytest.mark.parametrize(
    "image, fmt, options",
    [
        (Image.new("P", (6000, 6000)), "PNG", {"transparency": 0}),
        (Image.new("RGB", (7000, 7000), (240, 240, 240)), "WEBP", {"lossless": True}),
        (Image.new("1", (20, 40_000)), "PNG", {}),
    ],
    ids=["palette-png-with-transparency", "lossless-webp", "one-bit-strip"],
)
def test_a_huge_legal_image_is_reduced_right_after_decoding_in_its_own_mode(image, fmt, options):
    """Tiny files that decode to tens of megapixels: reduced before any conversion to RGBA or float."""
    decoded = decode_image(encoded(image, fmt, **options))
    assert max(decoded.size) <= 1024 and decoded.mode == image.mode


def make_bomb() -> bytes:
    return encoded(Image.new("1", (10_000, 10_000)), "PNG")  # 100 MP that compress to a few kB


@pytest.mark.parametrize(
    "data, error_type, status",
    [
        (b"", "empty_body", 400),
        (b"definitely not an image", "not_an_image", 400),
        (encoded(Image.new("RGB", (64, 64), (200, 10, 10)), "PNG")[:-40], "corrupt_image", 400),
        (encoded(Image.new("RGB", (64, 64), (200, 10, 10)), "JPEG")[:200], "corrupt_image", 400),
        (encoded(Image.new("RGB", (64, 64)), "TIFF"), "unsupported_format", 415),
        (make_bomb(), "image_too_large", 413),
        (encoded(Image.new("L", (200, 200), 255), "PNG"), "no_digit", 422),
        (encoded(Image.new("RGBA", (280, 280), (0, 0, 0, 0)), "PNG"), "no_digit", 422),
    ],
    ids=["empty", "text", "truncated-png", "truncated-jpeg", "tiff", "bomb", "blank-paper", "empty-canvas"],
)
def test_each_refusal_raises_a_request_error_naming_the_problem(data, error_type, status):
    with pytest.raises(RequestError) as raised:
        image_bytes_to_tensor(data)
    assert (raised.value.error_type, raised.value.status) == (error_type, status)


def test_unsupported_formats_are_refused_naming_the_accepted_ones():
    with pytest.raises(RequestError) as raised:
        decode_image(encoded(Image.new("RGB", (8, 8)), "TIFF"))
    for fmt in ACCEPTED_FORMATS:
        assert fmt in raised.value.message


def test_the_pixel_limit_is_checked_before_decoding():
    assert MAX_PIXELS < 10_000 * 10_000
    with pytest.raises(RequestError, match="pixels"):
        decode_image(make_bomb())


def scan_bomb(repeats: int) -> bytes:
    """A progressive JPEG whose smallest scan is repeated: libjpeg decodes it, walking every block of
    the image once per scan, draft mode or not."""
    noise = np.random.default_rng(0).integers(0, 256, (512, 512), dtype=np.uint8)
    data = encoded(Image.fromarray(noise), "JPEG", progressive=True, quality=90)
    end = data.rfind(b"\xff\xd9")
    starts = [i for i in range(len(data) - 1) if data[i : i + 2] == b"\xff\xda"]
    scans = [data[start:stop] for start, stop in zip(starts, [*starts[1:], end], strict=True)]
    return data[:end] + min(scans, key=len) * repeats + data[end:]


def test_a_jpeg_of_thousands_of_scans_is_refused_before_any_decoding(monkeypatch):
    bomb = scan_bomb(2000)
    Image.open(io.BytesIO(bomb)).load()  # a valid file: libjpeg reads it, scan after scan
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda _: pytest.fail("the bomb was decoded"))
    with pytest.raises(RequestError) as raised:
        decode_image(bomb)
    assert (raised.value.error_type, raised.value.status) == ("image_too_complex", 413)
    assert f"{jpeg_scans(bomb):,} scans" in raised.value.message


def test_the_jpegs_encoders_write_are_within_the_scan_limit():
    photo = Image.new("RGB", (640, 480), (230, 220, 210))
    baseline, progressive = encoded(photo, "JPEG"), encoded(photo, "JPEG", progressive=True)
    assert jpeg_scans(baseline) == 1
    assert 1 < jpeg_scans(progressive) <= MAX_JPEG_SCANS
    assert decode_image(progressive).size == (640, 480)

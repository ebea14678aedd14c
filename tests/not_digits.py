"""Images that are not digits, made by the tests and by code of their own (not training's outlier
painters): noise of several kinds at MNIST's size and at a canvas's, photo-like textures (1/f
"pink" noise, whose spectrum is that of natural photos), letters from Debian's fonts (none of the
DejaVu faces training draws its letters from) and random Bézier scribbles. The service must refuse
each (no_digit) or answer that it is uncertain."""

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

from tests.handwriting import FONT_FILES, FONT_ROOT, frame_filling_bitmap, stored_as
from tests.realistic import encode_as

# Letters that no common way of writing a digit resembles: no O, I, l, S, Z, B, G, b, g, q, nor
# P (a mirrored 9), Y, y (a 4), a, c, e, h (6, 9, 0 in many hands).
LETTERS = "AEFHKMNRVWXkmnrwx"


def noise(rng: np.random.Generator) -> Image.Image:
    size = int(rng.choice([28, 280]))
    kind = rng.integers(4)
    if kind == 0:
        pixels = rng.integers(0, 256, (size, size), dtype=np.uint8)
    elif kind == 1:
        pixels = np.clip(rng.normal(128, 60, (size, size)), 0, 255).astype(np.uint8)
    elif kind == 2:
        pixels = (rng.random((size, size)) < 0.1).astype(np.uint8) * 255
    else:
        return Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8), "RGB")
    return Image.fromarray(pixels, "L")


def pink_noise(rng: np.random.Generator) -> Image.Image:
    """Noise whose power falls as 1/f^2 like a natural photo's: clouds, stone, foliage."""
    size = int(rng.choice([28, 64, 280]))
    frequency = np.hypot(*np.meshgrid(np.fft.fftfreq(size), np.fft.fftfreq(size)))
    spectrum = (rng.normal(size=(size, size)) + 1j * rng.normal(size=(size, size))) / np.maximum(frequency, 1 / size)
    field = np.real(np.fft.ifft2(spectrum))
    field = (field - field.min()) / np.ptp(field) * 255
    return Image.fromarray(field.astype(np.uint8), "L")


def letter(rng: np.random.Generator) -> Image.Image:
    name = list(FONT_FILES)[rng.integers(len(FONT_FILES))]
    size = int(rng.integers(60, 200))
    font = ImageFont.truetype(str(FONT_ROOT / FONT_FILES[name]), size=size)
    image = Image.new("L", (size * 2, size * 2), 255)
    ImageDraw.Draw(image).text((size, size), LETTERS[rng.integers(len(LETTERS))], font=font, fill=0, anchor="mm")
    return image


def scribble(rng: np.random.Generator) -> Image.Image:
    """Two to four cubic Bézier strokes through random points, with one pen."""
    size = 280
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    width = int(rng.integers(3, 20))
    for _ in range(rng.integers(2, 5)):
        p0, p1, p2, p3 = (rng.uniform(20, size - 20, 2) for _ in range(4))
        t = np.linspace(0, 1, 60)[:, None]
        curve = (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t**2 * p2 + t**3 * p3
        draw.line([tuple(point) for point in curve], fill=0, width=width, joint="curve")
    return image


def letter_scan(rng: np.random.Generator) -> Image.Image:
    """A letter stretched to fill a small scan both ways, as tests/handwriting.py's frame-stretched
    digits are: there the border cannot tell ink from ground, the network reads both polarities and
    answers with the surer one (handler.normalise.polarity_unsure), and a letter's inverse must not
    pass for a digit."""
    bitmap = frame_filling_bitmap(ImageOps.invert(letter(rng)), grown=bool(rng.random() < 0.5), stretched=True)
    return Image.fromarray(stored_as(bitmap, SCANS[rng.integers(len(SCANS))]).astype(np.uint8))


SCANS = ("8x8", "8x8 light on dark", "32x32")
KINDS = {
    "noise": noise,
    "photo-like texture": pink_noise,
    "letter": letter,
    "letter in a small scan": letter_scan,
    "scribble": scribble,
}


def not_digits_set(kind: str, count: int, seed: int) -> list[bytes]:
    rng = np.random.default_rng(seed)
    return [encode_as(KINDS[kind](rng), "PNG") for _ in range(count)]

"""Images rendered for training beside MNIST, in the form the handler gives the network.

Digits typed in fonts: MNIST's American writers draw a 1 as a plain stroke, so a network trained
on MNIST alone reads the 1 with a flag (and a foot) that much of the world writes as a 7. A small
share of each batch is digits typed in the DejaVu faces matplotlib ships, jittered in size,
weight and slant. (The evaluation's fonts are Debian's other faces, never these.)

MNIST's own digits written with other pens and sent as photos: the handler brings a marker or a
hairline back into MNIST's pen range (`handler.normalise.match_pen`), but what it hands the network
is not MNIST's strokes: a fat nib closes small loops and rounds the joints, and erosion cannot
reopen them; a fine pen loses MNIST's soft edges. So a share of each batch is training digits
re-drawn with a broad calligraphic nib (grey dilation with a tilted ellipse, at 4x) or a fine pen
(the strokes' cores, where the ink is darkest), on paper with a ramp of light and grain, and run
through the handler's own pipeline. (The evaluation's pens are round ones drawn along a skeleton,
and its digits are MNIST's test digits: neither is drawn here.)

Images that are not digits, for outlier exposure.

A network trained only on digits answers every input with a digit, and often a confident one: pure
noise read as "eight" at 99.99%. Outlier exposure (Hendrycks et al., 2019) also shows it things that
are not digits and trains its answer on them towards the uniform distribution, so that what is
not a digit gets a low top probability. The outliers are rendered here at many sizes and run
through the handler's own pipeline (`handler.image.image_to_tensor`), so the network sees
exactly what it will see when such an image is uploaded: uniform, Gaussian and salt-and-pepper
noise, smooth blotches and fine textures, random scribbles, and letters that look like no digit,
drawn with the DejaVu fonts matplotlib ships (so training needs no system fonts; the tests use
other fonts).
"""

from collections.abc import Callable
from pathlib import Path

import matplotlib
import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage

from handler.errors import RequestError
from handler.image import image_to_tensor
from model import MNIST_MEAN, MNIST_STD

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerif.ttf", "DejaVuSans-Oblique.ttf")
# Letters no way of writing a digit resembles (no O, l, I, S, Z, B, G, b, g, q, ...).
LETTERS = "ACEFHKMNRUVWXacefkmnrwx"

Painter = Callable[[np.random.Generator], Image.Image]


def _size(rng: np.random.Generator) -> int:
    return int(rng.choice([28, 28, 40, 64, 96, 160, 280]))


def noise(rng: np.random.Generator) -> Image.Image:
    """Uniform, Gaussian or salt-and-pepper noise, grey or in colour."""
    size = _size(rng)
    kind = rng.integers(3)
    shape = (size, size, 3) if rng.random() < 0.3 else (size, size)
    if kind == 0:
        pixels = rng.uniform(0, 255, shape)
    elif kind == 1:
        pixels = rng.normal(rng.uniform(60, 200), rng.uniform(20, 80), shape)
    else:
        pixels = np.where(rng.random(shape) < rng.uniform(0.02, 0.5), 255.0, 0.0)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def texture(rng: np.random.Generator) -> Image.Image:
    """Noise smoothed at a random scale: blotches, clouds, fabric-like grain, sometimes thresholded."""
    size = _size(rng)
    field = ndimage.gaussian_filter(rng.normal(size=(size, size)), sigma=rng.uniform(0.7, size / 6))
    field = (field - field.min()) / max(np.ptp(field), 1e-9) * 255
    if rng.random() < 0.4:
        field = np.where(field > np.percentile(field, rng.uniform(40, 90)), 255.0, 0.0)
    return Image.fromarray(field.astype(np.uint8))


def scribble(rng: np.random.Generator) -> Image.Image:
    """A few random strokes, joined or not, with a random pen."""
    size = _size(rng) * 2
    image = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(image)
    for _ in range(rng.integers(2, 5)):  # one short stroke could be a 1 or a 7: several long ones are not
        points = [tuple(rng.uniform(0.1, 0.9, 2) * size) for _ in range(rng.integers(4, 12))]
        draw.line(points, fill=255, width=max(1, round(size * rng.uniform(0.02, 0.12))), joint="curve")
    return image


def typed(text: str, rng: np.random.Generator) -> Image.Image:
    """`text` in a DejaVu face at a random size, weight and slant, white on black."""
    size = _size(rng) * 2
    font = ImageFont.truetype(str(FONTS / FONT_FILES[rng.integers(len(FONT_FILES))]), size=int(size * 0.6))
    image = Image.new("L", (size, size), 0)
    stroke = int(rng.integers(0, max(1, size // 30)))
    ImageDraw.Draw(image).text(
        (size / 2, size / 2), text, fill=255, font=font, anchor="mm", stroke_width=stroke, stroke_fill=255
    )
    shear = rng.uniform(-0.3, 0.3)
    return image.transform(image.size, Image.Transform.AFFINE, (1, shear, -shear * size / 2, 0, 1, 0))


def letter(rng: np.random.Generator) -> Image.Image:
    """A letter like no digit."""
    return typed(LETTERS[rng.integers(len(LETTERS))], rng)


PAINTERS: tuple[Painter, ...] = (noise, texture, scribble, letter)


def _nib(rng: np.random.Generator) -> np.ndarray:
    """A broad pen's footprint: an ellipse 6-18 px across at 4x MNIST's size, 40-100% as thick as
    it is long, tilted at random."""
    length = rng.uniform(3.0, 9.0)
    thickness = length * rng.uniform(0.4, 1.0)
    angle = rng.uniform(0, np.pi)
    reach = int(np.ceil(length))
    y, x = np.mgrid[-reach : reach + 1, -reach : reach + 1]
    along, across = x * np.cos(angle) + y * np.sin(angle), -x * np.sin(angle) + y * np.cos(angle)
    return (along / length) ** 2 + (across / thickness) ** 2 <= 1


def other_pen(digit: np.ndarray, rng: np.random.Generator) -> Image.Image:
    """An MNIST digit (28x28 uint8, white on black) re-drawn at 4x with a broad nib or a fine pen,
    on paper lit by a ramp and grainy, white on black (`_normalised` turns half of them over)."""
    large = np.asarray(Image.fromarray(digit).resize((112, 112), Image.Resampling.BICUBIC), dtype=np.float64)
    if rng.random() < 0.5:
        strokes = ndimage.grey_dilation(large, footprint=_nib(rng))
    else:  # the strokes' cores, softened by a slight blur: a fine pen
        cores = large >= rng.uniform(0.75, 0.95) * large.max()
        strokes = ndimage.gaussian_filter(cores * 255.0, sigma=rng.uniform(0.5, 1.0))
    ramp = np.linspace(0, rng.uniform(0, 40), 112)[None, :]
    paper = rng.uniform(0, 40) + (ramp if rng.random() < 0.5 else ramp.T)
    ink = rng.uniform(0.6, 1.0) * strokes
    pixels = np.clip(paper + ink + rng.normal(0, rng.uniform(0, 6), ink.shape), 0, 255).astype(np.uint8)
    side = int(rng.integers(48, 300))
    return Image.fromarray(pixels).resize((side, side), Image.Resampling.BILINEAR)


def _normalised(painting: Image.Image, rng: np.random.Generator) -> torch.Tensor | None:
    """The network's input for the painting, by the handler's own pipeline (`image_to_tensor`), sent
    dark on light half the time; None if the handler refuses it."""
    if rng.random() < 0.5:  # dark on light, as paper is
        painting = Image.fromarray(255 - np.asarray(painting))
    try:
        return image_to_tensor(painting)
    except RequestError:
        return None


def outlier_bank(count: int, seed: int) -> torch.Tensor:
    """`count` normalised 1x28x28 non-digits as the handler would hand them to the network, drawn in
    turn from every painter; a painting the handler refuses (no_digit) is replaced by another."""
    rng = np.random.default_rng(seed)
    images: list[torch.Tensor] = []
    while len(images) < count:
        image = _normalised(PAINTERS[len(images) % len(PAINTERS)](rng), rng)
        if image is not None:
            images.append(image)
    return torch.stack(images)


def typed_digit_bank(count: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """`count` digits typed in DejaVu faces (0-9 in turn) as the handler would hand them to the
    network, and their labels."""
    rng = np.random.default_rng(seed)
    images: list[torch.Tensor] = []
    labels: list[int] = []
    while len(images) < count:
        label = len(images) % 10
        image = _normalised(typed(str(label), rng), rng)
        if image is not None:
            images.append(image)
            labels.append(label)
    return torch.stack(images), torch.tensor(labels)


def as_pixels(digits: torch.Tensor) -> np.ndarray:
    """Normalised Nx1x28x28 digits as the Nx28x28 uint8 images (white on black) they came from."""
    return ((digits[:, 0] * MNIST_STD + MNIST_MEAN).clamp(0, 1) * 255).round().byte().numpy()


def pen_digit_bank(
    digits: torch.Tensor, labels: torch.Tensor, count: int, seed: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """`count` of the given training digits (normalised Nx1x28x28 tensors) re-drawn with other pens
    (`other_pen`) as the handler would hand them to the network, and their labels."""
    rng = np.random.default_rng(seed)
    pixels = as_pixels(digits)
    images: list[torch.Tensor] = []
    kept: list[int] = []
    while len(images) < count:
        index = int(rng.integers(len(pixels)))
        image = _normalised(other_pen(pixels[index], rng), rng)
        if image is not None:
            images.append(image)
            kept.append(int(labels[index]))
    return torch.stack(images), torch.tensor(kept)

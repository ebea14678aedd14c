"""Evaluation sets whose statistics are not MNIST's: other pens, other resolutions, other hands.

Built by the tests, independently of the handler's code, from data the project may use: the MNIST
test digits re-drawn with other pens (thinned to a one-pixel skeleton with scikit-image and
re-stroked from a hairline to a marker a third of the digit's height, with a pen whose width
swells and thins along the strokes or one that skips, or dilated and eroded as they are), shrunk
to thumbnails of 8, 12 and 16 pixels and sent enlarged (blocky or smooth), stored as small scans
and bitmaps and pad drawings that the digit fills to the edge (8x8 block counts, 32x32, and that
enlarged; a one-pixel pen on a 32x32 or 96x96 pad), written in a form's box and cropped on it
as a scanner or a form reader crops a cell (or a little past it, into the next cell of a grid)
or in a box drawn by hand around it, or on squared paper photographed and cropped close,
written in colour (pens, paper, printed rulings, a drawing app's brush on a coloured canvas),
cropped tight on the ink's own bounds (as a detector's box crops a digit),
and digits typed in the handwriting-like and other fonts Debian ships, jittered in size, slant,
rotation, position and weight, as a stand-in for writers MNIST never saw. Each is sent dark on
light paper (uneven light, grain, JPEG) or as a transparent canvas export, the ways people send
digits. Renderers take (digit, label, seeded generator) and return encoded image bytes.
"""

from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from scipy import ndimage
from skimage.morphology import skeletonize

from tests.realistic import encode_as, light_ramp, on_paper, ruling

Renderer = Callable[[Image.Image, int, np.random.Generator], bytes]

# Debian's font packages installed by .ci/run (fonts-*): handwriting-like faces first, then the
# common sans and serif faces. None of them is the DejaVu family that training's outliers use.
# Left out: outline and decorative faces (fonts-femkeklaver draws hollow, hatched digits), which no
# pen writes.
FONT_FILES = {
    "Comic Neue": "opentype/comic-neue/ComicNeue-Regular.otf",
    "Comic Neue Bold": "opentype/comic-neue/ComicNeue-Bold.otf",
    "Comic Neue Light Italic": "opentype/comic-neue/ComicNeue-LightItalic.otf",
    "Humor Sans": "truetype/humor-sans/Humor-Sans.ttf",
    "dkg handwriting": "truetype/fifthhorseman/dkg.ttf",
    "dkg handwriting bold": "truetype/fifthhorseman/dkgBd.ttf",
    "Breip": "truetype/breip/Breip.ttf",
    "Because We Build": "opentype/bwht/BecauseWeBuild-Regular.otf",
    "Because We Connect": "opentype/bwht/BecauseWeConnect-Regular.otf",
    "Because We Create": "opentype/bwht/BecauseWeCreate-Regular.otf",
    "Because We Learn": "opentype/bwht/BecauseWeLearn-Regular.otf",
    "Because We Mentor": "opentype/bwht/BecauseWeMentor-Regular.otf",
    "Because We Organize": "opentype/bwht/BecauseWeOrganize-Regular.otf",
    "Kristi": "truetype/kristi/Kristi.ttf",
    "Dancing Script": "opentype/dancingscript/DancingScript-Regular.otf",
    "Kaushan Script": "opentype/kaushanscript/KaushanScript-Regular.otf",
    "Liberation Sans": "truetype/liberation/LiberationSans-Regular.ttf",
    "Liberation Sans Bold": "truetype/liberation/LiberationSans-Bold.ttf",
    "FreeSans": "truetype/freefont/FreeSans.ttf",
    "FreeSans Oblique": "truetype/freefont/FreeSansOblique.ttf",
    "Cantarell": "opentype/cantarell/Cantarell-Regular.otf",
    "Nimbus Sans": "opentype/urw-base35/NimbusSans-Regular.otf",
    "URW Gothic": "opentype/urw-base35/URWGothic-Book.otf",
}
FONT_ROOT = Path("/usr/share/fonts")


def missing_fonts() -> list[str]:
    return [name for name, path in FONT_FILES.items() if not (FONT_ROOT / path).exists()]


@cache
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_ROOT / FONT_FILES[name]), size=size)


def _square(glyph: Image.Image, margin: float) -> Image.Image:
    """The glyph's ink cropped and centred in a square with `margin` of its size around it."""
    box = glyph.getbbox()
    ink = glyph.crop(box) if box else glyph
    side = round(max(ink.size) * (1 + 2 * margin))
    square = Image.new("L", (side, side), 0)
    square.paste(ink, ((side - ink.size[0]) // 2, (side - ink.size[1]) // 2))
    return square


def on_canvas(glyph: Image.Image, rng: np.random.Generator) -> bytes:
    """A transparent 280x280 canvas export: coloured or black strokes whose coverage is the alpha."""
    side = int(rng.integers(120, 250))
    glyph = glyph.resize((side, side), Image.Resampling.BICUBIC)
    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    left, top = (int(rng.integers(0, 280 - side + 1)) for _ in range(2))
    colour = (0, 0, 0, 255) if rng.random() < 0.7 else (*(int(c) for c in rng.integers(0, 120, 3)), 255)
    canvas.paste(Image.new("RGBA", glyph.size, colour), (left, top), mask=glyph)
    return encode_as(canvas, "PNG")


def photographed(glyph: Image.Image, rng: np.random.Generator) -> bytes:
    return encode_as(on_paper(glyph, rng), "JPEG")


# --- pen width: the same digits written with other pens -------------------------------------------


def skeleton(digit: Image.Image, scale: int = 8) -> np.ndarray:
    """The digit's centre line, one pixel wide, at `scale` times MNIST's resolution."""
    large = digit.resize((28 * scale, 28 * scale), Image.Resampling.BICUBIC)
    return skeletonize(np.asarray(large) > 100)


def restroke(centre_line: np.ndarray, width: float | np.ndarray) -> Image.Image:
    """A round pen `width` pixels wide (anti-aliased) drawn along the centre line; an array gives
    the width at each pixel, and each point takes its nearest centre-line pixel's (a pressure pen)."""
    distance, nearest = ndimage.distance_transform_edt(~centre_line, return_indices=True)
    local = width[tuple(nearest)] if isinstance(width, np.ndarray) else width
    coverage = np.clip(local / 2 + 0.5 - distance, 0, 1)
    return Image.fromarray((coverage * 255).astype(np.uint8))


def _height(centre_line: np.ndarray) -> int:
    rows = np.nonzero(centre_line.any(axis=1))[0]
    return int(rows.max() - rows.min() + 1)


def _pen(relative_width: tuple[float, float]) -> Callable[[Image.Image, np.random.Generator], Image.Image]:
    """A glyph written with a pen whose width is a random share of the digit's height; at least one
    pixel at the size sent, so that a hairline is a hairline."""

    def glyph(digit: Image.Image, rng: np.random.Generator) -> Image.Image:
        centre_line = skeleton(digit)
        width = max(1.0, rng.uniform(*relative_width) * _height(centre_line))
        return _square(restroke(centre_line, width), margin=0.15)

    return glyph


hairline, marker = _pen((0.0, 0.03)), _pen((0.2, 0.34))


def pressure_pen(digit: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A brush or fountain pen: the width swells and thins along the strokes, from 2% of the digit's
    height to 14-27%, as the pressure changes (a smooth random field), so no one width fits it."""
    centre_line = skeleton(digit)
    field = ndimage.gaussian_filter(rng.normal(size=centre_line.shape), sigma=12)
    field = (field - field.min()) / np.ptp(field)
    width = (0.02 + field * rng.uniform(0.12, 0.25)) * _height(centre_line)
    return _square(restroke(centre_line, width), margin=0.15)


def skipping_pen(digit: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A ballpoint running dry: 15-35% of the centre line left out in dashes (where a smooth random
    field is lowest), the rest drawn 2-6% as wide as the digit is tall."""
    centre_line = skeleton(digit)
    field = ndimage.gaussian_filter(rng.normal(size=centre_line.shape), sigma=rng.uniform(2, 5))
    inked = centre_line & (field > np.percentile(field[centre_line], rng.uniform(15, 35)))
    return _square(restroke(inked, rng.uniform(0.02, 0.06) * _height(centre_line)), margin=0.15)


def _morphed(steps: int) -> Callable[[Image.Image, np.random.Generator], Image.Image]:
    """MNIST's own strokes grown (steps > 0) or shrunk by grey dilation/erosion with a disk, at 4x."""

    def glyph(digit: Image.Image, rng: np.random.Generator) -> Image.Image:
        large = np.asarray(digit.resize((112, 112), Image.Resampling.BICUBIC))
        radius = int(rng.integers(abs(steps), 2 * abs(steps) + 1))
        disk = np.hypot(*np.mgrid[-radius : radius + 1, -radius : radius + 1]) <= radius
        morph = ndimage.grey_dilation if steps > 0 else ndimage.grey_erosion
        return _square(Image.fromarray(morph(large, footprint=disk)), margin=0.15)

    return glyph


dilated, eroded = _morphed(3), _morphed(-2)


def fat_pen(digit: Image.Image) -> Image.Image:
    """MNIST's digit at its own 28x28, its strokes grown 2x2: a fat pen that lays a bar along whatever
    it is written against, with no resampling to soften it."""
    return Image.fromarray(ndimage.grey_dilation(np.asarray(digit), size=(2, 2)))


# --- resolution: thumbnails and coarse scans --------------------------------------------------------


def thumbnail(size: int, resample: Image.Resampling) -> Callable[[Image.Image, np.random.Generator], Image.Image]:
    """The digit shrunk (area average) until it fills `size` x `size` pixels, as in an 8x8 scan, then
    enlarged 4-16x as a viewer or a screenshot enlarges a thumbnail: blocky (nearest) or smooth
    (bicubic)."""

    def glyph(digit: Image.Image, rng: np.random.Generator) -> Image.Image:
        small = _square(digit, margin=0.0).resize((size, size), Image.Resampling.BOX)
        factor = int(rng.integers(4, 17))
        return small.resize((size * factor, size * factor), resample)

    return glyph


# --- small scans the digit fills: no paper around it -------------------------------------------------


def frame_filling_bitmap(digit: Image.Image, grown: bool, stretched: bool = False) -> np.ndarray:
    """The digit as a binary 32x32 bitmap that it fills, as a form reader or a drawing pad stores a
    digit: cropped to its ink, scaled until its long side is the bitmap's (or, `stretched`, each
    side to the bitmap's, as readers that normalise both ways do), thresholded, and its pen `grown`
    by a pixel (a thick, soft pen) or not. True is ink; no margin on the long side."""
    ink = digit.crop(digit.point(lambda value: 255 * (value > 64)).getbbox())  # its faint fringe is not its reach
    strokes = np.asarray((ink if stretched else _square(ink, margin=0.0)).resize((32, 32), Image.Resampling.BILINEAR))
    return ndimage.binary_dilation(strokes > 100) if grown else strokes > 100


def stored_as(bitmap: np.ndarray, sent_as: str) -> np.ndarray:
    """A `frame_filling_bitmap` as the pixels it is sent as, dark on white: "8x8" counts the ink in
    each 4x4 block (17 grey levels, a low-resolution scan with soft strokes), "8x8 light on dark"
    shows those counts as an image viewer's grey colour map does; "32x32" is the bitmap itself;
    "288x288" is the bitmap enlarged 9x, blocky, as a viewer would show it."""
    if sent_as.startswith("8x8"):
        pixels = bitmap.reshape(8, 4, 8, 4).sum(axis=(1, 3)) * 255 // 16
        return pixels if sent_as.endswith("light on dark") else 255 - pixels
    pixels = np.where(bitmap, 0, 255)
    return np.kron(pixels, np.ones((9, 9), dtype=int)) if sent_as == "288x288" else pixels


def frame_filling_set(
    digits: list[tuple[Image.Image, int]], seed: int, sent_as: str, stretched: bool = False
) -> list[tuple[bytes, int]]:
    """Each digit as a `frame_filling_bitmap`, its pen grown half the time, sent `stored_as`."""
    rng = np.random.default_rng(seed)
    images = []
    for digit, label in digits:
        pixels = stored_as(frame_filling_bitmap(digit, grown=rng.random() < 0.5, stretched=stretched), sent_as)
        images.append((encode_as(Image.fromarray(pixels.astype(np.uint8)), "PNG"), label))
    return images


def pad_drawing_set(digits: list[tuple[Image.Image, int]], seed: int, size: int) -> list[tuple[bytes, int]]:
    """Each digit re-stroked along its skeleton with a pen 1-1.5 pixels wide at the pad's scale, as a
    stylus or a mouse draws on a `size` x `size` pad that the digit fills to its edges (long side),
    anti-aliased, dark on white, sent as a PNG of the pad."""
    rng = np.random.default_rng(seed)
    images = []
    for digit, label in digits:
        centre_line = skeleton(digit)
        rows, columns = np.nonzero(centre_line)
        reach = max(np.ptp(rows), np.ptp(columns)) + 1
        pen = restroke(centre_line, reach / size * rng.uniform(1.0, 1.5))
        pad = _square(pen, margin=0.0).resize((size, size), Image.Resampling.BOX)
        images.append((encode_as(Image.fromarray(255 - np.asarray(pad)), "PNG"), label))
    return images


# --- a form's cell, cropped on its box -------------------------------------------------------------


def boxed_cell(
    digit: Image.Image | None,
    size: int,
    line: int,
    sides: str = "tblr",
    outside: int = 0,
    gap: int = 0,
    level: float = 0.0,
    angle: float = 0.0,
) -> np.ndarray:
    """The MNIST `digit` written in a form's box, dark on white, in a `size` px square cell: the box's
    line `line` px wide at grey `level` on `sides` (of "tblr"), `outside` px of paper around it, the
    digit fitted `gap` px inside it, turned by `angle` degrees; no digit, an empty cell. Drawn at 4x
    and reduced by area, so that the edges are soft as a scan's."""
    scale, box = 4, size - 2 * outside
    page = np.full((size * scale, size * scale), 255.0)
    start, stop, width = outside * scale, (outside + box) * scale, line * scale
    spans = {
        "t": (slice(start, start + width), slice(start, stop)),
        "b": (slice(stop - width, stop), slice(start, stop)),
        "l": (slice(start, stop), slice(start, start + width)),
        "r": (slice(start, stop), slice(stop - width, stop)),
    }
    for side in sides:
        page[spans[side]] = level
    if digit is not None:
        inner = (box - 2 * line - 2 * gap) * scale
        ink = digit.crop(digit.getbbox())
        fit = inner / max(ink.size)
        size_in_box = (max(1, round(ink.size[0] * fit)), max(1, round(ink.size[1] * fit)))
        coverage = np.asarray(ink.resize(size_in_box, Image.Resampling.BILINEAR)) / 255
        top, left = (page.shape[0] - coverage.shape[0]) // 2, (page.shape[1] - coverage.shape[1]) // 2
        region = page[top : top + coverage.shape[0], left : left + coverage.shape[1]]
        region[:] = np.minimum(region, 255 * (1 - coverage))
    drawn = Image.fromarray(page.astype(np.uint8)).rotate(angle, Image.Resampling.BICUBIC, fillcolor=255)
    return np.asarray(drawn.resize((size, size), Image.Resampling.BOX))


def form_cell(digit: Image.Image, rng: np.random.Generator) -> np.ndarray:
    """The digit in a `boxed_cell` cropped on the box, as a form reader or a scanner's crop stores a
    cell: 32-100 px square, the box's line 1 px to 4% of the side wide, black or grey, on all four
    sides (on two or three where the crop cut the others off), up to 2 degrees askew, with up to 2 px
    of paper outside it half the time, and the digit from touching it to 10% of the side away."""
    size = int(rng.integers(32, 101))
    line = int(rng.integers(1, max(1, round(0.04 * size)) + 1))
    outside = int(rng.integers(0, 3)) * int(rng.random() < 0.5)
    gap = int(rng.integers(0, round(0.1 * size) + 1))
    level = float(rng.choice([0.0, rng.uniform(0, 140)]))
    sides = "tblr" if rng.random() < 0.7 else ("tlr", "tbl", "tl", "br")[int(rng.integers(4))]
    return boxed_cell(digit, size, line, sides, outside, gap, level, angle=rng.uniform(-2, 2))


def form_cell_set(digits: list[tuple[Image.Image, int]], seed: int) -> list[tuple[bytes, int]]:
    """Each digit as a `form_cell`, sent as a PNG."""
    rng = np.random.default_rng(seed)
    return [(encode_as(Image.fromarray(form_cell(digit, rng)), "PNG"), label) for digit, label in digits]


def grid_crop(
    digit: Image.Image,
    neighbour: Image.Image | None,
    size: int,
    line: int,
    shift: int,
    gap: int = 0,
    turns: int = 0,
    apart: int | None = None,
) -> np.ndarray:
    """The `digit`'s `boxed_cell` in a form's grid, cropped `shift` px past its `line` px line on
    the side of the next cell (no `neighbour`, an empty one): the crop takes in that line, what lies
    beyond it, and loses `shift` px of the cell's far side. The next cell shares the line, or where
    the boxes stand `apart` px (a form's row of separate boxes), has its own, with paper between.
    Drawn with the next cell on the right, then turned back `turns` quarter turns, so that it lies
    on any of the four sides."""
    cell, next_cell = (None if image is None else image.rotate(90 * turns, expand=True) for image in (digit, neighbour))
    between = [] if apart is None else [np.full((size, apart), 255, dtype=np.uint8)]
    next_box = boxed_cell(next_cell, size, line, "tbr" if apart is None else "tblr", gap=gap)
    pair = np.hstack([boxed_cell(cell, size, line, gap=gap), *between, next_box])
    return np.ascontiguousarray(np.rot90(pair[:, shift : shift + size], -turns))


def grid_cell(
    digit: Image.Image, neighbour: Image.Image, rng: np.random.Generator, separate: bool = False
) -> np.ndarray:
    """The digit's `grid_crop` beside the `neighbour` digit, as a form reader's misregistered crop
    stores it: 40-100 px cells, lines 1 px to 4% of the side, the digit up to 5% of the side from
    the line, the next cell on any of the four sides, and the crop 3-10% of the side past the
    shared line, or where the boxes are `separate` (touching, or up to 3% of the side apart), past the
    next box's line by up to 3%, so that the crop shows two lines side by side or with paper between."""
    size = int(rng.integers(40, 101))
    line = int(rng.integers(1, max(1, round(0.04 * size)) + 1))
    gap = int(rng.integers(0, round(0.05 * size) + 1))
    turns = int(rng.integers(4))
    if not separate:
        return grid_crop(digit, neighbour, size, line, round(size * rng.uniform(0.03, 0.1)), gap, turns)
    between = int(rng.integers(0, max(1, round(0.03 * size)) + 1))
    shift = between + line + round(size * rng.uniform(0, 0.03))
    return grid_crop(digit, neighbour, size, line, shift, gap, turns, between)


def row_cell(digit: Image.Image, neighbour: Image.Image, rng: np.random.Generator) -> np.ndarray:
    """A `grid_cell` in a form's row of separate boxes."""
    return grid_cell(digit, neighbour, rng, separate=True)


def written_across(
    digit: Image.Image,
    neighbour: Image.Image,
    size: int,
    line: int,
    reach: int,
    gap: int = 0,
    turns: int = 0,
    sides: str = "tblr",
) -> np.ndarray:
    """The `digit`'s `boxed_cell` in a form's grid, cropped on its box, where the next cell's
    `neighbour` was written across the `line` px line the two cells share, `reach` px into this
    cell (its nearest ink there, the rest of it cut off by the crop): a hand that ran over. Drawn
    with the next cell on the right, then turned back `turns` quarter turns, so that it lies on any
    of the four sides; the box's line on `sides` (of "tblr", as drawn)."""
    cell, next_cell = (image.rotate(90 * turns, expand=True) for image in (digit, neighbour))
    theirs = boxed_cell(next_cell, size, line, "", gap=gap)
    nearest = int(np.argmax((theirs < 128).any(axis=0)))
    start = size - line - reach
    width = min(size - start, size - nearest)
    moved = np.full((size, size), 255, dtype=np.uint8)
    moved[:, start : start + width] = theirs[:, nearest : nearest + width]
    return np.ascontiguousarray(np.rot90(np.minimum(boxed_cell(cell, size, line, sides, gap=gap), moved), -turns))


def crossing_cell(digit: Image.Image, neighbour: Image.Image, rng: np.random.Generator) -> np.ndarray:
    """The digit `written_across` by the `neighbour`: 40-100 px cells, lines 1 px to 4% of the side,
    the digit up to 5% of the side from the line, and the next cell's digit up to 10% of the side
    into this one, from any of the four sides."""
    size = int(rng.integers(40, 101))
    line = int(rng.integers(1, max(1, round(0.04 * size)) + 1))
    gap = int(rng.integers(0, round(0.05 * size) + 1))
    reach = round(size * rng.uniform(0, 0.1))
    return written_across(digit, neighbour, size, line, reach, gap, turns=int(rng.integers(4)))


def grid_cell_set(
    digits: list[tuple[Image.Image, int]],
    seed: int,
    cell: Callable[[Image.Image, Image.Image, np.random.Generator], np.ndarray] = grid_cell,
) -> list[tuple[bytes, int]]:
    """Each digit as a `cell` of a form's grid (`grid_cell`, `row_cell`, `crossing_cell`), beside the
    digit 100 places on in `digits`, sent as a PNG."""
    rng = np.random.default_rng(seed)
    return [
        (encode_as(Image.fromarray(cell(digit, digits[(index + 100) % len(digits)][0], rng)), "PNG"), label)
        for index, (digit, label) in enumerate(digits)
    ]


def hand_boxed_cell(
    digit: Image.Image, size: int, pen: float, wobble: float, outside: int, gap: int, rng: np.random.Generator
) -> np.ndarray:
    """The MNIST `digit` in a box drawn by hand around it, dark on white, in a `size` px square cell:
    each side a stroke `pen` px wide that wanders up to `wobble` px off the straight line (a smooth
    random curve), overshooting its corners or stopping short of them by up to 3 px, `outside` px of
    paper around the box, the digit fitted `gap` px inside it. Drawn at 4x and reduced by area."""
    scale = 4
    cell = boxed_cell(digit, size, round(pen), sides="", outside=outside, gap=gap)
    page = Image.fromarray(np.kron(cell, np.ones((scale, scale), dtype=np.uint8)))
    low, high = (outside + pen / 2) * scale, (size - outside - pen / 2) * scale
    corners = np.array([(low, low), (high, low), (high, high), (low, high)])
    for start, end in zip(corners, np.roll(corners, -1, axis=0), strict=True):
        along = (end - start) / np.linalg.norm(end - start)
        across = np.array([-along[1], along[0]])
        overshoot = rng.uniform(-2, 3) * scale
        curve = ndimage.gaussian_filter1d(rng.normal(size=40), sigma=6)
        curve *= wobble * scale / max(float(np.abs(curve).max()), 1e-9)
        steps = np.linspace(0, 1, len(curve))[:, None]
        points = start - along * overshoot + steps * (end - start + 2 * along * overshoot) + curve[:, None] * across
        ImageDraw.Draw(page).line([tuple(point) for point in points], fill=0, width=round(pen * scale), joint="curve")
    return np.asarray(page.resize((size, size), Image.Resampling.BOX))


def hand_box(digit: Image.Image, rng: np.random.Generator) -> np.ndarray:
    """The digit in a `hand_boxed_cell` as a person draws a box around a digit and crops a photo or
    scan of it: 40-100 px square, a pen 1-3.5% of the side wide wandering up to 2.5% of the side,
    with 1-4% of paper around the box and the digit 2-8% of the side inside it."""
    size = int(rng.integers(40, 101))
    pen = max(1.0, rng.uniform(0.01, 0.035) * size)
    outside = int(round(rng.uniform(0.01, 0.04) * size))
    gap = int(round(rng.uniform(0.02, 0.08) * size))
    return hand_boxed_cell(digit, size, pen, rng.uniform(0.005, 0.025) * size, outside, gap, rng)


def hand_box_set(digits: list[tuple[Image.Image, int]], seed: int) -> list[tuple[bytes, int]]:
    """Each digit as a `hand_box`, sent as a PNG."""
    rng = np.random.default_rng(seed)
    return [(encode_as(Image.fromarray(hand_box(digit, rng)), "PNG"), label) for digit, label in digits]


# --- squared paper, cropped close ------------------------------------------------------------------


def placed(
    digit: Image.Image, width: int, height: int, share: tuple[float, float], rng: np.random.Generator
) -> np.ndarray:
    """The digit's ink as coverage (0-1) of a `width` x `height` image: a random `share` of its
    height (at most 95% of its width), anywhere inside it."""
    ink = digit.crop(digit.getbbox())
    fit = min(height * rng.uniform(*share) / ink.size[1], 0.95 * width / ink.size[0])
    size = (max(1, round(ink.size[0] * fit)), max(1, round(ink.size[1] * fit)))
    coverage = np.zeros((height, width), dtype=np.float32)
    top, left = int(rng.integers(0, height - size[1] + 1)), int(rng.integers(0, width - size[0] + 1))
    glyph = np.asarray(ink.resize(size, Image.Resampling.BICUBIC), dtype=np.float32) / 255
    coverage[top : top + size[1], left : left + size[0]] = glyph
    return coverage


def squared_crop(digit: Image.Image, rng: np.random.Generator) -> np.ndarray:
    """The digit written on a squared page, photographed and cropped close around it, as a person
    crops one digit out of an exercise book: 40-200 px high, 0.8-1.25 as wide, the digit 50-85% of
    the height anywhere inside; squares a fifth to three fifths of the height, so 1.7-5 high;
    lines 1 px to a fifteenth of a square, 60-190 grey, leaning up to 5 degrees and bowed on a
    third of the crops; dark ink, paper lit unevenly (clipped to white in patches on a few), grain."""
    height = int(rng.integers(40, 201))
    width = round(height * rng.uniform(0.8, 1.25))
    pitch = height * rng.uniform(0.2, 0.6)
    thickness = int(rng.integers(1, max(1, round(pitch / 15)) + 1))
    bend = rng.uniform(0.01, 0.04) * height if rng.random() < 1 / 3 else 0.0
    lines = ruling(width, height, pitch, rng.uniform(-5, 5), thickness, True, rng.uniform(0, pitch), bend)
    coverage = placed(digit, width, height, (0.5, 0.85), rng)
    ramp = light_ramp(width, height, rng.uniform(0, 25), rng.uniform(-15, 15))
    paper = rng.uniform(190, 240) + ramp + rng.normal(0, rng.uniform(2, 7), (height, width))
    paper = paper * (1 - lines) + rng.uniform(60, 190) * lines
    gray = paper * (1 - coverage) + rng.uniform(15, 70) * coverage
    return np.clip(gray, 0, 255).astype(np.uint8)


def squared_crop_set(digits: list[tuple[Image.Image, int]], seed: int) -> list[tuple[bytes, int]]:
    """Each digit as a `squared_crop`, sent as a JPEG, as a phone saves the crop."""
    rng = np.random.default_rng(seed)
    return [(encode_as(Image.fromarray(squared_crop(digit, rng)), "JPEG"), label) for digit, label in digits]


# --- cropped to the digit's own bounds --------------------------------------------------------------


def cropped_to_its_bounds(digit: Image.Image, pen: float, inside: float, margin: float, long_side: int) -> np.ndarray:
    """The digit's ink as coverage (0-1), re-stroked with a pen `pen` of its size wide and cropped
    `inside` a pen inside its ink's bounds (0: on them; 0.5: through the strokes' middles) on its
    left and right, and on its top and bottom too where `margin` is 0, else with `margin` of its
    height above and below; `long_side` px on the long side, the pen at least a pixel there."""
    centre_line = skeleton(digit)
    rows, columns = np.nonzero(centre_line)
    extent = max(np.ptp(rows), np.ptp(columns)) + 1
    width = max(pen * extent, extent / long_side)
    ink = restroke(centre_line, width)
    rows, columns = np.nonzero(np.asarray(ink) > 127)
    cut, height = inside * width, rows.max() + 1 - rows.min()
    top, bottom = (rows.min() + cut, rows.max() + 1 - cut) if not margin else (rows.min(), rows.max() + 1)
    box = (columns.min() + cut, top - margin * height, columns.max() + 1 - cut, bottom + margin * height)
    crop = ink.crop(tuple(round(edge) for edge in box))
    scale = long_side / max(crop.size)
    size = (max(1, round(crop.size[0] * scale)), max(1, round(crop.size[1] * scale)))
    return np.asarray(crop.resize(size, Image.Resampling.BICUBIC), dtype=np.float32) / 255


def tight_crop(digit: Image.Image, rng: np.random.Generator) -> bytes:
    """The digit `cropped_to_its_bounds` as a detector's box or a careful hand crops a digit:
    re-stroked with a fine pen to a felt tip (1-10% of its size), cropped on its ink's bounds or
    up to half a pen inside them, on all four sides or on its left and right with 10-40% of its
    height above and below; 40-900 px on the long side; photographed on paper (light ramp, grain,
    JPEG) or drawn on a white canvas (PNG). Its strokes run out of the frame where a page's lines
    do: a 7's bar, a 4's stem, a 2's base."""
    margin = 0.0 if rng.random() < 0.5 else rng.uniform(0.1, 0.4)
    long_side = int(np.exp(rng.uniform(np.log(40), np.log(900))))
    coverage = cropped_to_its_bounds(digit, rng.uniform(0.01, 0.1), rng.uniform(0, 0.5), margin, long_side)
    if rng.random() < 0.3:
        return encode_as(Image.fromarray((255 * (1 - coverage)).astype(np.uint8)), "PNG")
    height, width = coverage.shape
    paper = rng.uniform(170, 240) + light_ramp(width, height, rng.uniform(0, 25), rng.uniform(-15, 15))
    paper = paper + rng.normal(0, rng.uniform(2, 7), (height, width))
    photo = paper * (1 - coverage) + rng.uniform(15, 70) * coverage
    return encode_as(Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8)), "JPEG")


def tight_crop_set(digits: list[tuple[Image.Image, int]], seed: int) -> list[tuple[bytes, int]]:
    """Each digit as a `tight_crop`."""
    rng = np.random.default_rng(seed)
    return [(tight_crop(digit, rng), label) for digit, label in digits]


# --- in colour ---------------------------------------------------------------------------------------


def _any_colour(rng: np.random.Generator, lightness: tuple[float, float] = (0.0, 1.0)) -> np.ndarray:
    """An RGB colour of any hue, saturation 0.3-1 and value within `lightness` (0-1), as 0-255 floats."""
    hsv = np.array([[[rng.uniform(0, 255), rng.uniform(0.3, 1) * 255, rng.uniform(*lightness) * 255]]])
    return np.asarray(Image.fromarray(hsv.astype(np.uint8), "HSV").convert("RGB"), dtype=float)[0, 0]


def coloured(digit: Image.Image, rng: np.random.Generator) -> bytes:
    """The digit in colour, one of four ways drawn at random: a coloured pen on white paper
    (a ballpoint to a pale felt tip), dark ink on coloured paper, ink on a page whose squared
    or lined ruling is printed in colour (each photographed: light ramp, grain, JPEG with its
    halved colour resolution), or a drawing app's brush on a canvas of another colour (PNG),
    any pair a person tells apart (80 or more apart in RGB), lighter, darker or as light."""
    way = int(rng.integers(4))
    if way == 3:
        coverage = placed(digit, 280, 280, (0.45, 0.8), rng)[..., None]
        ground, ink = _any_colour(rng), _any_colour(rng)
        while np.linalg.norm(ink - ground) < 80:
            ink = _any_colour(rng)
        canvas = ground * (1 - coverage) + ink * coverage
        return encode_as(Image.fromarray(canvas.astype(np.uint8), "RGB"), "PNG")
    height = int(rng.integers(150, 480))
    width = round(height * rng.uniform(0.8, 1.25))
    coverage = placed(digit, width, height, (0.45, 0.8), rng)[..., None]
    white = rng.uniform(225, 250) * np.array([1.0, 0.98, rng.uniform(0.9, 1.0)])
    paper = _any_colour(rng, (0.85, 1.0)) if way == 1 else white
    ink = _any_colour(rng, {0: (0.2, 0.95), 1: (0.0, 0.35), 2: (0.0, 0.6)}[way])
    light = light_ramp(width, height, rng.uniform(0, 20), rng.uniform(-15, 15))
    page = paper + (light + rng.normal(0, rng.uniform(2, 6), (height, width)))[..., None]
    if way == 2:
        pitch, lean = height * rng.uniform(0.12, 0.35), rng.uniform(-4, 4)
        squared, offset = bool(rng.random() < 0.5), rng.uniform(0, 40)
        lines = ruling(width, height, pitch, lean, int(rng.integers(1, 3)), squared, offset)[..., None]
        page = page * (1 - lines) + _any_colour(rng, (0.55, 0.95)) * lines
    photo = page * (1 - coverage) + ink * coverage
    return encode_as(Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8), "RGB"), "JPEG")


def colour_set(digits: list[tuple[Image.Image, int]], seed: int) -> list[tuple[bytes, int]]:
    """Each digit `coloured`."""
    rng = np.random.default_rng(seed)
    return [(coloured(digit, rng), label) for digit, label in digits]


# --- other hands: digits in fonts -------------------------------------------------------------------


def font_glyph(label: int, rng: np.random.Generator, font: str) -> Image.Image:
    """The digit typed in `font` with a random size, weight (stroke), slant and rotation."""
    size = int(rng.integers(40, 200))
    image = Image.new("L", (size * 3, size * 3), 0)
    stroke = int(rng.integers(0, max(1, size // 25) + 1))
    ImageDraw.Draw(image).text(
        (size * 1.5, size * 1.5),
        str(label),
        font=_font(font, size),
        fill=255,
        anchor="mm",
        stroke_width=stroke,
        stroke_fill=255,
    )
    slant = rng.uniform(-0.25, 0.25)
    image = image.transform(
        image.size, Image.Transform.AFFINE, (1, slant, -slant * size * 1.5, 0, 1, 0), Image.Resampling.BICUBIC
    )
    image = image.rotate(rng.uniform(-8, 8), resample=Image.Resampling.BICUBIC)
    return _square(image, margin=rng.uniform(0.1, 0.4))


def fonts_set(count: int, seed: int, canvas_share: float = 0.3) -> list[tuple[bytes, int]]:
    """`count` digits, labels and fonts in turn, each on paper or a canvas."""
    rng = np.random.default_rng(seed)
    names = list(FONT_FILES)
    images = []
    for index in range(count):
        label, font = index % 10, names[(index // 10 + index) % len(names)]
        glyph = font_glyph(label, rng, font)
        images.append(((on_canvas if rng.random() < canvas_share else photographed)(glyph, rng), label))
    return images


GLYPHS: dict[str, Callable[[Image.Image, np.random.Generator], Image.Image]] = {
    "pen-hairline": hairline,
    "pen-marker": marker,
    "pen-dilated": dilated,
    "pen-eroded": eroded,
    "thumbnail-8-blocky": thumbnail(8, Image.Resampling.NEAREST),
    "thumbnail-12-blocky": thumbnail(12, Image.Resampling.NEAREST),
    "thumbnail-16-blocky": thumbnail(16, Image.Resampling.NEAREST),
    "thumbnail-8-smooth": thumbnail(8, Image.Resampling.BICUBIC),
    "thumbnail-12-smooth": thumbnail(12, Image.Resampling.BICUBIC),
    "thumbnail-16-smooth": thumbnail(16, Image.Resampling.BICUBIC),
    "pen-pressure": pressure_pen,
    "pen-skipping": skipping_pen,
}


def digits_set(
    digits: list[tuple[Image.Image, int]], glyph: Callable, seed: int, background: str
) -> list[tuple[bytes, int]]:
    """Each MNIST digit re-drawn by `glyph`, sent on `background` ("paper" or "canvas")."""
    rng = np.random.default_rng(seed)
    send = photographed if background == "paper" else on_canvas
    return [(send(glyph(image, rng), rng), label) for image, label in digits]

"""Any photo, scan, screenshot or canvas export of one digit → a 28x28 MNIST-style image.

MNIST digits are white ink on black, written with one kind of pen, fitted into a 20x20 box keeping
their aspect ratio and centred by their centre of mass in 28x28 (LeCun et al.). The network is right
only on inputs that look like that, so each image is brought into that form: transparency composited
so canvas ink stays visible, a form's box along a cropped cell's edges painted over, a thumbnail
enlarged and a photo reduced to a working size, dark-on-light inverted (the background is what the
border shows), the paper's level subtracted and its lighting too where it is uneven, a ruled page's
lines and a form's box taken out, the digit found among specks and stray lines, cropped, its pen
brought into MNIST's range, fitted and centred. Every step decides from the image itself: the paper
is fitted as a smooth surface under the ink, never as "whatever is wider than a fixed share of the
image", which took fat marker strokes for paper and hollowed them. An image where nothing stands out
from the paper and its noise (blank paper, pure noise) has no digit. A 28x28 image is MNIST's own
format and only has its polarity and contrast checked, so MNIST digits reach the network untouched.
"""

import numpy as np
from PIL import Image
from scipy import ndimage, stats

from handler.errors import RequestError

MNIST_SIZE = 28
DIGIT_BOX = 20
WORK_SIZE = 256  # long side at which the digit is looked for: ample for a 20x20 result
# Smaller images (thumbnails, 8x8 scans, small photos) are enlarged to this first: a photo's digit is
# then about as large as in a photo reduced to WORK_SIZE, which the page searches' widths are set for.
MIN_WORK_SIZE = 192
MIN_CONTRAST = 12.0  # of 255: ink fainter than this above the paper is texture, not a digit
COLOUR_GAIN = 3.0  # a colour axis replaces lightness where it shows the image this many times as contrasted
COLOUR_SAMPLE = 128  # pixels, long side: the colours' statistics are taken on a copy this small
NOISE_MARGIN = 8.0  # ink must also stand this many times the image's pixel noise above the paper
UNEVEN_PAPER = 12.0  # of 255: paper whose lighting varies more than this across the image is flattened
SHADOW_BORDER = 0.15  # share of the border's tiles off the smooth paper surface: a shadow's edge crosses
SHADOW_DEPTH = 0.85  # of the way from the paper up to the ink: a shadow dims the paper less than that
LIT_BORDER = 0.2  # a shadow darkens most of the border, but paper still shows lit on at least this share of it
FLAT_GROUND = 0.1  # share of the border exactly at the image's darkest or lightest level: a drawn or scanned ground
GRAINY_GROUND = 0.25  # share of the ground near that level that is off it: a photo's grain beside clipped paper
JPEG_REACH = 7  # pixels: a JPEG's ringing stays inside the 8x8 block a stroke crosses
LIT_STEP = 40.0  # of 255: how much brighter that lit paper is than the shaded; ink runs across a border in strokes
GLARE_WINDOW = 1 / 6  # of the short side: a lamp's glare is wider than this, a stroke is thinner
GLARE_PERCENTILE = 99.5  # a glare's peak stands off the window's median in few pixels, a stroke in many
SMOOTH_GRADIENT = 0.25  # of the image's strongest edges: paper, lit evenly or not, changes more slowly
EDGE_GRADIENT = 0.5  # of the image's strongest edges: a stroke's edge, where ink meets the ground
MIN_EDGE_PIXELS = 20  # edge pixels beside the ground, at least, for them to tell the ink's side
INK_SIDE_MARGIN = 0.2  # of the edges' votes: a closer split does not tell the ink's side
BRIGHTEST_PAPER = 95  # percentile of the border's paper light: light above it is a glare's, added, not scaled
STROKE_SIZE = 0.1  # of the short side: a pen's stroke is narrower, so the paper's flood is kept off strokes
SHADOW_SIZE = 0.35  # of the short side: under a shadow, paper is what is wider than this (no stroke is)
KEEP_FRACTION = 0.04  # pieces smaller than this share of the largest are specks; a thin pen's broken stroke is not
BORDER_BAND = 0.15  # lines within this share of the size from an edge are not part of the digit
LINE_COVERAGE = 0.75  # a row or column this full of ink near the border is a line, not a stroke
FLOOR_SHARE = 0.5  # of Otsu's level: ink below it is paper in the contrast stretch
RULED_COVERAGE = 0.9  # a line inked across this share of the image, and at both edges, is the paper's ruling
RULED_CLEAR = 0.4  # of the image: a ruled line shows its own thickness along this much, where no stroke runs along it
RULED_WIDTH = 8  # pixels of the working size: a ruled line is at most this thick, with paper either side
STROKE_THICKNESS = 1.0  # of the digit's pen: a line across the image this thick (to faint ink) may be its stroke
STROKE_DARKNESS = 0.7  # of the digit's median ink: a line this dark may be its stroke; a page's are printed lighter
RULED_SENT = 2  # pixels of a small image as sent: a ruled line is at most this thick before enlargement
BOX_SIDE = 0.3  # of the image: a form's box around the digit has straight sides at least this long
BOX_INSIDE = 0.8  # share of the rest of the ink that lies inside a box: the digit written in it
BOX_FILL = 0.25  # of the box's height: a digit written in a box fills this much of it, a 7's crossbar does not
DRAWN_RULING_STEPS = 2  # rows a traced ruling may wander in an image without grain (a template's is exact)
RULED_STEP_COST = 0.25  # of a pixel of ink: a traced line steps a row only where the ink leans or bends
# MNIST's pen, in pixels of the 20x20 box: about 2-3 pixels wide. Pens outside this range are
# brought to its edge before fitting, so a hairline does not vanish and a marker does not blot.
PEN_RANGE = (2.0, 4.0)
FRAME_DEPTH = 0.15  # of the short side: a form's box line, and any paper outside it, lie within this of the edge
FRAME_CONTRAST = 0.4  # of the image's contrast (1st to 99th percentile): a box line stands this far off the paper
FRAME_SPAN = 0.75  # of a side: a frame's line runs straight along this much, clean along it if clear of the digit
LINE_STEADY = 0.9  # of a line: its edge steps by a pixel at most from column to column along this much
FRAME_TOUCHED = 0.5  # of a side: a box's line is clean along this much, where the digit touches it elsewhere
MIN_FRAMED = 16  # pixels of the short side: a smaller scan is the digit's bitmap, with no room for a box
MAX_FRAMED = 2 * WORK_SIZE  # pixels of the long side: a larger scan's box line is thin beside its border band
EIGHT_NEIGHBOURS = np.ones((3, 3), dtype=bool)


def _no_digit() -> RequestError:
    return RequestError("no_digit", "No digit is visible in the image.", status=422)


def to_grayscale(image: Image.Image) -> Image.Image:
    """One 8-bit channel. Transparent pixels become the colour the ink is not: a canvas export keeps
    its ink only in the alpha channel, and a plain conversion would turn it all black. A colour
    image gives its lightness, or the axis its colours differ along where only that shows the
    digit (`colour_axis`)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        alpha = rgba.getchannel("A")
        if alpha.getextrema()[0] < 255:  # type: ignore[operator]  # one band: (low, high) numbers
            luminance = rgba.convert("L")
            weights = np.asarray(alpha, dtype=np.float32)
            ink_luminance = float((np.asarray(luminance) * weights).sum() / max(weights.sum(), 1.0))
            flattened = Image.new("L", image.size, 255 if ink_luminance < 128 else 0)
            flattened.paste(luminance, mask=alpha)
            return flattened
    if image.mode not in ("RGB", "RGBA", "YCbCr", "P", "CMYK"):
        return image.convert("L")
    # A JPEG arrives as libjpeg's YCbCr (handler/decode.py): its Y is the lightness, as decoded.
    lightness = image.getchannel("Y") if image.mode == "YCbCr" else image.convert("L")
    # Box-averaged before any conversion (a palette has no average: it is converted first).
    source = image if image.mode in ("RGB", "YCbCr") else image.convert("RGB")
    sample = source.reduce(-(-max(image.size) // COLOUR_SAMPLE))
    axis = colour_axis(np.asarray(sample.convert("RGB"), dtype=np.float64).reshape(-1, 3))
    return lightness if axis is None else source.convert("RGB").convert("L", matrix=axis)


def _spread(values: np.ndarray) -> float:
    """How far apart `values` lie: 0.5th to 99.5th percentile, so that a few JPEG or edge pixels
    do not count, while a digit's strokes, a few percent of the pixels, do."""
    low, high = np.percentile(values, (0.5, 99.5))
    return float(high - low)


def colour_axis(colours: np.ndarray) -> tuple[float, float, float, float] | None:
    """The RGB → grey matrix along which `colours` (N x 3) differ most, where that axis shows them
    COLOUR_GAIN times as contrasted as lightness does; None elsewhere, which is nearly always.
    A digit drawn in one colour on another about as light (red on green, orange on blue) shows
    lightness a few grey levels of contrast, fainter than ink, and lightness would find no digit.
    Where lightness shows a third of the axis's contrast or more, it is kept, so grey photos,
    tinted paper and dark pens of any colour read as they always have. The axis keeps
    lightness's sense (what lightness shows darker stays darker) and maps 0-255 into 0-255."""
    if len(colours) < 2:  # a one-pixel image has no spread to compare
        return None
    lightness = colours @ np.array([0.299, 0.587, 0.114])
    centred = colours - colours.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)  # the covariance, up to a factor
    axis = vectors[:, -1]  # the largest eigenvalue's: where the colours differ most
    along = colours @ axis
    agrees = np.dot(along - along.mean(), lightness - lightness.mean()) >= 0
    weight = np.abs(axis).sum()  # the grey's scale: its weights' magnitudes sum to 1
    if _spread(along) / weight <= COLOUR_GAIN * _spread(lightness):  # a spread keeps its size turned over
        return None
    axis = axis / weight * (1.0 if agrees else -1.0)
    offset = -255.0 * float(np.minimum(axis, 0).sum())
    return (float(axis[0]), float(axis[1]), float(axis[2]), offset)


def to_working_size(gray: Image.Image) -> Image.Image:
    """Long side between MIN_WORK_SIZE and WORK_SIZE: a photo is reduced (cheap, and grain averages
    out), a thumbnail, a tiny scan or a small photo is enlarged so that its strokes span several
    pixels, and the page's lines and boxes are as wide and as straight as in a reduced photo (at
    half this size, a small 0's arcs passed for a box's sides). Lanczos enlarges an 8x8 scan more
    sharply than bicubic, which blurs strokes a pixel apart together (the frame-filling 8x8 set in
    reports/evaluation.md)."""
    long_side = max(gray.size)
    if long_side > WORK_SIZE:
        gray = gray.copy()
        gray.thumbnail((WORK_SIZE, WORK_SIZE), Image.Resampling.BILINEAR)
    elif long_side < MIN_WORK_SIZE:
        scale = MIN_WORK_SIZE / long_side
        size = (max(1, round(gray.size[0] * scale)), max(1, round(gray.size[1] * scale)))
        gray = gray.resize(size, Image.Resampling.LANCZOS)
    return gray


def white_on_black(pixels: np.ndarray) -> np.ndarray:
    """Invert dark ink on a light background. The background is what the image's border shows: a digit
    is written inside the frame, while a marker digit may cover most of the image. Paper is light, but
    a canvas lighter than mid-grey may carry a brush lighter still (yellow on pink): where nothing
    reaches below such a ground by MIN_CONTRAST, no ink is dark, and if the strokes' edges tell light
    ink (`_ink_side`, below), the image is kept as it is. (Deciding by which side reaches further
    turned over dark ink on grey paper beside a white patch or strip, an eighth of such photos.) A
    photo taken in dim light shows paper grey, darker than mid-grey: there the ink tells, reaching
    further below the paper's level than anything reaches above it, where a light stroke on a dark
    background reaches above. The extremes are taken after a slight blur, so that grain and JPEG noise
    do not count. A deep shadow over most of the border shows it grey too, but the paper still shows
    lit along LIT_BORDER of it, where a light stroke crosses a border only in strokes' widths; the lit
    paper reaches furthest above, so it must decide before the extremes. But a light digit that fills a
    dark frame (an 8x8 scan shown white on black) touches a fifth of its border too, and raises its
    median: there the image's darkest level is its ground, flat along FLAT_GROUND of the border at
    least (`_flat_at`), where a photo's grain leaves its darkest level to a few pixels, even where its
    dark ink touches the border (a digit cropped tightly). A lamp's glare on a dim page reaches above
    too, further than the ink below, and may lift the ink under it above the border's level: where
    something reaches above, the strokes' edges tell which side of them the ground is on (`_ink_side`).
    Where no edge borders the ground, each pixel is measured from the median of a window GLARE_WINDOW
    wide around it, which follows a glare's smooth spot but not a thin stroke, and the two ways are
    compared by the pixels that reach furthest (GLARE_PERCENTILE): the peak of a narrow glare stands
    above its window's median in few pixels, where a stroke's whole length stands off."""
    border = _border(pixels)
    level = float(np.median(border))
    if level > 127:  # light paper, most uploads
        smooth = ndimage.gaussian_filter(pixels.astype(np.float32), sigma=1.0)
        if level - float(smooth.min()) >= MIN_CONTRAST or _ink_side(smooth) <= 0:
            return 255 - pixels
        return pixels
    if _flat_at(border, pixels.min()):  # the image's darkest level is its ground
        return pixels
    if np.percentile(border, 100 * (1 - LIT_BORDER)) - level > LIT_STEP:
        return 255 - pixels
    smooth = ndimage.gaussian_filter(pixels.astype(np.float32), sigma=1.0)
    below, above = level - float(smooth.min()), float(smooth.max()) - level
    if above > below:  # a light stroke, or a lamp's glare on a dim page
        ink_side = _ink_side(smooth)
        if ink_side:
            return pixels if ink_side > 0 else 255 - pixels
        if below >= MIN_CONTRAST:
            local = smooth - _local_median(smooth, GLARE_WINDOW)  # a glare is followed, a stroke is not
            below, above = (float(np.percentile(side, GLARE_PERCENTILE)) for side in (-local, local))
    return 255 - pixels if below > above else pixels


def _ink_side(smooth: np.ndarray) -> int:
    """+1 where the strokes are lighter than the ground, -1 where they are darker, 0 where too few
    edges border the ground to tell. The ground is what reaches the border without crossing an edge
    (where the gradient is under SMOOTH_GRADIENT of the image's strongest, its 99.5th percentile):
    paper under a ramp of light or a lamp's glare is smooth, so it is all ground, while a stroke of
    any width is walled off by its edges. A stroke that crosses the border is smooth inside too,
    but it runs along less of the border than the ground does (`_larger_side`). Each strong edge
    (over EDGE_GRADIENT of the strongest) beside the ground votes: its ink side is the one that
    reaches further from the ground's level beside it, up or down. (Measured from the border's
    level or a window's median, a light marker digit on a grainy, unevenly lit dark ground, whose
    strokes fill the windows, passed for dark ink, and a dark one under a glare, which lifts it
    above the border's level, for light ink.)"""
    gradient = np.hypot(ndimage.sobel(smooth, axis=0), ndimage.sobel(smooth, axis=1))
    strongest = float(np.percentile(gradient, 99.5))
    regions, count = ndimage.label(gradient < SMOOTH_GRADIENT * strongest)
    along_border = np.bincount(_border(regions), minlength=count + 1)[1:]
    touching = np.nonzero(along_border)[0] + 1
    if not touching.size:
        return 0
    levels = np.asarray(ndimage.median(smooth, regions, touching))
    ground = np.isin(regions, touching[_larger_side(levels, along_border[touching - 1])])
    edges = (gradient >= EDGE_GRADIENT * strongest) & ndimage.binary_dilation(ground, iterations=3)
    if edges.sum() < MIN_EDGE_PIXELS:
        return 0
    share = ndimage.uniform_filter(ground.astype(np.float32), size=9)
    ground_level = ndimage.uniform_filter(smooth * ground, size=9)[edges] / np.maximum(share[edges], 1e-6)
    up = ndimage.maximum_filter(smooth, size=7)[edges] - ground_level
    down = ground_level - ndimage.minimum_filter(smooth, size=7)[edges]
    vote = float(np.mean(np.sign(up - down)))
    return 0 if abs(vote) < INK_SIDE_MARGIN else int(np.sign(vote))


def _larger_side(levels: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Which of the regions at `levels`, running `lengths` along the border, are the ground: split
    into a darker and a lighter side where the sides' mean levels stand furthest apart, each region
    weighed by its length (Otsu's criterion over the regions themselves: a histogram's bins would
    cut between regions a ramp sets a level apart), the side that runs along more of the border.
    A digit that fills its frame crosses the border in strokes, cutting the ground into pieces
    that a ramp of light sets at different levels, but the strokes stand further from them all."""
    order = np.argsort(levels)
    level, length = levels[order], lengths[order].astype(np.float64)
    below = np.cumsum(length)[:-1]  # the darker side's length at each split, then its mean level
    if not below.size:  # one region: the ground
        return np.ones(1, dtype=bool)
    inked_below = np.cumsum(level * length)[:-1]
    above = length.sum() - below
    mean_below, mean_above = inked_below / below, ((level * length).sum() - inked_below) / above
    split = int(np.argmax(below * above * (mean_above - mean_below) ** 2)) + 1
    darker = np.zeros(len(levels), dtype=bool)
    darker[order[:split]] = True
    return darker if below[split - 1] >= above[split - 1] else ~darker


def _local_median(pixels: np.ndarray, window: float) -> np.ndarray:
    """The median of a square `window` of the short side wide around each pixel; measured at a
    quarter of the size, since what it follows (paper, a glare) is smooth, and enlarged back."""
    height, width = pixels.shape
    small = pixels[::4, ::4]
    median = ndimage.median_filter(small, size=max(3, round(window * min(small.shape))), mode="nearest")
    return np.asarray(Image.fromarray(median).resize((width, height), Image.Resampling.BILINEAR))


def _border(pixels: np.ndarray) -> np.ndarray:
    """The pixels within a twentieth of the short side (one at least) of the image's edges (the corners twice)."""
    return np.concatenate([strip.ravel() for strip in _border_strips(pixels)])


def _border_depth(pixels: np.ndarray) -> int:
    """How deep `_border` reaches: a twentieth of the short side, one pixel at least."""
    return max(1, round(min(pixels.shape) * 0.05))


def _border_strips(pixels: np.ndarray, deeper: int = 0) -> tuple[np.ndarray, ...]:
    """`_border`'s four strips, each from its edge inward (views), `deeper` pixels deeper."""
    return _strips(pixels, _border_depth(pixels) + deeper)


def _flat_at(border: np.ndarray, level: float) -> bool:
    """Whether the `border` lies exactly at `level` along FLAT_GROUND of it at least: a ground drawn or
    scanned flat does, at the image's darkest or lightest level; a photo's grain leaves its extreme
    levels to a few pixels (unless the photo is overexposed, its paper white)."""
    return bool((border == level).mean() >= FLAT_GROUND)


def has_flat_ground(gray: Image.Image) -> bool:
    """Whether the image's ground is drawn or scanned flat, at its darkest or lightest level (an 8x8
    scan, a pad's export, an icon), rather than photographed: a photo's paper has grain. An
    overexposed photo's paper lies flat at white too, where the light clipped it, but shows its
    grain beside the clipped patches (`_grainy_at`): taken for a drawing, a close crop of squared
    paper photographed so was not searched for the page's lines, and they were read with the digit."""
    pixels = np.asarray(gray)
    border = _border(pixels)
    return any(_flat_at(border, level) and not _grainy_at(pixels, level) for level in (pixels.min(), pixels.max()))


def _grainy_at(pixels: np.ndarray, level: int) -> bool:
    """Whether the ground near `level` along the image's border (`_border`'s band; pixels with no
    pixel further than MIN_CONTRAST from it within JPEG_REACH, so neither a stroke's soft edge nor
    the ringing a JPEG leaves in a block a stroke crosses) is off it in more than GRAINY_GROUND of
    its pixels: a photo's clipped paper, where a drawing's ground lies at it. Looked at within 1
    pixel only, a 32-pixel pad drawing sent as a JPEG passed for a photo (its strokes reach its
    edges), was searched for a page's lines, and lost strokes it runs from edge to edge."""
    band = _border_depth(pixels)
    near = []
    for strip in _border_strips(pixels, deeper=JPEG_REACH):
        off = np.abs(strip.astype(np.int16) - int(level)) > MIN_CONTRAST
        calm = ~ndimage.maximum_filter(off, size=2 * JPEG_REACH + 1)[:band]
        near.append(strip[:band][calm])
    ground = np.concatenate(near)
    return bool(ground.size and (ground != level).mean() > GRAINY_GROUND)


def tile_levels(pixels: np.ndarray, tiles: int = 16, percentile: float = 10) -> np.ndarray:
    """The paper's level in each tile of a `tiles` x `tiles` grid: by default its 10th percentile,
    since ink is bright here (white on black) and covers less of a tile than that, unless a marker
    fills it."""
    height, width = pixels.shape
    rows, columns = min(tiles, height), min(tiles, width)
    cell_h, cell_w = height // rows, width // columns
    blocks = pixels[: rows * cell_h, : columns * cell_w].reshape(rows, cell_h, columns, cell_w)
    return np.percentile(blocks, percentile, axis=(1, 3)).astype(np.float64)


def paper_surface(shape: tuple[int, ...], levels: np.ndarray) -> np.ndarray:
    """The paper's brightness under the ink, as a smooth (quadratic) surface over an image of
    `shape`, from the paper's level in each of its tiles (`tile_levels`).

    Lighting varies slowly across a page, so a quadratic surface fits it. It is fitted to the
    darker half of those levels (paper, since a digit covers less than half the page), then
    refitted to every tile within the paper's spread of it, leaving out the tiles covered in ink.
    A stroke of any width, up to a marker filling the frame, is never taken for paper, as it is by
    a grey opening narrower than the stroke."""
    height, width = shape
    rows, columns = levels.shape
    levels = levels.ravel()

    def design(y: np.ndarray, x: np.ndarray) -> np.ndarray:
        return np.stack([np.ones_like(x), x, y, x * x, x * y, y * y], axis=-1)

    centre_y, centre_x = np.meshgrid(
        (np.arange(rows) + 0.5) / rows, (np.arange(columns) + 0.5) / columns, indexing="ij"
    )
    terms = design(centre_y.ravel(), centre_x.ravel())
    paper = levels <= np.median(levels)  # the darker half: paper, whatever the ink covers
    for _ in range(4):
        coefficients = np.linalg.lstsq(terms[paper], levels[paper], rcond=None)[0]
        residual = levels - terms @ coefficients
        spread = 1.4826 * float(np.median(np.abs(residual[paper])))
        paper = residual <= 3 * spread + 2.0
    full_y, full_x = np.meshgrid(np.arange(height) / height, np.arange(width) / width, indexing="ij")
    return (design(full_y, full_x) @ coefficients).astype(np.float32)


def grain(pixels: np.ndarray) -> float:
    """The standard deviation of the image's pixel noise (grain, JPEG noise), robustly, from how
    far pixels stand from their 3x3 neighbourhood's mean; strokes' edges are too few to count."""
    detail = pixels - ndimage.uniform_filter(pixels, size=3)
    return 1.4826 * 1.06 * float(np.median(np.abs(detail - np.median(detail))))


def shadow_edge(levels: np.ndarray, surface: np.ndarray, pixels: np.ndarray) -> bool:
    """Whether a shadow's edge crosses the page (a hand's, a phone's): the smooth surface misses the
    paper's level (`tile_levels`) by more than UNEVEN_PAPER along more than SHADOW_BORDER of the
    border's tiles. A digit is usually written inside the frame, so the border's tiles are paper;
    lighting does not step. But a small scan's digit fills its frame, and a tile its stroke covers
    stands off the surface too: a tile within SHADOW_DEPTH of the way up to the ink's level (the
    brightest tile's 90th percentile) is shaded paper, one above it is ink (a shadow dims the paper,
    not as dark as the ink on it). The ink's level is only measured where the border misses."""
    fitted = _at_tiles(surface, levels.shape)
    off = levels - fitted

    def along_border(missed: np.ndarray) -> bool:
        return bool(np.concatenate([missed[0], missed[-1], missed[1:-1, 0], missed[1:-1, -1]]).mean() > SHADOW_BORDER)

    missed = np.abs(off) > UNEVEN_PAPER
    if not along_border(missed):  # most images: paper all round
        return False
    ink = float(tile_levels(pixels, percentile=90).max())
    return along_border(missed & (off < SHADOW_DEPTH * (ink - fitted)))


def _at_tiles(surface: np.ndarray, tiles: tuple[int, ...]) -> np.ndarray:
    """The surface at the centre of each of the `tiles` (rows, columns) that `tile_levels` measured."""
    rows, columns = tiles
    cell_h, cell_w = surface.shape[0] // rows, surface.shape[1] // columns
    return surface[cell_h // 2 :: cell_h, cell_w // 2 :: cell_w][:rows, :columns]


def lit_unevenly(levels: np.ndarray, surface: np.ndarray) -> bool:
    """Whether the paper's `surface` is lighting: it varies by more than UNEVEN_PAPER, and passes
    within UNEVEN_PAPER / 2 of most tiles' levels, as a ramp of light across a page does. Where
    strokes cover most tiles (a small scan the digit fills, a marker's thick strokes) the fit is
    pulled up by the ink and misses the tiles by tens of grey levels: that surface is the digit."""
    if np.ptp(surface) <= UNEVEN_PAPER:
        return False
    return float(np.median(np.abs(levels - _at_tiles(surface, levels.shape)))) <= UNEVEN_PAPER / 2


def paper_under_shadow(pixels: np.ndarray) -> np.ndarray:
    """The paper's level on a page crossed by a shadow's edge, lit and shaded, or by a lamp's glare,
    by a grey opening by reconstruction: an erosion by a square SHADOW_SIZE of the short side wide
    keeps only regions of paper wider than any stroke, each at its own level, and a flood (dilation
    under the image, a bounded number of steps) spreads each level back over its region, up to the
    shadow's edge, and over the strokes inside it. The flood runs under the image with its strokes
    opened away (STROKE_SIZE): along a stroke it would carry the shaded paper's level into a glare,
    where the ink under it is lighter than that. Paper is smooth, so this is done at half the
    working size."""
    height, width = pixels.shape
    smooth = ndimage.gaussian_filter(pixels, sigma=1.5)[::2, ::2]
    size = max(3, round(SHADOW_SIZE * min(smooth.shape)))
    paper = ndimage.grey_erosion(smooth, size=(size, size))
    thin = max(3, round(STROKE_SIZE * min(smooth.shape)))
    under = ndimage.grey_opening(smooth, size=(thin, thin))  # strokes gone: the flood cannot run along one
    for _ in range(sum(smooth.shape) // 2):  # the flood advances 2 pixels a step
        flooded = np.minimum(ndimage.grey_dilation(paper, size=(5, 5)), under)
        if np.array_equal(flooded, paper):
            break
        paper = flooded
    return np.asarray(Image.fromarray(paper).resize((width, height), Image.Resampling.BILINEAR))


def remove_background(
    pixels: np.ndarray, flat_ground: bool = False, small_drawing: bool = False
) -> tuple[np.ndarray, float]:
    """Ink intensity above the paper, and the noise left in it: the paper's level is subtracted,
    its lighting too where the image shows uneven paper, each side of a shadow's edge at its own
    level where one crosses the page, and a light blur takes out JPEG noise and grain (a Gaussian
    of sigma 1 keeps 0.28 of independent pixel noise). Under a shadow the ink is as much fainter as
    the paper is darker, so there the ink, and the grain with it, are divided by the paper's light:
    both halves of a digit across the edge come out alike. A glare adds light rather than scaling it,
    and leaves the ink's contrast as it is: light above the brightest paper along the border is
    taken for a glare, and divided as that paper is. A `small_drawing` or scan (enlarged to the
    working size) is not searched for a shadow: there a stroke is as wide as the tiles the paper is
    measured in, and the greys of its partly covered pixels look like shaded paper where the digit
    fills the frame. A small photo is searched, told from a drawing by its grainy paper
    (`has_flat_ground`): taken for one, a small photo crossed by a shadow's edge or lit by a lamp's
    glare kept the shade or the glare as ink (found by a probe of photos reduced to 40-95 pixels).
    Where the ground is flat (`has_flat_ground`: drawn, scanned, or paper photographed white) and
    the paper's surface does not fit as lighting does (`lit_unevenly`), the digit fills the frame:
    its strokes cover most tiles and lifted the fit, which taken for lighting hollowed a fat 8 of
    an 8x8 scan, and whose misses along the border passed for a shadow's edge in the same bitmap
    enlarged. There the paper is flat at the ground's level, and a real shadow still stands off it."""
    levels = tile_levels(pixels)
    surface = paper_surface(pixels.shape, levels)
    if flat_ground and not lit_unevenly(levels, surface):  # a drawn ground is paper, flat or lifted by strokes
        surface = np.full_like(surface, levels.min())
    if not small_drawing and shadow_edge(levels, surface, pixels):
        paper = paper_under_shadow(pixels)
        # Ink's contrast, and the grain's, scale with the light; but light over the page's brightest
        # paper along its border is a glare, which adds light where a shadow takes it away.
        light = np.minimum(255 - paper, np.percentile(255 - _border(paper), BRIGHTEST_PAPER))
        gain = 255 / np.maximum(light, 64)
        above, pixels = (pixels - paper) * gain, pixels * gain
    else:
        above = pixels - (surface if np.ptp(surface) > UNEVEN_PAPER else np.median(surface))
    ink = ndimage.gaussian_filter(np.clip(above, 0, None), sigma=1.0)
    return ink, 0.28 * grain(pixels)


def otsu_threshold(values: np.ndarray) -> float:
    """The level that best separates ink from background (Otsu, 1979), over 256 bins."""
    histogram, edges = np.histogram(values, bins=256)
    centres = (edges[:-1] + edges[1:]) / 2
    below = np.cumsum(histogram)
    above = below[-1] - below
    sum_below = np.cumsum(histogram * centres)
    mean_below = sum_below / np.maximum(below, 1)
    mean_above = (sum_below[-1] - sum_below) / np.maximum(above, 1)
    between = below * above * (mean_below - mean_above) ** 2
    return float(centres[np.argmax(between)])


def _clear_border_lines(mask: np.ndarray) -> np.ndarray:
    """Erase rows and columns near the border that are mostly ink: a ruled line or the edge of the
    paper, even where it touches the digit and would otherwise join it into one piece. Such a line
    is thin (at most RULED_WIDTH) and runs out of the frame at both ends; a digit that fills its
    frame, as a small scan's does, has its bar along the edge, thicker or ending inside."""
    mask = mask.copy()
    for grid in (mask, mask.T):  # rows, then columns (views)
        length = grid.shape[0]
        band = max(1, round(length * BORDER_BAND))
        covered = grid.mean(axis=1) >= LINE_COVERAGE
        covered[band : length - band] = False
        runs, _ = ndimage.label(covered)
        for (run,) in ndimage.find_objects(runs):
            if run.stop - run.start <= RULED_WIDTH and grid[run, 0].any() and grid[run, -1].any():
                grid[run] = False
    return mask


def trace_lines(grid: np.ndarray) -> list[np.ndarray]:
    """The row at each column of the paths across `grid` from its left edge to its right that
    collect the most ink, each stepping at most a row per column, and each step costing
    RULED_STEP_COST (so a path runs straight unless the ink leans or bends). Dynamic programming,
    one column at a time; a path is traced back from each peak of the collected ink at the right
    edge that could still reach RULED_COVERAGE."""
    height, width = grid.shape
    ink = grid.astype(np.float32)
    collected, came_from = ink[:, 0].copy(), np.zeros((height, width), dtype=np.int8)
    for column in range(1, width):
        from_above = np.r_[-np.inf, collected[:-1]] - RULED_STEP_COST
        from_below = np.r_[collected[1:], -np.inf] - RULED_STEP_COST
        best = np.maximum(collected, np.maximum(from_above, from_below))
        came_from[:, column] = np.where(best == collected, 0, np.where(best == from_above, -1, 1))
        collected = best + ink[:, column]
    around = ndimage.maximum_filter1d(collected, 2 * RULED_WIDTH + 1)
    enough = (RULED_COVERAGE - 0.15) * width  # a leaning or bent line's steps cost some of what it collects
    peaks, _ = ndimage.label((collected >= around) & (collected >= enough))
    paths = []
    for (plateau,) in ndimage.find_objects(peaks):
        row, path = (plateau.start + plateau.stop - 1) // 2, np.empty(width, dtype=np.int64)
        for column in range(width - 1, -1, -1):
            path[column] = row
            row += int(came_from[row, column])
        paths.append(path)
    return paths


def ruled_lines(ink_mask: np.ndarray, drawn: bool = False, widest: float = RULED_WIDTH) -> np.ndarray:
    """The pixels of all of `each_ruled_line`."""
    level, upright = each_ruled_line(ink_mask, drawn, widest)
    return _union(level + upright, ink_mask)


def _union(pieces: list[np.ndarray], like: np.ndarray) -> np.ndarray:
    """The pixels of any of `pieces`: none, where there are none, in a mask shaped `like`."""
    return np.logical_or.reduce([np.zeros_like(like, dtype=bool), *pieces])


def each_ruled_line(
    ink_mask: np.ndarray, drawn: bool = False, widest: float = RULED_WIDTH
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The lines that run across the whole image, level or upright (each its pixels), straight, leaning
    or bent: a ruled or squared page's lines, photographed askew or curving over a notebook's
    spine, which cross the digit where one near the border does not. Each is traced as a path of
    ink (`trace_lines`) and is a line where it is inked across RULED_COVERAGE of the image (a faint
    line has gaps) and at both of its edges (a digit's stroke stays inside the frame, a ruling runs
    out of it), at most `widest` thick along RULED_CLEAR of the image, with paper beside it
    (grain has ink everywhere). Where a stroke crosses the line or runs along it, the ink is
    thicker than the line's own: those pixels are the stroke's. (Measured along the whole line, a
    squared page's line down a 7's stem or a 3's back was too thick, and stayed through the digit.)
    In an image `drawn` by software (no grain), a ruling is level or upright exactly, as a
    template's is, while a digit drawn on a pad that it fills runs its strokes from edge to edge,
    leaning and curved: only a photo's lines lean and bend."""
    found: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
    for upright in (False, True):  # rows, then columns
        grid = ink_mask.T if upright else ink_mask
        height, width = grid.shape
        if grid.any(axis=0).mean() < RULED_COVERAGE:  # no line crosses: most images, found at once
            continue
        columns, reach = np.arange(width), round(widest) + 2
        offsets = np.arange(-reach, reach + 1)[:, None]
        for path in trace_lines(grid):
            on, ends = grid[path, columns], max(2, width // 50)
            if on.mean() < RULED_COVERAGE or not (on[:ends].any() and on[-ends:].any()):
                continue
            if drawn and np.ptp(path) > DRAWN_RULING_STEPS:
                continue
            rows = path + offsets  # a window across the line at each column
            window = grid[np.clip(rows, 0, height - 1), columns] & (rows >= 0) & (rows < height)
            upward, downward = window[reach::-1], window[reach:]  # from the path outwards
            above = np.where(upward.all(axis=0), reach + 1, np.argmin(upward, axis=0))
            below = np.where(downward.all(axis=0), reach + 1, np.argmin(downward, axis=0))
            thickness = above + below - 1  # of the run of ink through the path, in each column
            thin = on & (thickness <= widest)
            if thin.mean() < RULED_CLEAR:
                continue
            typical = float(np.median(thickness[thin]))
            clear = on & (thickness <= typical + 2)  # elsewhere a stroke crosses the line
            beside = [
                grid[np.clip(path + side, 0, height - 1), columns][clear].mean() for side in (-above - 2, below + 2)
            ]
            if max(beside) >= 0.5:
                continue
            line = (offsets > -above) & (offsets < below) & clear
            marks = np.zeros_like(grid)
            marks[rows[line], np.broadcast_to(columns, line.shape)[line]] = True
            found[upright].append((marks.T if upright else marks) & ink_mask)
    return found


def ruled_width(long_side: int) -> float:
    """How thick a page's line may be at the working size, in an image `long_side` pixels long as
    sent: RULED_WIDTH, or in a small crop enlarged to the working size, a line RULED_SENT pixels
    wide as sent, enlarged, with the two pixels each side that the enlargement's, the blur's and a
    JPEG's soft edges add (a 2-pixel grid line of a 40-pixel crop is 10-12 pixels wide there); but
    at most twice RULED_WIDTH: under 32 pixels, a crop holds a digit's bitmap, not a page, and a
    2-pixel stroke of the digit is as wide."""
    return max(RULED_WIDTH, min(2 * RULED_WIDTH, RULED_SENT * MIN_WORK_SIZE / long_side + 4))


def _long_runs(grid: np.ndarray, length: int) -> np.ndarray:
    """The pixels of `grid` in level runs at least `length` long: a binary opening by a level line,
    from the runs' starts and ends (a tenth of the opening's cost)."""
    width = grid.shape[1]
    found = np.zeros_like(grid)
    full = np.nonzero(np.count_nonzero(grid, axis=1) >= length)[0]  # only these rows can hold one
    steps = np.diff(np.pad(grid[full], ((0, 0), (1, 1))).astype(np.int8), axis=1)
    (rows, starts), (_, stops) = np.nonzero(steps == 1), np.nonzero(steps == -1)
    long = stops - starts >= length
    edges = np.zeros((full.size, width + 1), dtype=np.int8)
    edges[rows[long], starts[long]] = 1  # a run's stop is never another's start: a gap parts them
    edges[rows[long], stops[long]] = -1
    found[full] = np.cumsum(edges, axis=1)[:, :width] > 0
    return found


def _straight_runs(mask: np.ndarray, length: int) -> list[tuple[np.ndarray, tuple[slice, slice]]]:
    """The level runs of ink at least `length` long and at most RULED_WIDTH thick, each as its
    pixels and its bounding box. A run may step a row every few dozen pixels (a page photographed
    a few degrees askew): the ink is grown two rows up and down before the runs are measured.
    A run has paper either side of it (the inside of a thick stroke does not). Where a stroke
    crosses a run, the ink is thicker than the run's own: those pixels are the stroke's."""
    height = mask.shape[0]
    long = _long_runs(ndimage.maximum_filter1d(mask, 5, axis=0), length)
    if not long.any():  # most images: no line as long
        return []
    runs, _ = ndimage.label(long)
    found = []
    for label, box in enumerate(ndimage.find_objects(runs), start=1):
        pixels = (runs[box] == label) & mask[box]
        thickness = pixels.sum(axis=0)
        if not thickness.any():
            continue
        typical = float(np.median(thickness[thickness > 0]))
        pixels &= thickness <= typical + 2
        columns = np.nonzero(pixels.any(axis=0))[0]
        if typical > RULED_WIDTH or not columns.size:
            continue
        first = box[0].start + pixels[:, columns].argmax(axis=0)
        last = box[0].stop - 1 - pixels[::-1, columns].argmax(axis=0)
        beside = [  # beyond the image's edge counts as paper: a side may run along it
            (mask[np.clip(row, 0, height - 1), box[1].start + columns] & (row >= 0) & (row < height)).mean()
            for row in (first - 3, last + 3)
        ]
        if max(beside) < 0.5:  # paper either side: a line, not the inside of a thick stroke
            found.append((pixels, box))
    return found


def box_sides(mask: np.ndarray) -> np.ndarray:
    """The pixels of a form's box drawn around the digit: thin straight sides, level and upright,
    at least BOX_SIDE of the image long, each meeting another at a corner. The box spans from side
    to side, or along the sides that show where the others are cut off or missing; the rest of the
    ink must lie in it (BOX_INSIDE of it) and fill BOX_FILL of its height, as a digit does. A
    digit's own straight strokes (a 7's bar and stem, a 5's) do not hold the rest of the digit."""
    height, width = mask.shape
    level = _straight_runs(mask, round(BOX_SIDE * width))
    if not level:
        return np.zeros_like(mask)
    upright = [(pixels.T, box[::-1]) for pixels, box in _straight_runs(mask.T, round(BOX_SIDE * height))]
    reach = max(3, round(0.03 * max(height, width)))  # how near two sides' ends come at a corner

    def corner(across: tuple[slice, ...], down: tuple[slice, ...]) -> bool:
        """Whether an end of the level side and an end of the upright one meet, within `reach` of
        each other's band (a side askew spans several rows or columns), or one side ends on the
        other where that one crosses the whole image (a comb of boxes in a row or a column)."""
        rows = any(end >= across[0].start - reach and end <= across[0].stop + reach for end in _ends(down[0]))
        columns = any(end >= down[1].start - reach and end <= down[1].stop + reach for end in _ends(across[1]))
        crosses = across[1].start <= reach and across[1].stop >= width - reach
        crossed = down[0].start <= reach and down[0].stop >= height - reach
        return (rows and (columns or crosses)) or (columns and crossed)

    level = [(p, b) for p, b in level if any(corner(b, d) for _, d in upright)]
    upright = [(p, b) for p, b in upright if any(corner(a, b) for _, a in level)]
    if not level:
        return np.zeros_like(mask)
    found = np.zeros_like(mask)
    for pixels, box in level + upright:
        found[box] |= pixels
    rows = _span([b[0] for _, b in level], [b[0] for _, b in upright])
    columns = _span([b[1] for _, b in upright], [b[1] for _, b in level])
    found = ndimage.binary_dilation(found, structure=EIGHT_NEIGHBOURS, iterations=2) & mask  # its soft edges
    rest = mask & ~found
    if not rest.any():
        return np.zeros_like(mask)
    ink_rows = np.nonzero(rest.any(axis=1))[0]
    inside = rest[rows, columns].sum() >= BOX_INSIDE * rest.sum()
    fills = ink_rows[-1] - ink_rows[0] + 1 >= BOX_FILL * (rows.stop - rows.start)
    return found if inside and fills else np.zeros_like(mask)


def _ends(side: slice) -> tuple[int, int]:
    return side.start, side.stop - 1


def _span(across: list[slice], along: list[slice]) -> slice:
    """The box's span on one axis: between the first and last of the sides `across` it where two
    show, else the extent of the sides that run `along` it."""
    if len(across) >= 2:
        return slice(min(side.start for side in across), max(side.stop for side in across))
    return slice(min(side.start for side in along), max(side.stop for side in along))


def _is_edge_line(box: tuple[slice, slice], shape: tuple[int, ...]) -> bool:
    """A long thin piece lying along the border and running out of the frame: a short ruled line, a
    fold, a shadow's edge. A digit is written inside the frame, so a thin piece near the border that
    stays inside it is a stroke: a 2's base or a 7's bar that a skipping pen left detached."""
    height, width = box[0].stop - box[0].start, box[1].stop - box[1].start
    if width >= 5 * height:
        centre, length = (box[0].start + box[0].stop) / 2, shape[0]
    elif height >= 5 * width:
        centre, length = (box[1].start + box[1].stop) / 2, shape[1]
    else:
        return False
    leaves_frame = any(side.start <= 1 or side.stop >= size - 1 for side, size in zip(box, shape, strict=True))
    return leaves_frame and min(centre, length - centre) < length * BORDER_BAND


def strokes_cut_by_the_crop(
    level: list[np.ndarray], upright: list[np.ndarray], digit: np.ndarray, ink: np.ndarray
) -> list[np.ndarray]:
    """Of the lines found running across the image (`each_ruled_line`), those that are the digit's
    own strokes: a digit cropped to its ink's bounds runs a 7's bar, a 5's top or a 4's stem out
    of the frame, as a page's line does. They are drawn with the digit's pen, as thick as its
    strokes and as dark (a line is found down to faint ink, so it measures wider than the digit's
    pen from Otsu's level: STROKE_THICKNESS of it), where a page's printed lines are thinner and
    lighter than ink. Measured on the lines found in 600 tight crops (the cropped-tight set and a
    copy) and in 5,600 photos of ruled, squared, boxed and coloured pages (the report's sets on two
    digit ranges and copies): the crops' 0.98 and 1.52 times the pen (5th percentile, median) and
    0.68 and 0.86 as dark as the digit's ink; the pages' 0.21 and 0.64 times (median, 95th
    percentile) and 0.41 and 0.69 as dark. A squared page's lines run both ways and repeat one way
    at least; on a small crop, enlarged, they can be as thick and dark as a fine pen's, so there
    none is taken for a stroke."""
    if level and upright and max(len(level), len(upright)) >= 2:
        return []
    pen, darkest = pen_width(digit), float(np.median(ink[digit]))
    strokes = []
    for line in level + upright:
        rows, columns = np.nonzero(line)
        thickness = rows.size / (max(np.ptp(rows), np.ptp(columns)) + 1)
        if thickness >= STROKE_THICKNESS * pen and np.median(ink[line]) >= STROKE_DARKNESS * darkest:
            strokes.append(line)
    return strokes


def _is_a_one(box: tuple[slice, slice], shape: tuple[int, ...]) -> bool:
    """An upright stroke that does not run the image's whole height (as a paper's edge does)."""
    height, width = box[0].stop - box[0].start, box[1].stop - box[1].start
    return height >= 5 * width and height < 0.9 * shape[0]


def stands_out(ink: np.ndarray, otsu_level: float, noise: float) -> bool:
    """Whether anything stands out from the paper: the pixels above Otsu's level must be brighter on
    average than those below by MIN_CONTRAST and by NOISE_MARGIN times the pixel noise. Blank
    paper fails the first; noise fails the second, since Otsu splits it into two halves only a
    standard deviation or two apart, where a digit's ink stands dozens of them above its paper."""
    above = ink > otsu_level
    if above.all() or not above.any():
        return False
    return float(ink[above].mean() - ink[~above].mean()) >= max(MIN_CONTRAST, NOISE_MARGIN * noise)


def digit_mask(ink: np.ndarray, otsu_level: float, lines: np.ndarray, page: bool = True) -> np.ndarray:
    """The pixels of the digit: ink above Otsu's level, off the page's `lines`, in the pieces big
    enough to be strokes and, on a `page`, not lying along the border."""
    threshold = max(otsu_level, ink.max() * 0.2)
    inked = (ink > threshold) & ~lines
    labels, count = ndimage.label(_clear_border_lines(inked) if page else inked, structure=EIGHT_NEIGHBOURS)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    boxes = ndimage.find_objects(labels)
    candidates = [label for label, box in enumerate(boxes, start=1) if not (page and _is_edge_line(box, ink.shape))]
    if not candidates:  # only thin pieces along the border: an upright one short of the paper's edge is a 1
        candidates = [label for label, box in enumerate(boxes, start=1) if _is_a_one(box, ink.shape)]
    if not candidates:
        raise _no_digit()
    largest = max(sizes[label] for label in candidates)
    keep = [label for label in candidates if sizes[label] >= KEEP_FRACTION * largest]
    return np.isin(labels, keep)


def crop_to_digit(ink: np.ndarray, mask: np.ndarray, otsu_level: float, lines: np.ndarray) -> np.ndarray:
    """The digit's bounding box, everything outside its strokes zeroed, contrast stretched to 0-255
    so that stroke cores saturate like MNIST's pen. The strokes are the mask grown by the ink that
    joins it down to the stretch's floor (hysteresis): where a thin pen thins out or a scan fades,
    the stroke dips under Otsu's level, and cutting it there opens a 0 into a 6 or takes a 7's bar.
    The page's `lines` are left out, or the hysteresis would follow them out of the digit (where
    one crosses a stroke, `ruled_lines` has left the stroke its pixels)."""
    rows, columns = np.nonzero(mask)
    box = (slice(rows.min(), rows.max() + 1), slice(columns.min(), columns.max() + 1))
    floor, core = otsu_level * FLOOR_SHARE, np.percentile(ink[mask], 90)
    faint, _ = ndimage.label((ink > floor) & ~lines, structure=EIGHT_NEIGHBOURS)
    joined = np.isin(faint, np.unique(faint[mask]))
    strokes = ndimage.binary_dilation(joined, structure=EIGHT_NEIGHBOURS, iterations=2)[box]
    crop = ink[box] * strokes
    return np.clip((crop - floor) / max(core - floor, 1e-6), 0, 1) * 255


def pen_width(mask: np.ndarray) -> float:
    """The strokes' width in pixels: along their centre lines (the ridges of the distance to the
    paper), twice the distance to the paper, less the centre pixel itself. Measured within the
    strokes' bounding box, with a margin of paper around it."""
    rows, columns = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    mask = np.pad(mask[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1], 1)
    distance = ndimage.distance_transform_edt(mask)
    ridge = mask & (distance >= ndimage.maximum_filter(distance, size=3))
    return max(1.0, 2 * float(np.median(distance[ridge])) - 1)


def _disk(radius: float) -> np.ndarray:
    reach = int(np.ceil(radius))
    return np.hypot(*np.mgrid[-reach : reach + 1, -reach : reach + 1]) <= radius


def match_pen(digit: np.ndarray, width: float) -> np.ndarray:
    """Bring a pen outside MNIST's range to its edge, as the strokes will be in the 20x20 box: a
    hairline of a large drawing would average away to a faint trace, a marker would blot the loops
    shut. Grey dilation or erosion with a disk, on the cropped digit."""
    scale = DIGIT_BOX / max(digit.shape)
    low, high = PEN_RANGE
    if width * scale < low:
        radius = (low / scale - width) / 2
        reach = int(np.ceil(radius))
        return ndimage.grey_dilation(np.pad(digit, reach), footprint=_disk(radius))
    if width * scale > high:
        radius = (width - high / scale) / 2
        eroded = ndimage.grey_erosion(digit, footprint=_disk(radius))
        if eroded.max() > 0:
            return eroded
    return digit


def fit_and_centre(digit: np.ndarray) -> np.ndarray:
    """Fit into 20x20 keeping the aspect ratio, then place the centre of mass at MNIST's (14, 14)."""
    height, width = digit.shape
    scale = DIGIT_BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = np.asarray(Image.fromarray(digit.astype(np.uint8)).resize(size, Image.Resampling.LANCZOS))
    centre_y, centre_x = ndimage.center_of_mass(small.astype(np.float32))
    if np.isnan(centre_y):  # the resize averaged a hair-thin digit away
        raise _no_digit()
    top = int(np.clip(round(MNIST_SIZE / 2 - centre_y), 0, MNIST_SIZE - size[1]))
    left = int(np.clip(round(MNIST_SIZE / 2 - centre_x), 0, MNIST_SIZE - size[0]))
    canvas = np.zeros((MNIST_SIZE, MNIST_SIZE), dtype=np.uint8)
    canvas[top : top + size[1], left : left + size[0]] = small
    return canvas


def frame(pixels: np.ndarray) -> np.ndarray:
    """The pixels of a box's lines along the image's edges: a form's cell cropped on or around its box,
    askew or not, cut off on some sides or moved past a grid's line onto the next cell (what lies
    beyond the line goes with it, and the next box's own line beside it), or a line under the digit,
    as a form reader or a scanner's crop stores a written digit. Such a line lies in the border band
    that `white_on_black` reads the ground from, and taken for the ground it turned the cell over,
    paper for ink (about one in five such cells read right); and a small scan is not searched for a
    page's boxes (`box_sides`), so the box stayed in the digit. Each side of Otsu's split, dark
    lines on light paper and light on dark, is searched for a line along each side (`_line_along`)
    that stands off the paper (the other side's median) by FRAME_CONTRAST of the image's contrast (a
    photo's shade along its edges does not) and that turns a corner onto an adjacent side, as thick
    and clean along FRAME_TOUCHED of both (a box, which the digit may touch), or lies clear of the
    digit, clean along FRAME_SPAN (an underline), or closes a box between two sides clean along
    FRAME_SPAN and as thick, where a fat digit runs along it or a neighbour's digit written across
    it hides it (`_hidden_line`). Beyond the frame, the crop's other edges show paper: where they
    are of the frame's level, that level is the ground, cut into strips by a digit whose strokes
    run along the edges. Where both polarities frame a side, one keeps it (`_rank`). A squared
    page's lines are no frame (`_squared_page`). On MNIST test digits 1000-1399 stored as bitmaps
    they fill (square or stretched, 32 or 288 pixels), as pad drawings (1000-1199, 2000-2199 and
    4000-4199) and cells with no box, no frame was found."""
    found = np.zeros(pixels.shape, dtype=bool)
    if min(pixels.shape) < MIN_FRAMED or max(pixels.shape) > MAX_FRAMED:
        return found
    deepest = max(3, round(FRAME_DEPTH * min(pixels.shape)))
    contrast = FRAME_CONTRAST * float(np.subtract(*np.percentile(pixels, [99, 1])))
    level = otsu_threshold(pixels)
    frames = []
    for marked in (pixels < level, pixels > level):
        if marked.all() or not marked.any():  # a flat image: nothing stands off anything
            continue
        pieces, _ = ndimage.label(marked, structure=EIGHT_NEIGHBOURS)
        framed = _framed_sides(pixels, pieces, deepest, contrast)
        if framed and _open_edges_clear(pieces, framed, deepest):
            frames.append((framed, pieces))
    if frames and _squared_page(pixels, level, [framed for framed, _ in frames], deepest):
        return found
    # A side framed in both polarities keeps one polarity's line. Inside a dark box's line, the strip
    # of paper between it and a fat digit passed for a light line on two sides (half or twice as
    # thick as the one across it), and painted with the digit's level it joined the digit to the
    # box: a frame on three or four sides, a box, goes before one on fewer. A crop around a box
    # leaves a band of paper outside its line, a frame of the other polarity along the image's very
    # edge, on as many sides or more (light lines on dark paper, searched after the dark band, were
    # kept and read as the digit): of two boxes, the one with fewer lines at the edge goes first.
    frames.sort(key=lambda found_in: _rank(found_in[0]))
    framed_sides: set[int] = set()
    found_along = _strips(found, 2 * deepest)  # views into found
    for framed, pieces in frames:
        added = {side: line for side, line in framed.items() if side not in framed_sides}
        # Judged on the sides it adds alone: the band of paper around a box the crop cut off on one
        # side frames all four, but on the open side alone, the rest of its edges are its own paper.
        if added and _open_edges_clear(pieces, added, deepest):
            for side, line in added.items():
                found_along[side][...] |= line
            framed_sides |= added.keys()
    return ndimage.binary_dilation(found, structure=EIGHT_NEIGHBOURS) if found.any() else found  # soft edges


def _squared_page(pixels: np.ndarray, level: float, frames: list[dict[int, np.ndarray]], deepest: int) -> bool:
    """Whether the `frames`' lines are a squared page's: on either side of Otsu's `level`, more of its
    lines (`ruled_lines`: each across the whole image, thin, with paper beside it) cross the image's
    middle, beyond the strips `2 * deepest` deep that a frame's lines lie in, both ways, no thicker
    than the frame's (give or take a pixel), as one printer draws them all. A close crop of a digit
    on squared paper has its grid's lines near its edges, turning corners as a box's do; painted
    out as a frame with what lies beyond them, they cut off the ends of the lines inside, which
    then no longer ran out of the frame and were read with the digit. Left to the search for a
    page's lines, all of them are taken out. A box has none inside it, but a digit's straight
    strokes touching it at both ends may pass for them (a fat 4's bar and stem): those are thicker."""
    middle = (slice(2 * deepest, -2 * deepest),) * 2
    for marked in (pixels < level, pixels > level):
        crossed = marked[middle]  # lines both ways cross every row and column of the middle: few digits do
        if marked.mean() > 0.5 or not (crossed.any(axis=0).all() and crossed.any(axis=1).all()):
            continue  # the ground, or no lines: most cells, found at once
        lines = ruled_lines(marked)
        # Along most of the image where they cross the middle, though a digit's strokes keep the
        # pixels where they cross a line; a box's lines cross it only as thick as they are.
        across, down = lines[middle[0]], lines[:, middle[1]].T
        if across.any(axis=0).mean() >= 0.5 and down.any(axis=0).mean() >= 0.5:
            pen = max(_run_thickness(line) for framed in frames for line in framed.values())
            return max(_run_thickness(across), _run_thickness(down)) <= pen + 1
    return False


def _run_thickness(grid: np.ndarray) -> float:
    """The median thickness, down each column of `grid`, of its runs of True (0 where none)."""
    starts = _run_starts(grid).sum(axis=0)
    return float(np.median(grid.sum(axis=0)[starts > 0] / starts[starts > 0])) if starts.any() else 0.0


def _run_starts(grid: np.ndarray) -> np.ndarray:
    """Where each run of True down the columns of `grid` starts."""
    return grid & ~np.vstack([np.zeros_like(grid[:1]), grid[:-1]])


def _rank(framed: dict[int, np.ndarray]) -> tuple[int, int, int]:
    """The key that orders the two polarities' frames (see `frame`), the first keeping a side both
    frame: three or four sides (a box) before fewer, then fewer lines at the image's very edge, then
    more sides."""
    at_edge = sum(_at_edge(line) for line in framed.values())
    return -min(len(framed), 3), at_edge, -len(framed)


def _at_edge(line: np.ndarray) -> bool:
    """Whether a line (its pixels in a side's strip, row 0 at the edge) lies along the image's very
    edge, along FRAME_TOUCHED of it: a crop's band of paper outside a box, or a box's line cut
    lengthwise."""
    return bool(line[0].mean() >= FRAME_TOUCHED)


def _strips(grid: np.ndarray, deepest: int) -> tuple[np.ndarray, ...]:
    """The bands `deepest` deep along the top, bottom, left and right, each from its edge inward (views)."""
    return grid[:deepest], grid[::-1][:deepest], grid.T[:deepest], grid.T[::-1][:deepest]


def _open_edges_clear(pieces: np.ndarray, framed: dict[int, np.ndarray], deepest: int) -> bool:
    """Whether the edges with no frame's line along them show paper (see `frame`): a digit that
    fills its frame cuts the ground into strips along them, at the frame's level. A box framed on
    three sides was cut off on the fourth by the crop, which may have cut through the digit too
    (a fat 5 touching its box ran off that edge, no frame was found, and the cell was read with
    its box): there only the frame's own pieces count."""
    edges = [strip[0] > 0 for strip in _strips(pieces, deepest)]
    if len(framed) == 3:
        framing = np.concatenate(
            [along[framed[side]] for side, along in enumerate(_strips(pieces, 2 * deepest)) if side in framed]
        )
        edges = [np.isin(strip[0], framing) for strip in _strips(pieces, deepest)]
    return all(edge.mean() < 0.5 for side, edge in enumerate(edges) if side not in framed)


def _framed_sides(pixels: np.ndarray, pieces: np.ndarray, deepest: int, contrast: float) -> dict[int, np.ndarray]:
    """The sides (0-3: top, bottom, left, right) along which the marked pixels (labelled in
    `pieces`) run as a frame's line, each with the line's pixels in its strip (see `frame`)."""
    marked = pieces > 0
    strips, pixel_strips = _strips(marked, 2 * deepest), _strips(pixels, 2 * deepest)
    lines = [_line_along(strip, deepest) for strip in strips]
    if all(line is None for line in lines):  # most images: what follows looks at the whole image
        return {}
    paper = float(np.median(pixels[~marked]))
    reaching_in = np.unique(pieces[deepest:-deepest, deepest:-deepest])
    # A line along the image's very edge may be what a crop left of a box's line, cut lengthwise:
    # thinner than the lines across it, it still turns their corners.
    on_edge = [line is not None and _at_edge(line[0]) for line in lines]
    stands_off = [
        line is not None and _stands_off(pixels_along[line[0]], paper, contrast)
        for line, pixels_along in zip(lines, pixel_strips, strict=True)
    ]
    framed = {}
    for side, pieces_along in enumerate(_strips(pieces, 2 * deepest)):
        if (line := lines[side]) is None or not stands_off[side]:
            continue
        pixels_of, thickness, clean = line
        turns = any(
            (other := lines[adjacent]) is not None
            and (
                _drawn_alike(thickness, other[1])
                or (thickness < other[1] and on_edge[side])
                or (other[1] < thickness and on_edge[adjacent])
            )
            and min(clean, other[2]) >= FRAME_TOUCHED
            for adjacent in _adjacent(side)
        )
        if turns or (clean >= FRAME_SPAN and not np.isin(pieces_along[pixels_of], reaching_in).any()):
            framed[side] = pixels_of
    # A box's last side may be clean along less than FRAME_TOUCHED, where a fat digit's bar runs
    # along it (a fat 7's top): taken for a box the crop cut off there, the box was kept and the cell
    # read as a 0. It closes the box where the two sides it meets are framed and clean along
    # FRAME_SPAN, and it is as thick as both, give or take a pixel. (The ground around a 0 that
    # fills its bitmap runs along the edges too, but it widens into each corner, so it is clean
    # along about half of each. The curve of a 6 the crop cut passes for a line wandering by its
    # thickness, 3 px, but is not as thick as the 1 px lines it meets.) Where a stroke merges with
    # the last side along most of it (the next cell's 1 or 0 written across the grid's line into
    # this cell), no line of their thickness is seen there at all, and the box was read as a 0:
    # it closes where the lines it meets end (`_hidden_line`).
    for side, line in enumerate(lines):
        meeting = [other for adjacent in _adjacent(side) if adjacent in framed and (other := lines[adjacent])]
        if side in framed or len(meeting) < 2 or min(other[2] for other in meeting) < FRAME_SPAN:
            continue
        if line is not None and stands_off[side] and all(abs(line[1] - other[1]) <= 1 for other in meeting):
            framed[side] = line[0]
        elif len(framed) == 3 and (hidden := _hidden_line(strips[side], side, meeting)) is not None:
            if _stands_off(pixel_strips[side][hidden], paper, contrast):
                framed[side] = hidden
    return framed


def _stands_off(line_pixels: np.ndarray, paper: float, contrast: float) -> bool:
    """Whether a line's pixels stand off the `paper` by `contrast` (see `frame`)."""
    return abs(float(np.median(line_pixels)) - paper) >= contrast


def _hidden_line(strip: np.ndarray, side: int, meeting: list[tuple[np.ndarray, float, float]]) -> np.ndarray | None:
    """The last side's line of a box (in `side`'s `strip` of marked pixels), found where the two
    `meeting` lines end (their `_line_along`s), as thick as they are, and marked that thick along
    FRAME_SPAN of the side; None where it is not. Its pixels are the band and anything marked
    beyond it, outside the cell. A box cut off on that side shows the digit there, if anything,
    along less of it."""
    ends = []
    for pixels_of, _, _ in meeting:  # a meeting side's strip runs along this side's depth
        along = np.nonzero(pixels_of.any(axis=0))[0]
        ends.append(int(along[0]) if side in (0, 2) else pixels_of.shape[1] - 1 - int(along[-1]))
    thickness = round(float(np.mean([other[1] for other in meeting])))
    start, stop = min(ends), max(ends) + thickness
    if stop > strip.shape[0] or max(ends) - min(ends) > thickness + 1:  # no one line: the box is askew
        return None
    if (strip[start:stop].sum(axis=0) >= max(1, thickness - 1)).mean() < FRAME_SPAN:
        return None
    line = np.zeros_like(strip)
    line[:stop] = strip[:stop]
    return line


def _adjacent(side: int) -> tuple[int, int]:
    """The sides (see `_strips`) that meet `side` at its corners: left and right meet the top and bottom."""
    return (2, 3) if side < 2 else (0, 1)


def _drawn_alike(thickness: float, other: float) -> bool:
    """Whether two lines meeting at a corner are a box's, drawn with one pen: as thick, give or take
    a pixel, or one twice the other where two boxes drawn touching lay their lines side by side (a
    crop past the line between them keeps both, and the cell was read as its box)."""
    thin, thick = sorted((thickness, other))
    return thick - thin <= 1 or abs(thick - 2 * thin) <= 1


def _line_along(strip: np.ndarray, deepest: int, inner: bool = True) -> tuple[np.ndarray, float, float] | None:
    """The line within `deepest` of the edge in a side's `strip` of marked pixels (row 0 at the edge),
    its thickness, and the share of the side along which it is seen clean; or None where no line
    runs along the side. In each line across the side, the run of marked pixels that starts nearest
    the depth where most runs start, among runs that end inside `deepest`, is the line's: the first
    going inward, unless a crop moved past a grid's line takes in a sliver of the next cell's digit
    beyond it (the line's edge looked broken where the sliver lay, and the box was read as the
    digit: the report's form-grid set). The line's outer edge lies on a straight line (level, or
    askew) along FRAME_SPAN of the side, from corner to corner, where a digit's stroke curves (fitted
    by Siegel's repeated medians of the slopes between its runs' starts: where a sliver lies on part
    of the line, its runs start a pixel out there, and a least-squares fit leaned off the rest),
    within a pixel or the line's thickness (a box drawn by hand wanders by about its pen's width
    off the straight: held to a pixel, a side or two were lost, and the cell was read with its box)
    and stepping steadily (`_steady`); it is clean where it ends inside the strip at one thickness
    (give or take a pixel), with paper inside it, and elsewhere a stroke touching it from inside
    runs on (the run is cut at the line's thickness). The ground around a digit that fills its
    frame runs straight along the edge, but reaches the strip's end beside the digit and stops at
    its strokes' curves, at no one depth. The pixels returned are the line's and anything marked
    beyond it, outside the cell; and where the `inner` side of the line shows another, clean and of
    its thickness, with paper between (a crop moved past the gap in a row of separate boxes takes in
    the next box's line, and the cell was read with it: the report's form-row set), that line too,
    where it runs into the lines across the side's ends (`_runs_end_to_end`), searched for the
    whole strip deep."""
    near = strip[:deepest]
    whole, along = np.arange(strip.shape[0])[:, None], np.arange(strip.shape[1])
    depth = whole[:deepest]
    starts = _run_starts(near)
    seen_whole = starts & (np.cumprod(near[::-1], axis=0)[::-1] == 0)  # the run ends inside the band
    usual = int(np.argmax(np.convolve(seen_whole.sum(axis=1), np.ones(3), mode="same")))  # give or take a pixel
    first = np.argmin(np.where(starts, np.abs(depth - usual), deepest), axis=0)  # 0 where none starts
    run_through = np.cumprod(strip | (whole < first), axis=0).astype(bool) & (whole >= first)  # the whole strip deep
    run = run_through[:deepest]
    thickness = run.sum(axis=0)
    ends_inside = (thickness > 0) & (first + thickness < deepest)
    if ends_inside.sum() < 2:
        return None
    typical = float(np.median(thickness[ends_inside]))
    thick_enough = thickness >= max(1.0, typical - 1)
    if not _spans_side(thick_enough, deepest):  # no fit can line up enough: most sides end here, unfitted
        return None
    slope, offset = stats.siegelslopes(first[ends_inside], along[ends_inside])
    lined = thick_enough & (np.abs(first - (slope * along + offset)) <= max(1.0, typical))
    if not _spans_side(lined, deepest) or not _steady(first, lined):
        return None
    clean = float((lined & ends_inside & (np.abs(thickness - typical) <= 1)).mean())
    line = np.zeros_like(strip)
    line[:deepest] = (run & (depth < first + typical + 1)) | (near & (depth < first))
    # Past the line's run followed through the whole strip, and paper: none where a line across the
    # side's end crosses the strip.
    beyond = strip & (whole > first + run_through.sum(axis=0))
    second = _line_along(beyond, strip.shape[0], inner=False) if inner else None
    if second and abs(second[1] - typical) <= 1 and second[2] >= FRAME_TOUCHED and _runs_end_to_end(second[0], strip):
        line |= second[0]  # the next box's line, drawn with the same pen: two boxes side by side
    return line, typical, clean


def _steady(first: np.ndarray, lined: np.ndarray) -> bool:
    """Whether a line's edge (its runs' `first` rows, where `lined`) steps by a pixel at most from
    column to column along LINE_STEADY of it, as a drawn line does, askew or wandering. In grain the
    runs start anywhere: in pure noise, a line let wander by its thickness (two pixels there) was
    found along the sides, and the noise was read as a digit in a box."""
    pairs = lined[1:] & lined[:-1]
    return bool((np.abs(np.diff(first))[pairs] <= 1).mean() >= LINE_STEADY) if pairs.any() else False


def _spans_side(columns: np.ndarray, deepest: int) -> bool:
    """Whether the `columns` across a side (True where a line's run is seen) cover FRAME_SPAN of it and
    reach within `deepest` of both its ends, as a line from corner to corner does."""
    return bool(columns.mean() >= FRAME_SPAN and columns[:deepest].any() and columns[-deepest:].any())


def _runs_end_to_end(line: np.ndarray, strip: np.ndarray) -> bool:
    """Whether the `line` reaches both of the side's ends through the `strip`'s marked pieces: a
    box's line runs into the lines across them at its corners (or is cut off by the crop), where a
    thin 1 written upright near the side, as straight and as thick, ends in paper."""
    pieces, _ = ndimage.label(strip, structure=EIGHT_NEIGHBOURS)
    its = np.setdiff1d(pieces[line], [0])
    return bool(np.isin(pieces[:, 0], its).any() and np.isin(pieces[:, -1], its).any())


def without_frame(gray: Image.Image) -> Image.Image:
    """The image with its `frame` painted over in the paper's level beside it, so that its border
    shows the paper (the median of the whole image is the ink's where a thick digit fills the
    box); MNIST's own 28x28 passes as it is."""
    if gray.size == (MNIST_SIZE, MNIST_SIZE):
        return gray
    pixels = np.asarray(gray, dtype=np.float32)
    lines = frame(pixels)
    if not lines.any():  # most images
        return gray
    beside = ndimage.binary_dilation(lines, structure=EIGHT_NEIGHBOURS, iterations=2) & ~lines
    painted = np.array(gray)
    painted[lines] = round(float(np.median(pixels[beside])))  # the paper along the frame's inner side
    return Image.fromarray(painted)


def polarity_unsure(gray: Image.Image) -> bool:
    """Whether the border cannot tell ink from ground: a scan or drawing (not MNIST's own 28x28)
    whose border lies flat at both its darkest and its lightest level. A digit stretched to fill its
    frame both ways, as form readers and pads store digits, runs its strokes along more of the
    border than its ground shows, and `white_on_black` then takes the strokes for the ground: a
    third to a half of such 8x8 scans' misreads. So does a fat pen's digit drawn on a canvas and
    cropped to its ink's bounds, at any size: 14 of the 16 misreads of 200 such crops (pens 10-30%
    of the digit's size, MNIST test digits 3000-3199) were read turned over. Nothing in the pixels
    alone tells the polarity there (the border's median, the flatter extreme and the minority
    level each turned over a large share of the scans), so the network reads both
    (`mnist_style_candidates`)."""
    if gray.size == (MNIST_SIZE, MNIST_SIZE):
        return False
    pixels = np.asarray(gray)
    border = _border(pixels)
    return _flat_at(border, pixels.min()) and _flat_at(border, pixels.max())


def mnist_style_candidates(image: Image.Image) -> list[np.ndarray]:
    """What the network is given for one image: its `mnist_style`, and where its polarity is unsure
    (`polarity_unsure`), the other polarity's too, the network keeping the one it reads more surely
    (handler/batch.py). At most two, so an image costs at most two readings. An image is refused
    only where neither polarity shows a digit."""
    gray = without_frame(to_grayscale(image))
    polarities = (False, True) if polarity_unsure(gray) else (False,)
    candidates, refusal = [], None
    for inverted in polarities:
        try:
            candidates.append(_mnist_style_of_gray(gray, inverted))
        except RequestError as problem:
            refusal = refusal or problem
    if not candidates:
        raise refusal or _no_digit()
    return candidates


def mnist_style(image: Image.Image) -> np.ndarray:
    """A 28x28 uint8 array, white digit on black, fitted and centred as MNIST's digits are."""
    return _mnist_style_of_gray(without_frame(to_grayscale(image)))


def _mnist_style_of_gray(gray: Image.Image, inverted: bool = False) -> np.ndarray:
    """`mnist_style` of a grayscale image, its polarity taken the other way round where `inverted`."""
    if gray.size == (MNIST_SIZE, MNIST_SIZE):
        pixels = white_on_black(np.array(gray))  # a copy: torch refuses read-only arrays
        values = pixels.astype(np.float32)
        if not stands_out(values, otsu_threshold(values), grain(values)):
            raise _no_digit()
        return pixels
    flat_ground = has_flat_ground(gray)
    small_drawing = max(gray.size) < MIN_WORK_SIZE and flat_ground  # or a small scan, enlarged
    pixels = white_on_black(np.asarray(to_working_size(gray), dtype=np.float32))
    if inverted:
        pixels = 255 - pixels
    ink, noise = remove_background(pixels, flat_ground, small_drawing)
    level = otsu_threshold(ink)  # one histogram serves the mask and the contrast stretch
    if not stands_out(ink, level, noise):  # before the search for lines, which noise would make long
        raise _no_digit()
    faint = ink > level * FLOOR_SHARE  # lines are looked for down to faint ink: a faint line is whole there
    # A small scan or drawing that the digit fills runs its strokes from edge to edge, where a page's
    # lines, boxes and edges run: it is not searched for them.
    page = not small_drawing
    widest = ruled_width(max(gray.size))
    level_lines, upright_lines = each_ruled_line(faint, noise == 0, widest) if page else ([], [])  # no grain: drawn
    lines = _union(level_lines + upright_lines, faint)
    box = box_sides(faint) if page else np.zeros_like(faint)  # with the ruled lines: a comb's rows run across
    if box.any():  # a printed box is often darker than the digit: the digit's level is found without it
        lines |= box
        level = otsu_threshold(ink[~lines])
    try:
        mask = digit_mask(ink, level, lines, page)
    except RequestError:
        if not lines.any():
            raise
        lines = np.zeros_like(lines)  # nothing but the lines: a 1 drawn edge to edge, not a page
        mask = digit_mask(ink, level, lines, page)
        level_lines, upright_lines = [], []
    if strokes := strokes_cut_by_the_crop(level_lines, upright_lines, mask, ink):
        lines &= ~_union(strokes, lines)
        mask = digit_mask(ink, level, lines, page)
    return fit_and_centre(match_pen(crop_to_digit(ink, mask, level, lines), pen_width(mask)))

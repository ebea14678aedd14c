"""Any photo, scan, screenshot or canvas export of one digit → a 28x28 MNIST-style image.

MNIST digits are white ink on black, fitted into a 20x20 box keeping their aspect ratio and
centred by their centre of mass in 28x28 (LeCun et al.). The network is right only on inputs that
look like that, so each image is brought into that form: transparency composited so canvas ink
stays visible, dark-on-light inverted, the paper's uneven lighting and texture subtracted, the digit
found among specks and stray lines, cropped, fitted and centred. A 28x28 image is MNIST's own
format and only has its polarity checked, so MNIST digits reach the network untouched.
"""

import numpy as np
from PIL import Image
from scipy import ndimage

from handler.errors import InputError

MNIST_SIZE = 28
DIGIT_BOX = 20
WORK_SIZE = 256  # long side at which the digit is looked for: ample for a 20x20 result
MIN_CONTRAST = 40.0  # of 255: fainter "ink" is paper texture or noise, not a digit
KEEP_FRACTION = 0.1  # pieces smaller than this share of the largest are specks, not strokes
BORDER_BAND = 0.15  # lines within this share of the size from an edge are not part of the digit
LINE_COVERAGE = 0.75  # a row or column this full of ink near the border is a line, not a stroke
EIGHT_NEIGHBOURS = np.ones((3, 3), dtype=bool)


def _no_digit() -> InputError:
    return InputError("no_digit", "No digit is visible in the image.", status=422)


def to_grayscale(image: Image.Image) -> Image.Image:
    """One 8-bit channel. Transparent pixels become the colour the ink is not: a canvas export keeps
    its ink only in the alpha channel, and a plain conversion would turn it all black."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        alpha = rgba.getchannel("A")
        if alpha.getextrema()[0] < 255:
            luminance = rgba.convert("L")
            weights = np.asarray(alpha, dtype=np.float32)
            ink_luminance = float((np.asarray(luminance) * weights).sum() / max(weights.sum(), 1.0))
            flattened = Image.new("L", image.size, 255 if ink_luminance < 128 else 0)
            flattened.paste(luminance, mask=alpha)
            return flattened
    return image.convert("L")


def white_on_black(pixels: np.ndarray) -> np.ndarray:
    """Invert dark ink on a light background; the background is what most pixels show."""
    return 255 - pixels if np.median(pixels) > 127 else pixels


def remove_background(pixels: np.ndarray) -> np.ndarray:
    """Ink intensity above the local background: an opening wider than any stroke estimates the
    (unevenly lit, textured) paper, and a light blur takes out JPEG noise and grain."""
    width = max(3, round(max(pixels.shape) / 6))
    background = ndimage.uniform_filter(ndimage.grey_opening(pixels, size=(width, width)), size=width)
    return ndimage.gaussian_filter(np.clip(pixels - background, 0, None), sigma=1.0)


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
    paper, even where it touches the digit and would otherwise join it into one piece."""
    mask = mask.copy()
    for axis in (0, 1):
        length = mask.shape[axis]
        band = max(1, round(length * BORDER_BAND))
        covered = mask.mean(axis=1 - axis) >= LINE_COVERAGE
        near_border = np.zeros(length, dtype=bool)
        near_border[:band] = near_border[length - band :] = True
        lines = np.nonzero(covered & near_border)[0]
        if axis == 0:
            mask[lines, :] = False
        else:
            mask[:, lines] = False
    return mask


def _is_edge_line(box: tuple[slice, slice], shape: tuple[int, ...]) -> bool:
    """A long thin piece lying along the border: a short ruled line, a fold, a shadow's edge."""
    height, width = box[0].stop - box[0].start, box[1].stop - box[1].start
    if width >= 5 * height:
        centre, length = (box[0].start + box[0].stop) / 2, shape[0]
    elif height >= 5 * width:
        centre, length = (box[1].start + box[1].stop) / 2, shape[1]
    else:
        return False
    return min(centre, length - centre) < length * BORDER_BAND


def digit_mask(ink: np.ndarray, otsu_level: float) -> np.ndarray:
    """The pixels of the digit: ink above Otsu's level, in the pieces big enough to be strokes and
    not lying along the border."""
    if ink.max() < MIN_CONTRAST:
        raise _no_digit()
    threshold = max(otsu_level, ink.max() * 0.2)
    labels, count = ndimage.label(_clear_border_lines(ink > threshold), structure=EIGHT_NEIGHBOURS)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    candidates = [
        label for label, box in enumerate(ndimage.find_objects(labels), start=1) if not _is_edge_line(box, ink.shape)
    ]
    if not candidates:
        raise _no_digit()
    largest = max(sizes[label] for label in candidates)
    keep = [label for label in candidates if sizes[label] >= KEEP_FRACTION * largest]
    return np.isin(labels, keep)


def crop_to_digit(ink: np.ndarray, mask: np.ndarray, otsu_level: float) -> np.ndarray:
    """The digit's bounding box, everything outside its strokes zeroed, contrast stretched to 0-255
    so that stroke cores saturate like MNIST's pen."""
    rows, columns = np.nonzero(mask)
    box = (slice(rows.min(), rows.max() + 1), slice(columns.min(), columns.max() + 1))
    strokes = ndimage.binary_dilation(mask, structure=EIGHT_NEIGHBOURS, iterations=2)[box]
    crop = ink[box] * strokes
    floor, core = otsu_level * 0.5, np.percentile(ink[mask], 90)
    return np.clip((crop - floor) / max(core - floor, 1e-6), 0, 1) * 255


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


def mnist_style(image: Image.Image) -> np.ndarray:
    """A 28x28 uint8 array, white digit on black, fitted and centred as MNIST's digits are."""
    gray = to_grayscale(image)
    if gray.size == (MNIST_SIZE, MNIST_SIZE):
        pixels = white_on_black(np.array(gray))  # a copy: torch refuses read-only arrays
        if int(pixels.max()) - int(pixels.min()) < MIN_CONTRAST:
            raise _no_digit()
        return pixels
    gray.thumbnail((WORK_SIZE, WORK_SIZE), Image.Resampling.BILINEAR)
    ink = remove_background(white_on_black(np.asarray(gray, dtype=np.float32)))
    level = otsu_threshold(ink)  # one histogram serves the mask and the contrast stretch
    return fit_and_centre(crop_to_digit(ink, digit_mask(ink, level), level))

"""Real MNIST test digits rendered the way people send digits: on paper, on a canvas, askew.

Each renderer takes a 28x28 MNIST digit (white on black) and a seeded random generator, and
returns encoded image bytes, so the tests measure the whole path a user's upload takes.
"""

import io
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from scipy import ndimage

from tests.helpers import encoded

Renderer = Callable[[Image.Image, np.random.Generator], bytes]


def encode_as(image: Image.Image, fmt: str) -> bytes:
    """`image` in `fmt`; a JPEG at quality 80, as phones and browsers save one."""
    return encoded(image, fmt, **({"quality": 80} if fmt == "JPEG" else {}))


def _enlarged(digit: Image.Image, rng: np.random.Generator, angle: float = 0.0) -> Image.Image:
    scale = rng.uniform(4, 10)
    glyph = digit.resize((round(28 * scale), round(28 * scale)), Image.Resampling.BICUBIC)
    return glyph.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True) if angle else glyph


def light_ramp(width: int, height: int, across: float, down: float) -> np.ndarray:
    """Uneven light over a page, in grey levels: a ramp `across` levels from the middle to the right
    edge (as far below it at the left) and `down` levels likewise from the middle to the bottom."""
    return np.linspace(-1, 1, width)[None, :] * across + np.linspace(-1, 1, height)[:, None] * down


def ruling(
    width: int,
    height: int,
    pitch: float,
    lean: float,
    thickness: int = 1,
    squared: bool = False,
    offset: float = 0,
    bend: float = 0,
) -> np.ndarray:
    """A notebook's ruling as coverage (0-1): lines `pitch` apart from `offset`, `thickness` pixels
    wide, squared or not, leaning by `lean` degrees as on a page photographed askew, and bowed by
    `bend` pixels in the middle as a page curving towards the spine."""
    side = 2 * max(width, height)
    layer = Image.new("L", (side, side), 0)
    draw = ImageDraw.Draw(layer)
    for position in np.arange(offset, side, pitch):
        draw.line([(0, position), (side, position)], fill=255, width=thickness)
        if squared:
            draw.line([(position, 0), (position, side)], fill=255, width=thickness)
    layer = layer.rotate(lean, resample=Image.Resampling.BICUBIC)
    left, top = (side - width) // 2, (side - height) // 2
    lines = np.asarray(layer.crop((left, top, left + width, top + height)), dtype=np.float32) / 255
    if not bend:
        return lines
    rows, columns = np.mgrid[0:height, 0:width].astype(np.float64)
    rows += bend * np.sin(np.pi * columns / width)
    return ndimage.map_coordinates(lines, [rows, columns], order=1, mode="nearest")


def notebook_ruling(width: int, height: int, pitch: float, rng: np.random.Generator) -> np.ndarray:
    """A random notebook's ruling: squared a third of the time, lines from 1 pixel to a 30th of the
    pitch wide, leaning up to 10 degrees, and on half of the pages bowed by 2-6% of the height."""
    thickness = int(rng.integers(1, max(1, round(pitch / 30)) + 1))
    squared = bool(rng.random() < 1 / 3)
    offset = rng.uniform(0, pitch)
    bend = rng.uniform(0.02, 0.06) * height if rng.random() < 0.5 else 0.0
    return ruling(width, height, pitch, rng.uniform(-10, 10), thickness, squared, offset, bend)


def _form_box(width: int, height: int, place: tuple[int, int, int], rng: np.random.Generator) -> np.ndarray:
    """A printed box around the digit at `place` (left, top, size), as coverage (0-1) of a
    `width` x `height` page, printed 20-80% as dark as the ink; a third of them one cell of a comb,
    a row of boxes running across the page."""
    left, top, size = place
    pad, angle = size * rng.uniform(-0.05, 0.2), np.radians(rng.uniform(-4, 4))
    centre = np.array([left + size / 2, top + size / 2])
    half = size / 2 + pad
    corners = np.array([(-half, -half), (half, -half), (half, half), (-half, half), (-half, -half)])
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    layer = Image.new("L", (width, height), 0)
    line_width = int(rng.integers(1, max(2, size // 25) + 1))
    cells = range(-4, 5) if rng.random() < 1 / 3 else range(1)
    for cell in cells:
        shifted = corners + np.array([2 * half * cell, 0])
        points = [tuple(point) for point in (shifted @ turn.T + centre).tolist()]
        ImageDraw.Draw(layer).line(points, fill=255, width=line_width, joint="curve")
    return np.asarray(layer, dtype=np.float32) / 255 * rng.uniform(0.2, 0.8)


def on_paper(
    glyph: Image.Image,
    rng: np.random.Generator,
    stray_line: bool = False,
    ruled: bool = False,
    shadow: bool = False,
    dim: bool = False,
    box: bool = False,
    glare: bool = False,
) -> Image.Image:
    """Dark ink on off-white paper, lit unevenly, with grain, the digit somewhere off-centre; `ruled`:
    on a notebook's lines, which are lighter than the ink and cross the digit; `shadow`: half of the
    page in the shadow of a hand or a phone, 15-50% darker, its edge 3-60 pixels soft; `dim`: taken
    in dim light, the whole photo 35-65% as bright, so the paper is darker than mid-grey; `box`: in a
    form's printed box, 1 pixel to a 25th of the digit wide, up to 4 degrees askew, from a little
    inside the digit's reach to a fifth of its size outside it, cut off where the page ends, and a
    third of the time in a row of boxes;
    `glare`: a lamp's reflection, a soft spot 10-25% of the page wide and 80-150 grey levels bright
    (on a dim page, brighter than the paper is dark)."""
    size = glyph.size[0]
    width, height = (int(size * rng.uniform(1.3, 2.2)) for _ in range(2))
    left, top = int(rng.integers(0, width - size + 1)), int(rng.integers(0, height - size + 1))
    alpha = np.zeros((height, width), dtype=np.float32)
    alpha[top : top + glyph.size[1], left : left + size] = np.asarray(glyph, dtype=np.float32) / 255
    if stray_line:  # a ruled line or paper edge close to the border
        line = Image.new("L", (width, height), 0)
        offset = int(rng.integers(2, max(3, height // 12)))
        ImageDraw.Draw(line).line([(0, offset), (width, offset + rng.integers(-3, 4))], fill=255, width=3)
        alpha = np.maximum(alpha, np.asarray(line, dtype=np.float32) / 255 * 0.8)
    if box:
        alpha = np.maximum(alpha, _form_box(width, height, (left, top, size), rng))
    ramp = light_ramp(width, height, rng.uniform(10, 35), rng.uniform(-20, 20))
    paper = rng.uniform(185, 235) + ramp + rng.normal(0, 7, (height, width))
    if ruled:
        lines = notebook_ruling(width, height, size * rng.uniform(0.35, 1.1), rng)
        paper = paper * (1 - lines) + rng.uniform(70, 170) * lines
    ink = rng.uniform(15, 70)
    gray = paper * (1 - alpha) + ink * alpha
    if shadow:
        rows, columns = np.mgrid[0:height, 0:width]
        angle, depth = rng.uniform(0, 2 * np.pi), rng.uniform(0.15, 0.5)
        across = (columns - width * rng.uniform(0.2, 0.8)) * np.cos(angle)
        across += (rows - height * rng.uniform(0.2, 0.8)) * np.sin(angle)
        gray = gray * (1 - depth * np.clip(across / rng.uniform(3, 60) + 0.5, 0, 1))
    if dim:
        gray = gray * rng.uniform(0.35, 0.65)
    if glare:
        rows, columns = np.mgrid[0:height, 0:width]
        spread = min(width, height) * rng.uniform(0.1, 0.25)
        centre = (height * rng.uniform(0.15, 0.85), width * rng.uniform(0.15, 0.85))
        gray = gray + rng.uniform(80, 150) * np.exp(
            -((rows - centre[0]) ** 2 + (columns - centre[1]) ** 2) / (2 * spread**2)
        )
    tint = np.array([1.0, 0.98, 0.92])
    rgb = np.clip(gray[..., None] * tint, 0, 255).astype(np.uint8)
    return Image.fromarray(rgb, "RGB")


def paper_jpeg(digit: Image.Image, rng: np.random.Generator) -> bytes:
    return encode_as(on_paper(_enlarged(digit, rng), rng), "JPEG")


def paper_png(digit: Image.Image, rng: np.random.Generator) -> bytes:
    return encode_as(on_paper(_enlarged(digit, rng), rng), "PNG")


def paper_with_stray_line(digit: Image.Image, rng: np.random.Generator) -> bytes:
    return encode_as(on_paper(_enlarged(digit, rng), rng, stray_line=True), "JPEG")


def ruled_paper(digit: Image.Image, rng: np.random.Generator) -> bytes:
    return encode_as(on_paper(_enlarged(digit, rng), rng, ruled=True), "JPEG")


def shadowed(digit: Image.Image, rng: np.random.Generator) -> bytes:
    return encode_as(on_paper(_enlarged(digit, rng), rng, shadow=True), "JPEG")


def in_dim_light(digit: Image.Image, rng: np.random.Generator) -> bytes:
    return encode_as(on_paper(_enlarged(digit, rng), rng, dim=True), "JPEG")


def in_dim_light_with_glare(digit: Image.Image, rng: np.random.Generator) -> bytes:
    return encode_as(on_paper(_enlarged(digit, rng), rng, dim=True, glare=True), "JPEG")


def in_a_form_box(digit: Image.Image, rng: np.random.Generator) -> bytes:
    return encode_as(on_paper(_enlarged(digit, rng), rng, box=True), "JPEG")


def rotated_and_blurred(digit: Image.Image, rng: np.random.Generator) -> bytes:
    photo = on_paper(_enlarged(digit, rng, angle=rng.uniform(-12, 12)), rng)
    return encode_as(photo.filter(ImageFilter.GaussianBlur(rng.uniform(1.0, 2.5))), "JPEG")


def on_a_board(digit: Image.Image, rng: np.random.Generator) -> bytes:
    """Chalk on a blackboard, photographed: light strokes, as MNIST's or thickened by up to a
    pixel of MNIST's each side, streaky (their coverage thinned by a fine random texture), on a
    board 25-80 grey lit by a ramp, grainy, the digit somewhere off-centre."""
    glyph = _enlarged(digit, rng)
    size = glyph.size[0]
    radius = int(rng.integers(0, size // 28 + 1))
    if radius:
        glyph = Image.fromarray(ndimage.grey_dilation(np.asarray(glyph), size=(2 * radius + 1,) * 2))
    width, height = (int(size * rng.uniform(1.3, 2.2)) for _ in range(2))
    left, top = int(rng.integers(0, width - size + 1)), int(rng.integers(0, height - size + 1))
    alpha = np.zeros((height, width), dtype=np.float32)
    alpha[top : top + size, left : left + size] = np.asarray(glyph, dtype=np.float32) / 255
    alpha *= np.clip(ndimage.gaussian_filter(rng.normal(0.85, 0.3, alpha.shape), sigma=1.0), 0.3, 1)
    ramp = light_ramp(width, height, rng.uniform(5, 25), rng.uniform(-15, 15))
    board = rng.uniform(25, 80) + ramp + rng.normal(0, rng.uniform(3, 8), (height, width))
    gray = board * (1 - alpha) + rng.uniform(150, 235) * alpha
    return encode_as(Image.fromarray(np.clip(gray, 0, 255).astype(np.uint8)), "JPEG")


def canvas_export(digit: Image.Image, rng: np.random.Generator) -> bytes:
    """An HTML canvas toDataURL(): black strokes whose coverage lives only in the alpha channel."""
    canvas = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    glyph = digit.resize((int(rng.integers(150, 240)),) * 2, Image.Resampling.BICUBIC)
    left, top = (int(rng.integers(0, 280 - glyph.size[0] + 1)) for _ in range(2))
    canvas.paste(Image.new("RGBA", glyph.size, (0, 0, 0, 255)), (left, top), mask=glyph)
    return encode_as(canvas, "PNG")


RENDERERS: dict[str, Renderer] = {
    "paper-jpeg": paper_jpeg,
    "paper-png": paper_png,
    "paper-stray-line": paper_with_stray_line,
    "rotated-blurred": rotated_and_blurred,
    "canvas-rgba": canvas_export,
    "ruled-paper": ruled_paper,
    "shadowed": shadowed,
    "dim-light": in_dim_light,
    "form-box": in_a_form_box,
    "dim-light-glare": in_dim_light_with_glare,
    "chalkboard": on_a_board,
}


def render_set(digits: list[tuple[Image.Image, int]], renderer: Renderer, seed: int) -> list[tuple[bytes, int]]:
    rng = np.random.default_rng(seed)
    return [(renderer(image, rng), label) for image, label in digits]


def small_set(digits: list[tuple[Image.Image, int]], seed: int) -> list[tuple[bytes, int]]:
    """Each digit rendered by the RENDERERS in turn, then reduced (Lanczos) until its short side is
    40-95 pixels, as a thumbnail of a photo or a crop from a distant one is sent: a JPEG, or a PNG
    where the rendering was one (a canvas export keeps its transparency)."""
    rng = np.random.default_rng(seed)
    renderers = list(RENDERERS.values())
    images = []
    for index, (digit, label) in enumerate(digits):
        rendered = Image.open(io.BytesIO(renderers[index % len(renderers)](digit, rng)))
        scale = int(rng.integers(40, 96)) / min(rendered.size)
        size = (max(1, round(rendered.size[0] * scale)), max(1, round(rendered.size[1] * scale)))
        small = rendered.resize(size, Image.Resampling.LANCZOS)
        images.append((encode_as(small, rendered.format or "PNG"), label))
    return images

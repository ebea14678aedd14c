"""Random changes to a batch of MNIST digits, drawn per image for the whole batch at once.

MNIST was written with one kind of pen, scanned at one resolution and fitted into 20x20 pixels by
one program; people send digits written with hairline pens and fat markers, thumbnails and soft
scans. So besides small rotations, scalings and shifts, the convolutional networks see what MNIST
does not vary: stroke width (grey dilation and erosion, by a random fractional amount), elastic
distortion of the strokes (Simard et al., 2003), resolution loss (shrunk to 7-16 pixels and
enlarged again) and a slight blur. Every draw comes from one seeded generator, so a seed repeats
a training run exactly.

torchvision's transforms draw one set of parameters per call, so on a batch every image would
change the same way; called image by image they cost more than the forward pass of a small
network. Here each step is one batched tensor operation.
"""

import math

import torch
import torch.nn.functional as F

from model import MNIST_MEAN, MNIST_STD
from model.pens import change_pen
from model.reading import resample

PEN_CHANCE = 0.5  # share of images whose strokes are thickened or thinned
PEN_STEPS = (-0.5, 2.0)  # pixel steps of erosion (negative) or dilation: MNIST's pen to a marker
ELASTIC_PIXELS = 1.5  # largest displacement of the elastic field
LOW_RESOLUTION_CHANCE = 0.2
LOW_RESOLUTIONS = (7, 16)  # sizes the 28x28 digit is shrunk to before it is enlarged again
BLUR_CHANCE = 0.2
BLUR_SIGMA = (0.3, 1.0)


def _uniform(count: int, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    return torch.empty(count).uniform_(low, high, generator=generator)


def _chosen(count: int, chance: float, generator: torch.Generator) -> torch.Tensor:
    return torch.rand(count, generator=generator) < chance


def random_affine(
    images: torch.Tensor,
    generator: torch.Generator,
    degrees: float = 10.0,
    scale: tuple[float, float] = (0.9, 1.1),
    shift_pixels: float = 2.0,
    elastic_pixels: float = 0.0,
) -> torch.Tensor:
    """Rotate by up to ±`degrees`, scale within `scale`, shift by up to ±`shift_pixels`, and bend by
    a smooth random field of up to ±`elastic_pixels`, in one resampling."""
    count, _, height, width = images.shape
    angle = _uniform(count, -math.radians(degrees), math.radians(degrees), generator)
    zoom = _uniform(count, *scale, generator)
    # affine_grid maps output to input coordinates in [-1, 1]: a shift of one pixel is 2 / size.
    shift_x = _uniform(count, -shift_pixels, shift_pixels, generator) * 2 / width
    shift_y = _uniform(count, -shift_pixels, shift_pixels, generator) * 2 / height
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([torch.stack([cos, -sin, shift_x], 1), torch.stack([sin, cos, shift_y], 1)], 1)
    grid = F.affine_grid(theta, [count, 1, height, width], align_corners=False)
    if elastic_pixels > 0:
        # A 4x4 field of random displacements, enlarged smoothly: strokes bend, they do not tear.
        coarse = torch.empty(count, 2, 4, 4).uniform_(-1, 1, generator=generator)
        field = F.interpolate(coarse, size=(height, width), mode="bicubic", align_corners=True)
        grid = grid + field.permute(0, 2, 3, 1) * (elastic_pixels * 2 / torch.tensor([width, height]))
    return resample(images, grid)


def lower_resolution(ink: torch.Tensor, sizes: torch.Tensor, blocky: torch.Tensor) -> torch.Tensor:
    """Shrink each image to sizes[i] pixels by area averaging and enlarge it back, as a thumbnail or
    a coarse scan is: blocky (nearest neighbour) where blocky[i], else smoothly (bilinear)."""
    out = ink.clone()
    for size in sizes.unique().tolist():
        for mode in ("nearest", "bilinear"):
            picked = (sizes == size) & (blocky == (mode == "nearest"))
            if picked.any():
                small = F.adaptive_avg_pool2d(ink[picked], int(size))
                options = {} if mode == "nearest" else {"align_corners": False}
                out[picked] = F.interpolate(small, size=ink.shape[-2:], mode=mode, **options)
    return out


def blur(ink: torch.Tensor, sigmas: torch.Tensor) -> torch.Tensor:
    """A Gaussian blur of its own width per image (one grouped convolution)."""
    offsets = torch.arange(-2, 3, dtype=ink.dtype)
    kernel_1d = torch.exp(-(offsets[None, :] ** 2) / (2 * sigmas[:, None] ** 2))
    kernel_1d = kernel_1d / kernel_1d.sum(dim=1, keepdim=True)
    kernels = (kernel_1d[:, :, None] * kernel_1d[:, None, :]).unsqueeze(1)
    count = ink.shape[0]
    blurred = F.conv2d(ink.reshape(1, count, *ink.shape[-2:]), kernels, padding=2, groups=count)
    return blurred.reshape(ink.shape)


def pens_and_scans(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Other pens, resolutions and focus, on normalised images; each image's brightest ink is brought
    back to full strength afterwards, as the handler's contrast stretch does for a faint upload."""
    count = images.shape[0]
    ink = images * MNIST_STD + MNIST_MEAN
    steps = torch.where(_chosen(count, PEN_CHANCE, generator), _uniform(count, *PEN_STEPS, generator), 0.0)
    ink = change_pen(ink, steps)
    low = _chosen(count, LOW_RESOLUTION_CHANCE, generator)
    sizes = torch.randint(LOW_RESOLUTIONS[0], LOW_RESOLUTIONS[1] + 1, (count,), generator=generator)
    blocky = _chosen(count, 0.5, generator)
    if low.any():
        ink[low] = lower_resolution(ink[low], sizes[low], blocky[low])
    blurred = _chosen(count, BLUR_CHANCE, generator)
    sigmas = _uniform(count, *BLUR_SIGMA, generator)
    if blurred.any():
        ink[blurred] = blur(ink[blurred], sigmas[blurred])
    peak = ink.amax(dim=(1, 2, 3), keepdim=True).clamp(min=1e-3)
    ink = (ink / peak).clamp(0, 1)
    return (ink - MNIST_MEAN) / MNIST_STD


def augment(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """The convolutional networks' training augmentation: pen, resolution and blur, then geometry."""
    return random_affine(pens_and_scans(images, generator), generator, elastic_pixels=ELASTIC_PIXELS)

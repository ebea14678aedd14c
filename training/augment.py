"""Random small rotations, scalings and shifts, drawn per image for a whole batch at once.

torchvision's RandomAffine draws one set of parameters per call, so on a batch every image would
move the same way; called image by image it costs more than the forward pass of a small network.
One `affine_grid` + `grid_sample` over the batch gives every image its own transform for the
price of a single resampling.
"""

import math

import torch
import torch.nn.functional as F

from model import MNIST_BACKGROUND


def random_affine(
    images: torch.Tensor,
    generator: torch.Generator,
    degrees: float = 10.0,
    scale: tuple[float, float] = (0.9, 1.1),
    shift_pixels: float = 2.0,
) -> torch.Tensor:
    """Rotate by up to ±`degrees`, scale within `scale` and shift by up to ±`shift_pixels`."""
    count, _, height, width = images.shape

    def uniform(low: float, high: float) -> torch.Tensor:
        return torch.empty(count).uniform_(low, high, generator=generator)

    angle = uniform(-math.radians(degrees), math.radians(degrees))
    zoom = uniform(*scale)
    # affine_grid maps output to input coordinates in [-1, 1]: a shift of one pixel is 2 / size.
    shift_x = uniform(-shift_pixels, shift_pixels) * 2 / width
    shift_y = uniform(-shift_pixels, shift_pixels) * 2 / height
    cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
    theta = torch.stack([torch.stack([cos, -sin, shift_x], 1), torch.stack([sin, cos, shift_y], 1)], 1)
    grid = F.affine_grid(theta.to(images.device), list(images.shape), align_corners=False)
    # grid_sample fills with zeros; shifting by the background value makes that fill blank paper.
    moved = F.grid_sample(images - MNIST_BACKGROUND, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return moved + MNIST_BACKGROUND

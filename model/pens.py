"""Other pens for MNIST's 28x28 digits: the stroke-width change that training varies and that the
served network reads each digit with (model/reading.py)."""

import math

import torch
import torch.nn.functional as F


def _dilate(ink: torch.Tensor) -> torch.Tensor:
    return F.max_pool2d(ink, kernel_size=3, stride=1, padding=1)


def change_pen(ink: torch.Tensor, steps: torch.Tensor) -> torch.Tensor:
    """Thicken (steps > 0) or thin (steps < 0) the strokes of ink in 0..1 by grey dilation or
    erosion with a 3x3 square, interpolating between whole steps: 1.5 is halfway between one and
    two dilations."""
    levels = [1 - _dilate(1 - ink), ink]  # one erosion, the original
    for _ in range(math.ceil(max(float(steps.max()), 0))):
        levels.append(_dilate(levels[-1]))
    stacked = torch.stack(levels)  # level k is k - 1 steps
    position = (steps + 1).clamp(0, len(levels) - 1).view(1, -1, 1, 1, 1)
    low = position.floor().long().clamp(max=len(levels) - 2)
    fraction = position - low
    lower = stacked.gather(0, low.expand(1, *ink.shape)).squeeze(0)
    upper = stacked.gather(0, (low + 1).expand(1, *ink.shape)).squeeze(0)
    return lower + (upper - lower) * fraction.view(-1, 1, 1, 1)

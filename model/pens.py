"""Other pens for MNIST's 28x28 digits: the stroke-width change training varies, and the served
network that reads every digit with three pens.

A digit written with another pen reaches the network as strokes a little bolder or finer than
MNIST's, however well the handler matches the pen (`handler.normalise.match_pen`): a hairline
whose skeleton broke, a marker whose loops nearly closed. One network reading the same digit
redrawn half a step bolder and a third of a step finer, and averaging its logits, is right more
often than on the digit alone, on MNIST's validation and test splits (tests/test_shipped_weights.py)
and on the handwriting sets (docs/handwriting.md). The steps were chosen on the validation split.
It costs three forward passes of a small network per digit, in one batch.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from model.constants import MNIST_MEAN, MNIST_STD

# Pen steps the served network reads each digit with: as sent, half a step bolder, a third finer.
SERVED_PENS = (0.0, 0.5, -0.3)


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


class PenEnsemble(nn.Module):
    """`network` reading each normalised digit with each of `pens` (steps of `change_pen`): the mean
    of its logits. It has no weights of its own: its state dict is the network's."""

    def __init__(self, network: nn.Module, pens: tuple[float, ...] = SERVED_PENS) -> None:
        super().__init__()
        self.network = network
        self.pens = pens

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        ink = images * MNIST_STD + MNIST_MEAN
        count = len(images)
        redrawn = [
            images if step == 0 else (change_pen(ink, ink.new_full((count,), step)) - MNIST_MEAN) / MNIST_STD
            for step in self.pens
        ]
        # One forward pass for all the pens: a batch of len(pens) x count digits.
        logits = self.network(torch.cat(redrawn))
        return logits.view(len(self.pens), count, -1).mean(dim=0)

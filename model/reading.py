"""How the served network reads a digit: with three pens, each turned a little both ways.

A digit written with another pen reaches the network as strokes a little bolder or finer than
MNIST's, however well the handler matches the pen (`handler.normalise.match_pen`): a hairline
whose skeleton broke, a marker whose loops nearly closed. A writer who slants further than MNIST's
writers, or a page photographed askew, leans the digit beyond what the network mostly saw. One
network reading the same digit redrawn half a step bolder and a third of a step finer, and each of
those turned 12 degrees either way, and averaging its logits over the nine readings, is right more
often than on the digit alone: on MNIST's validation split and on the handwriting sets
(tests/test_shipped_weights.py, docs/handwriting.md). The pens and the turns were chosen on the
validation split. It costs nine forward passes of a small network per digit, in one batch.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from model.constants import MNIST_BACKGROUND, MNIST_MEAN, MNIST_STD
from model.pens import change_pen

# Pen steps the served network reads each digit with: as sent, half a step bolder, a third finer.
SERVED_PENS = (0.0, 0.5, -0.3)
# Degrees each of those is turned by: as sent, and 12 degrees counter-clockwise and clockwise.
SERVED_TURNS = (0.0, 12.0, -12.0)


def resample(images: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """Normalised images sampled bilinearly at `grid` (affine_grid's coordinates, align_corners
    False), where what comes in from outside the frame is blank paper, not grid_sample's zeros
    (a grey in normalised units)."""
    moved = F.grid_sample(
        images - MNIST_BACKGROUND, grid.to(images.device), mode="bilinear", padding_mode="zeros", align_corners=False
    )
    return moved + MNIST_BACKGROUND


def turn(images: torch.Tensor, degrees: float) -> torch.Tensor:
    """Normalised images turned counter-clockwise by `degrees` about their centre."""
    angle = math.radians(degrees)
    cos, sin = math.cos(angle), math.sin(angle)
    # affine_grid maps each output pixel to where it is read from (y pointing down): the inverse turn.
    theta = images.new_tensor([[cos, -sin, 0.0], [sin, cos, 0.0]]).expand(len(images), 2, 3)
    return resample(images, F.affine_grid(theta, list(images.shape), align_corners=False))


class Readings(nn.Module):
    """`network` reading each normalised digit with each of `pens` (steps of `change_pen`), each
    turned by each of `turns` (degrees): the mean of its logits. It has no weights of its own: its
    state dict is the network's."""

    def __init__(
        self, network: nn.Module, pens: tuple[float, ...] = SERVED_PENS, turns: tuple[float, ...] = SERVED_TURNS
    ) -> None:
        super().__init__()
        self.network = network
        self.pens = pens
        self.turns = turns

    @property
    def readings(self) -> int:
        """How many images the network is given per digit."""
        return len(self.pens) * len(self.turns)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        ink = images * MNIST_STD + MNIST_MEAN
        count = len(images)
        redrawn = [
            images if step == 0 else (change_pen(ink, ink.new_full((count,), step)) - MNIST_MEAN) / MNIST_STD
            for step in self.pens
        ]
        pens = torch.cat(redrawn)  # each turn turns every pen's digits at once
        turned = [pens if degrees == 0 else turn(pens, degrees) for degrees in self.turns]
        # One forward pass for all the readings: a batch of self.readings x count digits.
        logits = self.network(torch.cat(turned))
        return logits.view(self.readings, count, -1).mean(dim=0)

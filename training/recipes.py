"""How each network is trained: the settings behind the shipped weights, in one place.

All three use a one-cycle learning-rate schedule (warm up, then anneal), which reaches a given
accuracy in fewer epochs than a constant rate. The convolutional networks see MNIST's digits as
other pens, resolutions and hands would write them (training/augment.py: stroke width, thumbnails,
blur, elastic distortion, rotation, scale and shift) and ship the moving average of their weights.
All three see a few digits typed in fonts and non-digits per batch (training/rendered.py), the
latter trained towards the uniform answer so that what is not a digit is answered as uncertain.
The MLP is otherwise trained the way of the first version, on plain images.
"""

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Recipe:
    epochs: int
    batch_size: int
    optimizer: Literal["sgd", "adam"]
    lr: float  # the peak of the one-cycle schedule
    weight_decay: float = 0.0
    label_smoothing: float = 0.0
    augment: bool = False  # other pens, resolutions, blur, elastic and affine moves (training/augment.py)
    typed_digits: int = 0  # digits typed in fonts per batch (training/rendered.py)
    pen_digits: int = 0  # training digits re-drawn with other pens per batch (training/rendered.py)
    outliers: int = 0  # non-digits per batch, trained towards the uniform answer (training/rendered.py)
    outlier_weight: float = 0.5
    ema_decay: float = 0.0  # ship a moving average of the weights with this decay per step (0: off)


RECIPES: dict[str, Recipe] = {
    "mlp": Recipe(epochs=15, batch_size=64, optimizer="sgd", lr=0.1, weight_decay=5e-4, typed_digits=4, outliers=16),
    "lenet": Recipe(
        epochs=45,
        batch_size=64,
        optimizer="adam",
        lr=3e-3,
        augment=True,
        typed_digits=8,
        pen_digits=16,
        outliers=16,
        ema_decay=0.999,
    ),
    "compact": Recipe(
        epochs=32,
        batch_size=128,
        optimizer="sgd",
        lr=0.2,
        weight_decay=1e-4,
        augment=True,
        typed_digits=8,
        pen_digits=16,
        outliers=32,
        ema_decay=0.999,
    ),
}

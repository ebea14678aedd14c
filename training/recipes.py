"""How each network is trained: the settings behind the shipped weights, in one place.

All three use a one-cycle learning-rate schedule (warm up, then anneal), which reaches a given
accuracy in fewer epochs than a constant rate. The convolutional networks see randomly rotated,
scaled and shifted digits, the seeds' augmentation, which is worth about 0.2 points of test
accuracy; the MLP is the seed's baseline and is trained the seed's way, on plain images.
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
    augment: bool = False


RECIPES: dict[str, Recipe] = {
    "mlp": Recipe(epochs=15, batch_size=64, optimizer="sgd", lr=0.1),
    "lenet": Recipe(epochs=15, batch_size=64, optimizer="adam", lr=3e-3, augment=True),
    "compact": Recipe(
        epochs=20, batch_size=128, optimizer="sgd", lr=0.1, weight_decay=1e-4, label_smoothing=0.05, augment=True
    ),
}

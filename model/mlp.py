"""The multilayer perceptron of the project's first version (a Flask app serving one network): the
baseline every convolutional network here must beat."""

from torch import Tensor, nn


class MLP(nn.Module):
    """784 → 64 → 32 → 10 with ReLU: no notion of neighbouring pixels, so it tops out near 98%."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.Flatten(),
            nn.Linear(28 * 28, 64),
            nn.ReLU(),
            nn.Linear(64, 32),
            nn.ReLU(),
            nn.Linear(32, 10),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)

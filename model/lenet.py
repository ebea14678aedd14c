"""LeNet as the project's first version (a Flask app) defined it, so that the shipped weights load
into exactly this layout."""

from torch import Tensor, nn


class LeNet(nn.Module):
    """conv(1→6, 5x5) → pool → ReLU → conv(6→16, 5x5) → pool → ReLU → 256 → 120 → 84 → 10.

    Takes normalised 1x28x28 images and returns logits; softmax is left to the caller so that
    training can use the numerically stable cross-entropy on logits.
    """

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5),
            nn.MaxPool2d(2),
            nn.ReLU(),
            nn.Conv2d(6, 16, kernel_size=5),
            nn.MaxPool2d(2),
            nn.ReLU(),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(16 * 4 * 4, 120),
            nn.ReLU(),
            nn.Linear(120, 84),
            nn.ReLU(),
            nn.Linear(84, 10),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))

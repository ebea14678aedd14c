"""Network definitions and the shipped, trained weights.

The normalisation constants live here because they are part of every network's input contract:
training and serving must apply exactly the same ones, or the served model sees inputs it was
never trained on.
"""

from pathlib import Path

MNIST_MEAN = 0.1307
MNIST_STD = 0.3081

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"

"""Network definitions and the shipped, trained weights.

The normalisation constants (model/constants.py) are exported here because they are part of every
network's input contract: training and serving must apply exactly the same ones, or the served
model sees inputs it was never trained on. Likewise the networks: `NETWORKS` is the one list of
them, `weights/<name>.pt` is the state dict of `NETWORKS[<name>].architecture`, and `load` gives
a network as it is served, reading each digit with its pens and turns (model/reading.py), to the handler,
training's final measurements and the tests alike.
"""

from pathlib import Path
from typing import NamedTuple

import torch
from torch import nn

from model.compact import Compact
from model.constants import MNIST_BACKGROUND, MNIST_MEAN, MNIST_STD
from model.lenet import LeNet
from model.mlp import MLP
from model.reading import SERVED_PENS, SERVED_TURNS, Readings

__all__ = [
    "DEFAULT_NETWORK",
    "MNIST_BACKGROUND",
    "MNIST_MEAN",
    "MNIST_STD",
    "NETWORKS",
    "WEIGHTS_DIR",
    "as_served",
    "load",
]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


class Network(NamedTuple):
    architecture: type[nn.Module]
    version: str  # the version of `mnist` its shipped weights are served as
    pens: tuple[float, ...]  # the pens it reads each digit with (model/reading.py)
    turns: tuple[float, ...]  # and the degrees it turns each of those by


# The one list of networks, the default version first. Training, the archives, the Makefile and
# the tests take theirs from here; tests check the two config.properties' load_models against it.
NETWORKS: dict[str, Network] = {
    "compact": Network(Compact, "2.0", SERVED_PENS, SERVED_TURNS),
    "lenet": Network(LeNet, "1.0", SERVED_PENS, SERVED_TURNS),
    "mlp": Network(MLP, "0.1", (0.0,), SERVED_TURNS),  # trained on MNIST's pen alone: other pens cost it accuracy
}
DEFAULT_NETWORK = next(iter(NETWORKS))  # TorchServe makes the first version it loads the default


def load(network: str, weights: Path | None = None) -> Readings:
    """`NETWORKS[network]` as it is served: its architecture with a state dict (default: the shipped
    weights/<network>.pt), reading each digit with its pens and turns, in eval mode on the CPU. weights_only:
    a state dict is data, never code to unpickle."""
    model = NETWORKS[network].architecture()
    model.load_state_dict(torch.load(weights or WEIGHTS_DIR / f"{network}.pt", map_location="cpu", weights_only=True))
    return as_served(network, model)


def as_served(network: str, model: nn.Module) -> Readings:
    """`model`, an instance of `NETWORKS[network]`'s architecture, as it is served: reading each
    digit with the network's pens and turns, in eval mode."""
    served = NETWORKS[network]
    return Readings(model, served.pens, served.turns).eval()

"""Network definitions and the shipped, trained weights.

The normalisation constants live here because they are part of every network's input contract:
training and serving must apply exactly the same ones, or the served model sees inputs it was
never trained on. Likewise the networks: `NETWORKS` is the one list of them, and
`weights/<name>.pt` is the state dict of `NETWORKS[<name>].architecture`, for training, the
archive and the handler alike.
"""

from pathlib import Path
from typing import NamedTuple

import torch
from torch import nn

from model.compact import Compact
from model.lenet import LeNet
from model.mlp import MLP

MNIST_MEAN = 0.1307
MNIST_STD = 0.3081
MNIST_BACKGROUND = -MNIST_MEAN / MNIST_STD  # a blank pixel after normalisation

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


class Network(NamedTuple):
    architecture: type[nn.Module]
    version: str  # the version of `mnist` its shipped weights are served as


# The one list of networks, the default version first. Training, the archives, the Makefile and
# the tests take theirs from here; tests check the two config.properties' load_models against it.
NETWORKS: dict[str, Network] = {
    "compact": Network(Compact, "2.0"),
    "lenet": Network(LeNet, "1.0"),
    "mlp": Network(MLP, "0.1"),
}
DEFAULT_NETWORK = next(iter(NETWORKS))  # TorchServe makes the first version it loads the default


def load(network: str, weights: Path | None = None) -> nn.Module:
    """`NETWORKS[network]`'s architecture with a state dict (default: the shipped weights/<network>.pt), in eval
    mode on the CPU. weights_only: a state dict is data, never code to unpickle."""
    model = NETWORKS[network].architecture()
    model.load_state_dict(torch.load(weights or WEIGHTS_DIR / f"{network}.pt", map_location="cpu", weights_only=True))
    return model.eval()

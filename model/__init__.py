"""Network definitions and the shipped, trained weights.

The normalisation constants live here because they are part of every network's input contract:
training and serving must apply exactly the same ones, or the served model sees inputs it was
never trained on. Likewise the network names: `weights/<name>.pt` is the state dict of
`NETWORKS[<name>]`, for training, the archive and the handler alike.
"""

from pathlib import Path

import torch
from torch import nn

from model.compact import Compact
from model.lenet import LeNet
from model.mlp import MLP

MNIST_MEAN = 0.1307
MNIST_STD = 0.3081
MNIST_BACKGROUND = -MNIST_MEAN / MNIST_STD  # a blank pixel after normalisation

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"

NETWORKS: dict[str, type[nn.Module]] = {"mlp": MLP, "lenet": LeNet, "compact": Compact}


def load(network: str, weights: Path | None = None) -> nn.Module:
    """`NETWORKS[network]` with a state dict (default: the shipped weights/<network>.pt), in eval
    mode on the CPU. weights_only: a state dict is data, never code to unpickle."""
    model = NETWORKS[network]()
    model.load_state_dict(torch.load(weights or WEIGHTS_DIR / f"{network}.pt", map_location="cpu", weights_only=True))
    return model.eval()

"""MNIST as in-memory tensors.

The whole dataset is 47 MB of uint8, so it is normalised once into tensors instead of being
decoded image by image through PIL on every epoch: an epoch on two CPU cores is then bound by
the network, not by data loading.
"""

import os
from dataclasses import dataclass

import torch
from torch.utils.data import TensorDataset
from torchvision import datasets

from model import MNIST_MEAN, MNIST_STD

TRAIN_SIZE = 55_000
VALIDATION_SIZE = 5_000


@dataclass
class Splits:
    train: TensorDataset
    validation: TensorDataset
    test: TensorDataset


def default_root() -> str:
    """The data root: `MNIST_ROOT` when set (tests and CI point it at ../shared/data), else ./data."""
    return os.environ.get("MNIST_ROOT", "./data")


def load_mnist(root: str, train: bool, download: bool = True) -> TensorDataset:
    """One official MNIST split as normalised Nx1x28x28 float images and int64 labels.

    torchvision downloads only when the files are missing, so `download=True` costs nothing
    where the data is already there and still works for a user with internet and no copy.
    """
    try:
        raw = datasets.MNIST(root, train=train, download=download)
    except RuntimeError as error:  # torchvision's "Dataset not found" or a failed download
        raise SystemExit(
            f"MNIST could not be loaded from {os.path.abspath(root)} ({error}). "
            "Point --data-root or MNIST_ROOT at a folder holding MNIST/raw/."
        ) from error
    images = raw.data.unsqueeze(1).float().div_(255).sub_(MNIST_MEAN).div_(MNIST_STD)
    return TensorDataset(images, raw.targets)


def load_splits(root: str, seed: int, download: bool = True) -> Splits:
    """The seeded 55,000/5,000 train/validation split of the training set, and the test set."""
    full_train = load_mnist(root, train=True, download=download)
    order = torch.randperm(len(full_train), generator=torch.Generator().manual_seed(seed))
    images, labels = full_train.tensors

    def subset(indices: torch.Tensor) -> TensorDataset:
        return TensorDataset(images[indices], labels[indices])

    return Splits(
        train=subset(order[:TRAIN_SIZE]),
        validation=subset(order[TRAIN_SIZE : TRAIN_SIZE + VALIDATION_SIZE]),
        test=load_mnist(root, train=False, download=download),
    )

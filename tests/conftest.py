"""Shared fixtures: the real MNIST test set, the shipped model, and one real TorchServe per session.
The helpers they use, and tests import, are in tests/helpers.py."""

from collections.abc import Iterator

import pytest
import requests
from torch import nn
from torchvision import datasets

from serving import DEFAULT_NETWORK
from serving.torchserve import TorchServe, running
from tests.helpers import configured_instance, png_bytes, shipped
from training.data import default_root


@pytest.fixture(scope="session")
def mnist_test_images() -> datasets.MNIST:
    """The official 10,000 test digits as PIL images (from MNIST_ROOT; CI points it at ../shared/data)."""
    return datasets.MNIST(default_root(), train=False, download=True)


@pytest.fixture(scope="session")
def digit_pngs(mnist_test_images) -> list[tuple[bytes, int]]:
    """The first 60 real test digits as PNG files, with their labels."""
    return [(png_bytes(image), label) for image, label in (mnist_test_images[i] for i in range(60))]


@pytest.fixture(scope="session")
def shipped_model() -> nn.Module:
    """The default version's network: what /predictions/mnist serves."""
    return shipped(DEFAULT_NETWORK)


@pytest.fixture(scope="session")
def torchserve(tmp_path_factory) -> Iterator[TorchServe]:
    """The session's real TorchServe, shared by the integration tests."""
    with running(configured_instance(tmp_path_factory.mktemp("torchserve"))) as server:
        yield server


@pytest.fixture(scope="session")
def predict_url(torchserve) -> str:
    return f"{torchserve.inference_url}/predictions/mnist"


@pytest.fixture(scope="session")
def inference_headers(torchserve) -> dict[str, str]:
    return {"Authorization": f"Bearer {torchserve.keys()['inference']}"}


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session

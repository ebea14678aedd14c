"""Shared fixtures: the real MNIST test set, the shipped model, and one real TorchServe per session."""

import functools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from torch import nn
from torchvision import datasets

from model import load
from serving import DEFAULT_NETWORK
from serving.archive import build_archives
from serving.torchserve import TorchServe, private_instance, running
from tests.images import png_bytes
from training.data import default_root


@pytest.fixture(scope="session")
def mnist_test_images() -> datasets.MNIST:
    """The official 10,000 test digits as PIL images (from MNIST_ROOT; CI points it at ../shared/data)."""
    return datasets.MNIST(default_root(), train=False, download=True)


@pytest.fixture(scope="session")
def digit_pngs(mnist_test_images) -> list[tuple[bytes, int]]:
    """The first 60 real test digits as PNG files, with their labels."""
    return [(png_bytes(image), label) for image, label in (mnist_test_images[i] for i in range(60))]


def shipped(network: str) -> nn.Module:
    """The shipped weights of `network`, in eval mode."""
    return load(network)


@pytest.fixture(scope="session")
def shipped_model() -> nn.Module:
    """The default version's network: what /predictions/mnist serves."""
    return shipped(DEFAULT_NETWORK)


_ARCHIVES = tempfile.TemporaryDirectory(prefix="mnist-archives-")  # removed when the session ends


@functools.cache
def shipped_archives() -> Path:
    """Every version's archive, built once per test session."""
    build_archives(Path(_ARCHIVES.name))
    return Path(_ARCHIVES.name)


def label_of(answer: requests.Response) -> int:
    """The predicted digit of a 200 answer from the service."""
    assert answer.status_code == 200, answer.text
    return answer.json()["predictions"]["prediction"]["label"]


def configured_instance(run_dir: Path, **overrides: str) -> TorchServe:
    """A TorchServe configured as the shipped one, from archives of the shipped weights, on free
    ports of its own (so it never clashes with `make serve`), with `overrides` applied; not started."""
    shutil.copytree(shipped_archives(), run_dir / "model_store")
    return private_instance(run_dir, run_dir / "model_store", **overrides)


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

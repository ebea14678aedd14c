"""Helpers the tests share: encoding images, the shipped networks and archives, private TorchServe
instances, and reading answers. Fixtures live in conftest.py; everything a test imports lives here."""

import functools
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import requests
from PIL import Image
from torch import nn

from model import load
from serving import ROOT
from serving.archive import build_archives
from serving.torchserve import TorchServe, private_instance

NAMES = json.loads((ROOT / "handler" / "index_to_name.json").read_text())
CLASS_NAMES = [NAMES[str(label)] for label in range(10)]


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def png_bytes(image: Image.Image) -> bytes:
    return encoded(image, "PNG")


def shipped(network: str) -> nn.Module:
    """The shipped weights of `network`, in eval mode."""
    return load(network)


_ARCHIVES = tempfile.TemporaryDirectory(prefix="mnist-archives-")  # removed when the session ends


@functools.cache
def shipped_archives() -> Path:
    """Every version's archive, built once per test session."""
    build_archives(Path(_ARCHIVES.name))
    return Path(_ARCHIVES.name)


def configured_instance(run_dir: Path, **overrides: str) -> TorchServe:
    """A TorchServe configured as the shipped one, from archives of the shipped weights, on free
    ports of its own (so it never clashes with `make serve`), with `overrides` applied; not started."""
    shutil.copytree(shipped_archives(), run_dir / "model_store")
    return private_instance(run_dir, run_dir / "model_store", **overrides)


def label_of(answer: requests.Response) -> int:
    """The predicted digit of a 200 answer from the service."""
    assert answer.status_code == 200, answer.text
    return answer.json()["predictions"]["prediction"]["label"]


def require_debian_packages(found: bool, packages: str) -> None:
    """Skip a test whose Debian packages are missing here, with what to install; under CI=true,
    where .ci/run installs them, fail instead."""
    if not found:
        if os.environ.get("CI"):
            pytest.fail(f"CI must install Debian's {packages} (see .ci/run)")
        pytest.skip(f"needs Debian's {packages}: apt-get install {packages}")

"""Building the model archive and running TorchServe instances: shared by the Makefile and the tests."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the checkout
MODEL_NAME = "mnist"  # the name the archive is built and served under

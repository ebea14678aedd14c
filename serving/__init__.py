"""Building the model archives and running TorchServe instances: shared by the Makefile and the tests."""

from pathlib import Path

from model import DEFAULT_NETWORK, NETWORKS

ROOT = Path(__file__).resolve().parent.parent  # the checkout
MODEL_NAME = "mnist"  # the name every archive is built and served under

# Each trained network is served as a version of `mnist`, the default first (config.properties'
# load_models lists their archives in this order).
VERSIONS = {name: network.version for name, network in NETWORKS.items()}
__all__ = ["DEFAULT_NETWORK", "MODEL_NAME", "ROOT", "VERSIONS", "archive_file"]


def archive_file(network: str) -> str:
    return f"{MODEL_NAME}-{network}.mar"

"""Building the model archives and running TorchServe instances: shared by the Makefile and the tests."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the checkout
MODEL_NAME = "mnist"  # the name every archive is built and served under

# Each trained network is served as a version of `mnist`. TorchServe makes the first version it
# loads the default, so config.properties' load_models lists them in this order, best first.
VERSIONS = {"compact": "2.0", "lenet": "1.0", "mlp": "0.1"}
DEFAULT_NETWORK = next(iter(VERSIONS))


def archive_file(network: str) -> str:
    return f"{MODEL_NAME}-{network}.mar"

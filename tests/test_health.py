"""The probes in serving/health.py against real TorchServes: a healthy one, none, a broken model."""

import time

import pytest

from serving import health
from serving.archive import build_archive
from tests.helpers import configured_instance

pytestmark = pytest.mark.integration


def probe(kind: str, server) -> int:
    urls = ["--url", server.inference_url, "--management-url", server.management_url]
    return health.main([kind, *urls, "--key-file", str(server.key_file), "--timeout", "2"])


def test_a_serving_torchserve_is_live_and_ready(torchserve):
    assert probe("live", torchserve) == 0
    assert probe("ready", torchserve) == 0


def test_nothing_listening_is_neither_live_nor_ready(tmp_path):
    nothing = configured_instance(tmp_path)  # configured on free ports, never started
    assert probe("live", nothing) == 1
    assert probe("ready", nothing) == 1


def test_a_model_whose_workers_cannot_load_is_live_but_never_ready(tmp_path):
    """Readiness reflects the model, not the process: weights that do not load keep it unready,
    although TorchServe's /ping says Healthy (it does when no model is registered)."""
    broken_weights = tmp_path / "broken.pt"
    broken_weights.write_bytes(b"not a state dict")
    server = configured_instance(tmp_path, load_models="mnist-broken.mar")
    build_archive(tmp_path / "model_store", weights=broken_weights).rename(
        tmp_path / "model_store" / "mnist-broken.mar"
    )
    server.start()
    try:
        deadline = time.monotonic() + 60
        while probe("live", server) != 0:
            assert time.monotonic() < deadline, server.log_tail()
            time.sleep(0.5)
        for _ in range(10):  # workers fail and are restarted meanwhile
            assert probe("ready", server) == 1
            time.sleep(1)
    finally:
        server.stop()

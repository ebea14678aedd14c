"""The probes in serving/health.py against real TorchServes: a healthy one, a stuck one, none, a broken model."""

import time

import psutil
import pytest

from serving import health
from serving.archive import build_archive
from serving.torchserve import running
from tests.helpers import configured_instance

pytestmark = pytest.mark.integration


def probe(kind: str, server) -> int:
    urls = ["--url", server.inference_url, "--management-url", server.management_url]
    return health.main([kind, *urls, "--key-file", str(server.key_file), "--timeout", "2"])


def wait_ready(server, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while probe("ready", server) != 0:
        assert time.monotonic() < deadline, "never ready"
        time.sleep(0.5)


def test_a_serving_torchserve_is_live_and_ready(torchserve):
    assert probe("live", torchserve) == 0
    assert probe("ready", torchserve) == 0


def test_a_worker_stuck_on_a_request_makes_the_replica_unready_but_still_live(tmp_path):
    """A worker busy past the probe's timeout still shows READY in the management API; the probe's
    own prediction tells. The worker is stopped with SIGSTOP, as a request that stalls it would."""
    with running(configured_instance(tmp_path)) as server:
        assert server.scale(1) == 1
        worker = psutil.Process(server.workers()[0]["pid"])
        wait_ready(server)  # the first prediction after scaling can take longer than a probe's timeout
        worker.suspend()
        try:
            assert server.workers()[0]["status"] == "READY"  # what the management API alone would trust
            started = time.monotonic()
            assert probe("ready", server) == 1
            assert time.monotonic() - started < 10  # bounded by the probe's own timeout
            assert probe("live", server) == 0  # not restarted for it: it may yet answer
        finally:
            worker.resume()
        wait_ready(server)


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

"""TorchServe's model snapshot: a restart comes back with the workers it was scaled to."""

import pytest
import requests

from tests.conftest import configured_instance, label_of, running

pytestmark = pytest.mark.integration


def test_a_restart_without_ncs_comes_back_with_three_workers(tmp_path, digit_pngs):
    server = configured_instance(tmp_path)
    server.snapshots = True
    with running(server):
        assert len(server.workers()) == 2  # model-config.yaml's minWorkers
        assert server.scale(3) == 3
    assert server.latest_snapshot() is not None
    with running(server):
        assert len(server.workers()) == 3
        png, label = digit_pngs[0]
        answer = requests.post(
            f"{server.inference_url}/predictions/mnist",
            data=png,
            headers={"Authorization": f"Bearer {server.keys()['inference']}"},
            timeout=30,
        )
        assert label_of(answer) == label

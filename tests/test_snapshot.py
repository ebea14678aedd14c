"""TorchServe's model snapshot: a restart comes back with the workers it was scaled to."""

import os
import shutil
import time

import pytest
import requests

from serving import DEFAULT_NETWORK, archive_file
from serving.torchserve import running
from tests.helpers import configured_instance, label_of

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


def test_a_snapshot_older_than_the_archives_or_naming_others_is_not_restored(tmp_path):
    """A snapshot records archive names and batch settings: after `make archive` it would bring
    back the old model or old settings, so the start is from config.properties instead."""
    server = configured_instance(tmp_path)
    server.snapshots = True
    with running(server):
        assert server.scale(3) == 3
    snapshot = server.latest_snapshot()
    assert snapshot is not None
    default_archive = tmp_path / "model_store" / archive_file(DEFAULT_NETWORK)
    os.utime(default_archive, (time.time() + 5, time.time() + 5))  # rebuilt after the snapshot
    assert server.latest_snapshot() is None
    with running(server):
        assert len(server.workers()) == 2  # model-config.yaml's, not the snapshot's 3
    renamed = configured_instance(tmp_path / "renamed", load_models=archive_file(DEFAULT_NETWORK))
    (tmp_path / "renamed" / "logs" / "config").mkdir(parents=True)
    shutil.copy2(snapshot, tmp_path / "renamed" / "logs" / "config")
    assert renamed.latest_snapshot() is None  # it names three archives, this one loads one

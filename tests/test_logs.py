"""The frontend's logs with log4j2.xml: every line written once, nothing to the unrotated launch
log, and each file rolled over at its size with a bounded number kept."""

import dataclasses
import re

import pytest
import requests

from serving import ROOT
from serving.torchserve import running
from tests.helpers import configured_instance, label_of

pytestmark = pytest.mark.integration

CONFIG = (ROOT / "log4j2.xml").read_text()
KEPT = int(re.search(r'<Property name="kept">(\d+)</Property>', CONFIG)[1])


def send(server, png: bytes, count: int) -> None:
    headers = {"Authorization": f"Bearer {server.keys()['inference']}"}
    with requests.Session() as http:
        for _ in range(count):
            label_of(http.post(f"{server.inference_url}/predictions/mnist", data=png, headers=headers, timeout=30))


def test_each_frontend_line_is_written_once_and_nothing_goes_to_the_launch_log(tmp_path, digit_pngs):
    with running(configured_instance(tmp_path)) as server:
        launch_log = server.temp_dir / "launch.log"
        before = launch_log.stat().st_size
        send(server, digit_pngs[0][0], 50)
        after = launch_log.stat().st_size
    lines = (tmp_path / "logs" / "ts_log.log").read_text().splitlines()
    assert len(lines) > 20  # workers started, the model loaded
    assert [line for line, following in zip(lines, lines[1:], strict=False) if line == following] == []
    assert after == before
    access = (tmp_path / "logs" / "access_log.log").read_text()
    assert access.count("POST /predictions/mnist") == 50


def test_every_log_rolls_over_at_its_size_and_keeps_a_bounded_number(tmp_path, digit_pngs):
    """The shipped configuration with 2 kB files instead of 10 MB: a few hundred requests roll the
    access log over many times, and no more than KEPT old files are ever kept."""
    small = tmp_path / "log4j2.xml"
    small.write_text(CONFIG.replace('<Property name="size">10 MB</Property>', '<Property name="size">2 KB</Property>'))
    server = dataclasses.replace(configured_instance(tmp_path), log_config=small)
    with running(server):
        send(server, digit_pngs[0][0], 200)  # about 100 bytes of access log each
    rolled = sorted(path.name for path in (tmp_path / "logs").glob("access_log.*.log.gz"))
    assert len(rolled) == KEPT, rolled
    assert (tmp_path / "logs" / "access_log.log").stat().st_size < 4096

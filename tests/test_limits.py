"""The limits in config.properties, each shown on a real TorchServe."""

import base64
import contextlib
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import psutil
import pytest
import requests
from PIL import Image

from serving.torchserve import running
from tests.helpers import configured_instance, encoded, label_of
from tests.realistic import on_paper

pytestmark = pytest.mark.integration


def test_the_shipped_configuration_sets_every_limit(torchserve):
    limits = {
        key: int(torchserve.properties[key]) for key in ("max_request_size", "max_response_size", "job_queue_size")
    }
    assert limits == {"max_request_size": 10 * 1024 * 1024, "max_response_size": 1024 * 1024, "job_queue_size": 100}
    assert int(torchserve.properties["default_response_timeout"]) <= 60


def test_the_response_timeout_in_force_is_the_configured_one(torchserve):
    """TorchServe 0.12 ignores default_response_timeout for a model whose model-config.yaml has no
    responseTimeout (it uses 120 s): the archive must carry it, and the model must report it."""
    assert torchserve.describe()["responseTimeout"] == int(torchserve.properties["default_response_timeout"]) == 30


def test_a_full_queue_answers_503_at_once_and_everything_else_is_answered(tmp_path, mnist_test_images):
    """A queue of 4 flooded by 48 clients sending 3-megapixel photos: the overflow is refused at once."""
    digit = mnist_test_images[0][0].resize((900, 900))
    photo = encoded(on_paper(digit, np.random.default_rng(0)).resize((2000, 1500), Image.Resampling.BILINEAR), "JPEG")
    with running(configured_instance(tmp_path, job_queue_size="4")) as server:
        url = f"{server.inference_url}/predictions/mnist"
        headers = {"Authorization": f"Bearer {server.keys()['inference']}"}

        def send(_) -> tuple[int, float]:
            started = time.monotonic()
            with requests.Session() as http:
                status = http.post(url, data=photo, headers=headers, timeout=60).status_code
            return status, time.monotonic() - started

        with ThreadPoolExecutor(max_workers=48) as pool:
            outcomes = list(pool.map(send, range(48)))
    refused = [seconds for status, seconds in outcomes if status == 503]
    print(f"{len(refused)} of 48 refused, slowest refusal {max(refused, default=0):.2f} s")
    assert refused, "the queue never filled"
    assert max(refused) < 2.0
    assert all(status in (200, 503) for status, _ in outcomes)


def test_the_response_timeout_and_the_response_size_limit_end_in_prompt_errors(tmp_path, digit_pngs):
    """A worker stuck on a request past the response timeout (stopped with SIGSTOP: no legal request
    is that slow any more, handler/budget.py), and an answer larger than max_response_size, each
    end in an error; the server answers good requests afterwards."""
    with running(configured_instance(tmp_path, max_response_size="3000")) as server:
        url = f"{server.inference_url}/predictions/mnist"
        headers = {"Authorization": f"Bearer {server.keys()['inference']}"}
        timeout = server.describe()["responseTimeout"]
        assert server.scale(1) == 1
        server.wait_ready()  # scaling down may keep the worker that is still loading the model
        stuck = server.workers()[0]["pid"]
        worker = psutil.Process(stuck)
        worker.suspend()
        try:
            started = time.monotonic()
            try:  # TorchServe 0.12 answers 500, or drops the job with the worker (docs/operations.md)
                outcome = requests.post(url, data=digit_pngs[0][0], headers=headers, timeout=timeout + 15).status_code
            except requests.ReadTimeout:
                outcome = "no answer"
            slow_seconds = time.monotonic() - started
        finally:
            with contextlib.suppress(psutil.NoSuchProcess):
                worker.resume()
        assert outcome == "no answer" or outcome >= 500, outcome
        assert slow_seconds > timeout - 1, slow_seconds  # held until the timeout, not answered before
        deadline = time.monotonic() + 60
        while stuck in {w["pid"] for w in server.workers()}:  # the stuck worker is replaced
            assert time.monotonic() < deadline
            time.sleep(0.5)

        digits = [{"b64": base64.b64encode(png).decode()} for png, _ in digit_pngs[:8]]
        large = requests.post(url, json={"instances": digits}, headers=headers, timeout=60)
        assert large.status_code >= 400 and "predictions" not in large.text

        deadline = time.monotonic() + 60
        while (answer := requests.post(url, data=digit_pngs[0][0], headers=headers, timeout=30)).status_code != 200:
            assert time.monotonic() < deadline, answer.text
            time.sleep(0.5)
        assert label_of(answer) == digit_pngs[0][1]
        print(f"stuck worker: {outcome} after {slow_seconds:.1f} s; too large: {large.status_code}")

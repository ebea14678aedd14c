"""POST /explanations/mnist[/version] on the session's real TorchServe, and mnist-explain."""

import base64
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import psutil
import pytest
import requests
from PIL import Image

from client import explain as explain_cli
from handler.budget import MAX_EXPLAINED_PER_BATCH
from serving import VERSIONS
from tests.helpers import label_of

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def explain_url(torchserve) -> str:
    return f"{torchserve.inference_url}/explanations/mnist"


def check_explanation(explanation: dict, label: int) -> None:
    assert explanation["method"] == "integrated_gradients"
    assert explanation["target"]["label"] == label
    for grid in ("attributions", "input"):
        assert len(explanation[grid]) == 28 and all(len(row) == 28 for row in explanation[grid])
    magnitude = np.abs(np.array(explanation["attributions"]))
    ink = np.array(explanation["input"]) > 0
    assert magnitude.sum() > 0 and magnitude[ink].sum() / magnitude.sum() > 0.99


@pytest.mark.parametrize("network", list(VERSIONS))
def test_every_version_explains_the_digit_it_predicts(
    network, http, explain_url, predict_url, inference_headers, digit_pngs
):
    for png, label in digit_pngs[:3]:
        predicted = label_of(
            http.post(f"{predict_url}/{VERSIONS[network]}", data=png, headers=inference_headers, timeout=10)
        )
        answer = http.post(f"{explain_url}/{VERSIONS[network]}", data=png, headers=inference_headers, timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json()["success"] is True
        check_explanation(answer.json()["explanations"], predicted)
        assert predicted == label


def test_instances_get_one_explanation_each(http, explain_url, inference_headers, digit_pngs):
    images = digit_pngs[:3]
    body = {"instances": [{"b64": base64.b64encode(png).decode()} for png, _ in images]}
    answer = http.post(explain_url, json=body, headers=inference_headers, timeout=30)
    assert answer.status_code == 200, answer.text
    explanations = answer.json()["explanations"]
    assert len(explanations) == 3
    for explanation, (_, label) in zip(explanations, images, strict=True):
        check_explanation(explanation, label)


def test_explanations_and_predictions_batched_together_each_get_their_own_shape(
    explain_url, predict_url, inference_headers, digit_pngs, http
):
    jobs = [(explain_url if i % 2 else predict_url, png, label) for i, (png, label) in enumerate(digit_pngs[:24])]

    def send(job):
        url, png, label = job
        return url, label, http.post(url, data=png, headers=inference_headers, timeout=60)

    with ThreadPoolExecutor(12) as pool:
        for url, label, answer in pool.map(send, jobs):
            assert answer.status_code == 200, answer.text
            if url == explain_url:
                check_explanation(answer.json()["explanations"], label)
            else:
                assert "explanations" not in answer.json() and label_of(answer) == label


def test_a_bad_image_to_explanations_gets_the_same_4xx_json_error(http, explain_url, inference_headers):
    answer = http.post(explain_url, data=b"not an image", headers=inference_headers, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "not_an_image"


def test_mnist_explain_draws_the_map_over_the_input(torchserve, tmp_path, digit_pngs, capsys):
    image = tmp_path / "digit.png"
    image.write_bytes(digit_pngs[0][0])
    out = tmp_path / "explained.png"
    arguments = ["--url", torchserve.inference_url, "--key-file", str(torchserve.key_file), "--out", str(out)]
    assert explain_cli.main([str(image), *arguments]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    with Image.open(out) as drawn:
        assert drawn.width > 300 and drawn.height > 150
        assert len(drawn.convert("RGB").getcolors(1 << 16) or []) > 50  # a map, not a blank canvas
    assert explain_cli.main([str(tmp_path / "missing.png"), *arguments]) == 2


# What explaining may add to a worker's resident memory, however many explanation requests arrive
# together: captum runs the path in chunks (handler.explain.NETWORK_INPUTS_PER_CHUNK) and a batch
# explains at most handler.budget.MAX_EXPLAINED_PER_BATCH images. Unbounded, one 32-image request
# added 0.8 GB.
MOST_EXPLAINING_MB = 300


def test_concurrent_explanations_stay_within_a_memory_bound_and_never_fail_a_worker(
    torchserve, explain_url, inference_headers, digit_pngs
):
    body = {"instances": [{"b64": base64.b64encode(png).decode()} for png, _ in digit_pngs[:8]]}
    pids = [worker["pid"] for worker in torchserve.workers()]
    before = {pid: psutil.Process(pid).memory_info().rss for pid in pids}
    peak = dict(before)
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            for pid in pids:
                peak[pid] = max(peak[pid], psutil.Process(pid).memory_info().rss)

    def explain(_: int) -> int:
        with requests.Session() as session:
            return session.post(explain_url, json=body, headers=inference_headers, timeout=60).status_code

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(explain, range(32)))
    finally:
        done.set()
        watcher.join()
    growth = max(peak[pid] - before[pid] for pid in pids) / 2**20
    print(f"statuses {sorted(statuses)}, largest growth of a worker's memory {growth:.0f} MB")
    # At least as many answered as one full batch per worker explains; the rest may be told busy.
    answered_at_least = len(pids) * (MAX_EXPLAINED_PER_BATCH // len(body["instances"]))
    assert set(statuses) <= {200, 503} and statuses.count(200) >= answered_at_least
    assert growth < MOST_EXPLAINING_MB
    assert [worker["pid"] for worker in torchserve.workers()] == pids  # no worker was restarted

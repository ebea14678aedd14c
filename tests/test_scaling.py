"""Scaling workers through the management API while predictions stream in.

TorchServe 0.12 loses a few requests that are in flight on a worker removed by a scale-down: some
are answered `500 "Worker died."`, a few are never answered at all (a job taken from the queue by
the removed worker's batch aggregator is dropped when its thread is interrupted; no server-side
timeout covers it). Scaling up loses nothing, but a starting worker can take a request before its
model is loaded and answer it only once loaded (seconds later). Our client bounds every attempt
with a timeout and resends the (idempotent) prediction, so its user sees no failure; that is what is
asserted here, with the raw outcomes beside it.
"""

import threading
import time

import pytest
import requests

from client.predict import Refusal, predict, session

pytestmark = pytest.mark.integration
ATTEMPT_TIMEOUT = 5.0  # s per attempt for our client in this test
RETRIES = 3
BOUND = ATTEMPT_TIMEOUT * (RETRIES + 1) + 2  # the longest any prediction through our client may take
RAW_TIMEOUT = 30.0  # long enough for a starting worker's load, so only real losses count


@pytest.fixture
def restores_workers(torchserve):
    yield
    torchserve.scale(2)


@pytest.mark.usefixtures("restores_workers")
def test_scaling_to_1_then_3_then_back_to_1_shows_each_worker_count(torchserve):
    assert [torchserve.scale(workers) for workers in (1, 3, 1)] == [1, 3, 1]


@pytest.mark.usefixtures("restores_workers")
def test_predictions_streamed_while_scaling_up_and_down(torchserve, predict_url, inference_headers, digit_pngs):
    png, label = digit_pngs[0]
    key = torchserve.keys()["inference"]
    stop = threading.Event()
    ours: list[tuple[bool, float]] = []  # (right answer, seconds) through our retrying client
    raw: list[tuple[float, int | str, float]] = []  # (start, status or exception, seconds), no retries

    def our_client() -> None:
        with session(retries=RETRIES) as our_http:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    answer = predict(our_http, torchserve.inference_url, key, png, timeout=ATTEMPT_TIMEOUT)
                    right = not isinstance(answer, Refusal) and answer["predictions"]["prediction"]["label"] == label
                except Exception:
                    right = False
                ours.append((right, time.monotonic() - started))

    def raw_client(until: threading.Event) -> None:
        """Send until `until` is set, at least once: a request lost on a scale-down holds a client
        for RAW_TIMEOUT, so each scale-up gets clients of its own to be sure it is sampled."""
        with requests.Session() as raw_http:
            while True:
                started = time.monotonic()
                try:
                    outcome = raw_http.post(predict_url, data=png, headers=inference_headers, timeout=RAW_TIMEOUT)
                    raw.append((started, outcome.status_code, time.monotonic() - started))
                except requests.RequestException as error:
                    raw.append((started, type(error).__name__, time.monotonic() - started))
                if until.is_set() or stop.is_set():
                    return

    clients = [threading.Thread(target=our_client) for _ in range(3)]
    clients += [threading.Thread(target=raw_client, args=(stop,)) for _ in range(2)]
    for client in clients:
        client.start()
    scale_ups = []
    try:
        for workers in (1, 3, 1, 3, 1):
            began = time.monotonic()
            window_over = threading.Event()
            if workers == 3:
                clients.append(threading.Thread(target=raw_client, args=(window_over,)))
                clients[-1].start()
            assert torchserve.scale(workers) == workers
            if workers == 3:  # the scale-up and the second after it, well before the next scale-down
                scale_ups.append((began, time.monotonic() + 1))
                time.sleep(1)
                window_over.set()
                time.sleep(2)
            else:
                time.sleep(1)
    finally:
        stop.set()
        for client in clients:
            client.join()

    assert len(ours) > 100
    assert all(right for right, _ in ours), f"{sum(not right for right, _ in ours)} failures through our client"
    assert max(seconds for _, seconds in ours) <= BOUND
    during_scale_up = [
        (outcome, took) for started, outcome, took in raw if any(a <= started <= b for a, b in scale_ups)
    ]
    assert during_scale_up and all(outcome == 200 for outcome, _ in during_scale_up), during_scale_up
    lost = [outcome for _, outcome, _ in raw if outcome != 200]
    print(
        f"raw: {len(raw)} requests, lost on scale-down {lost}, slowest during scale-up "
        f"{max(took for _, took in during_scale_up):.2f} s; ours: {len(ours)}, "
        f"slowest {max(seconds for _, seconds in ours):.2f} s"
    )

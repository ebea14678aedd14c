"""A worker killed while requests flow: TorchServe restarts it, and no request hangs."""

import os
import signal
import threading
import time

import pytest
import requests

pytestmark = pytest.mark.integration
HANG = 10.0  # s: an answer slower than this counts as a hang


def test_kill_9_on_a_worker_while_requests_flow(torchserve, predict_url, inference_headers, digit_pngs):
    png, label = digit_pngs[0]
    stop = threading.Event()
    outcomes: list[tuple[float, int | str, float]] = []  # (start, status or exception, seconds)

    def client() -> None:
        with requests.Session() as http:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    status = http.post(predict_url, data=png, headers=inference_headers, timeout=HANG * 3).status_code
                except requests.RequestException as error:
                    status = type(error).__name__
                outcomes.append((started, status, time.monotonic() - started))

    clients = [threading.Thread(target=client) for _ in range(4)]
    for thread in clients:
        thread.start()
    try:
        time.sleep(1)
        before = torchserve.workers()
        victim = before[0]["pid"]
        killed = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        while True:  # recovered: as many READY workers as before, none of them the killed process
            now = torchserve.workers()
            if sum(w["status"] == "READY" for w in now) == len(before) and victim not in {w["pid"] for w in now}:
                break
            assert time.monotonic() - killed < 60, f"no recovery within 60 s: {now}"
            time.sleep(0.2)
        recovered = time.monotonic()
        time.sleep(2)
    finally:
        stop.set()
        for thread in clients:
            thread.join()

    failed = [(round(start - killed, 2), status) for start, status, _ in outcomes if status != 200]
    print(
        f"{len(outcomes)} requests, {len(failed)} failed {failed}, recovery took {recovered - killed:.1f} s, "
        f"slowest answer {max(seconds for _, _, seconds in outcomes):.2f} s"
    )
    assert all(seconds < HANG for _, _, seconds in outcomes), "a request hung"
    assert all(isinstance(status, int) and status >= 500 for _, status in failed)
    after_recovery = [status for start, status, _ in outcomes if start >= recovered]
    assert after_recovery and all(status == 200 for status in after_recovery)

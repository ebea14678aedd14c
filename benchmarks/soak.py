"""Soak: a steady rate of real predictions for minutes, counting errors and watching worker memory.

    make serve && python -m benchmarks.soak [--minutes 5] [--rate 100]

Runs against the `make serve` instance (keys from key_file.json). Each second it sends `rate`
requests spread over a few client threads (real MNIST test digits, some 280x280 canvas exports);
every 10 s it records each worker's resident memory (psutil, by the PIDs the management API
reports). It reports errors, latency percentiles and memory at the start, the end and the peak.
"""

import argparse
import statistics
import threading
import time

import numpy as np
import psutil
import requests
from torchvision import datasets

from serving import ROOT
from serving.torchserve import TorchServe
from tests.helpers import png_bytes
from tests.realistic import canvas_export
from training.data import default_root


def worker_memory_mb(server: TorchServe) -> list[float]:
    return [psutil.Process(worker["pid"]).memory_info().rss / 2**20 for worker in server.workers()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--rate", type=int, default=100, help="requests per second")
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()

    server = TorchServe(config=ROOT / "config.properties", run_dir=ROOT)
    headers = {"Authorization": f"Bearer {server.keys()['inference']}"}
    url = f"{server.inference_url}/predictions/mnist"
    test_set = datasets.MNIST(default_root(), train=False, download=True)
    rng = np.random.default_rng(0)
    bodies = [png_bytes(test_set[i][0]) for i in range(200)] + [canvas_export(test_set[i][0], rng) for i in range(20)]

    latencies: list[float] = []
    errors: list[str] = []
    memory: list[tuple[float, list[float]]] = []
    started = time.monotonic()
    deadline = started + args.minutes * 60
    interval = args.clients / args.rate  # each client's pace

    def client(offset: int) -> None:
        with requests.Session() as http:
            sent, next_at = offset, time.monotonic()
            while (now := time.monotonic()) < deadline:
                if now < next_at:
                    time.sleep(next_at - now)
                next_at += interval
                begin = time.monotonic()
                try:
                    answer = http.post(url, data=bodies[sent % len(bodies)], headers=headers, timeout=10)
                    if answer.status_code != 200:
                        errors.append(str(answer.status_code))
                except requests.RequestException as error:
                    errors.append(type(error).__name__)
                latencies.append(time.monotonic() - begin)
                sent += args.clients

    threads = [threading.Thread(target=client, args=(offset,)) for offset in range(args.clients)]
    for thread in threads:
        thread.start()
    while time.monotonic() < deadline:
        memory.append((time.monotonic() - started, worker_memory_mb(server)))
        time.sleep(10)
    for thread in threads:
        thread.join()
    memory.append((time.monotonic() - started, worker_memory_mb(server)))

    quantiles = statistics.quantiles(latencies, n=100)
    rate = len(latencies) / (args.minutes * 60)
    print(f"{len(latencies)} requests in {args.minutes:g} min ({rate:.0f}/s), {len(errors)} errors {errors[:10]}")
    print(
        f"latency ms: p50 {quantiles[49] * 1000:.1f}, p99 {quantiles[98] * 1000:.1f}, max {max(latencies) * 1000:.1f}"
    )
    first, last = memory[0][1], memory[-1][1]
    peak = [max(sample[1][i] for sample in memory if len(sample[1]) > i) for i in range(len(first))]
    for i in range(len(first)):
        print(f"worker {i}: RSS {first[i]:.0f} MB at start, {last[i]:.0f} MB at the end, peak {peak[i]:.0f} MB")


if __name__ == "__main__":
    main()

"""`make bench`: our TorchServe deployment against Flask and FastAPI, side by side, under wrk.

    python -m benchmarks.serving [--seconds 5] [--repeats 3] [--concurrency 1 8 32 64]

Starts, in one run, TorchServe exactly as `make serve` configures it (config.properties and the
archives, on free ports of its own), FastAPI on uvicorn with uvloop and httptools (one worker per
core, one torch thread each, no access log) and Flask's own threaded server (how the project's first
version served), all serving the same network through the same image pipeline. wrk (Debian's, with
benchmarks/wrk_post.lua) sends a real MNIST test PNG and a 12-megapixel phone JPEG at each
concurrency; the systems take turns within each repetition (A/B/C, A/B/C, ...) so that drift of
this shared machine falls on all of them alike, and medians are reported. Requests/s counts 2xx
answers only; non-2xx answers and socket errors are counted apart: a configuration that loses
requests is not fast. Also measured: the in-process limit (decode + preprocess + forward in this
process, one thread, batch 1 and 32).
Every system first serves 10 s of load unmeasured, so the JVM's just-in-time compiler has done
its work before TorchServe is measured.

Writes benchmarks/results/serving.json (every figure), serving.md (the table) and two charts.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import psutil
import requests
import torch
from torchvision import datasets

from benchmarks import RESULTS
from benchmarks.preprocess import phone_photo
from handler.image import image_bytes_to_tensor
from serving import ROOT
from serving.archive import build_archives
from serving.torchserve import free_ports, private_instance, running
from tests.helpers import png_bytes
from training.data import default_root

SYSTEMS = ("torchserve", "fastapi", "flask")
LUA = Path(__file__).with_name("wrk_post.lua")


@contextmanager
def our_torchserve(run_dir: Path) -> Iterator[dict]:
    store = run_dir / "model_store"
    build_archives(store)  # makes run_dir too
    with running(private_instance(run_dir, store)) as server:
        url = f"{server.inference_url}/predictions/mnist"
        yield {"url": url, "key": server.keys()["inference"], "pids": lambda: [w["pid"] for w in server.workers()]}


@contextmanager
def baseline(command: list[str], port: int, probe: bytes) -> Iterator[dict]:
    """A baseline server process, ready to answer; stopped (by its PID) afterwards."""
    url = f"http://127.0.0.1:{port}/predictions/mnist"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if requests.post(url, data=probe, timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{command} did not come up")
            time.sleep(0.5)

        def pids() -> list[int]:
            children = psutil.Process(process.pid).children(recursive=True)
            return [child.pid for child in children] or [process.pid]

        yield {"url": url, "key": "", "pids": pids}
    finally:
        process.terminate()
        process.wait(timeout=30)


def run_wrk(target: dict, body: Path, connections: int, seconds: int) -> dict:
    env = {**os.environ, "WRK_BODY": str(body), "WRK_KEY": target["key"]}
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA), target["url"]]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    result = json.loads(line.removeprefix("WRK_JSON "))
    # Answered requests only: a 503 `busy` (a batch over its budget, handler/budget.py) comes back
    # fast, and counted as throughput it would make refusing look quick.
    result["rps"] = (result["requests"] - result["non_2xx_or_3xx"]) / (result["duration_us"] / 1e6)
    return result


def resident_mb(pids: list[int]) -> list[float]:
    return [round(psutil.Process(pid).memory_info().rss / 2**20) for pid in pids]


def in_process_limit(payloads: dict[str, bytes], model: torch.nn.Module) -> dict:
    """Images per second through decode + preprocess + forward, one thread, batch 1 and batch 32."""
    torch.set_num_threads(1)
    limits = {}
    for name, data in payloads.items():
        count = 64 if len(data) < 100_000 else 8
        for batch in (1, 32):
            started = time.perf_counter()
            done = 0
            with torch.inference_mode():
                while done < count * 4:
                    images = torch.stack([image_bytes_to_tensor(data) for _ in range(batch)])
                    model(images).softmax(dim=1).tolist()
                    done += batch
            limits[f"{name}, batch {batch}"] = round(done / (time.perf_counter() - started))
    return limits


def summarise(runs: list[dict]) -> list[dict]:
    rows = []
    keys = sorted(
        {(r["payload"], r["concurrency"], r["system"]) for r in runs}, key=lambda k: (k[0], k[1], SYSTEMS.index(k[2]))
    )
    for payload, concurrency, system in keys:
        mine = [r for r in runs if (r["payload"], r["concurrency"], r["system"]) == (payload, concurrency, system)]
        rows.append(
            {
                "payload": payload,
                "concurrency": concurrency,
                "system": system,
                "rps": round(statistics.median(r["rps"] for r in mine), 1),
                "p50_ms": round(statistics.median(r["latency_ms"]["p50"] for r in mine), 2),
                "p99_ms": round(statistics.median(r["latency_ms"]["p99"] for r in mine), 2),
                "errors": sum(r["non_2xx_or_3xx"] + r["socket_errors"] for r in mine),
                "repeats": len(mine),
            }
        )
    return rows


def ratios(rows: list[dict], limit: dict[str, int]) -> list[dict]:
    """Ours against each baseline, and against the in-process limit of the machine's cores (the
    one-thread batch-32 rate times the number of cores: no serving at all)."""
    found = {(r["payload"], r["concurrency"], r["system"]): r for r in rows}
    out = []
    for (payload, concurrency, system), row in found.items():
        if system != "torchserve":
            continue
        entry = {"payload": payload, "concurrency": concurrency}
        for other in SYSTEMS[1:]:
            entry[f"rps_vs_{other}"] = round(row["rps"] / found[(payload, concurrency, other)]["rps"], 2)
        entry["rps_vs_in_process_limit"] = round(row["rps"] / (limit[f"{payload}, batch 32"] * os.cpu_count()), 2)
        out.append(entry)
    return out


def markdown(rows: list[dict], ratio_rows: list[dict]) -> str:
    lines = ["| payload | concurrency | system | req/s | p50 ms | p99 ms | errors |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['payload']} | {r['concurrency']} | {r['system']} | {r['rps']:,.0f} | {r['p50_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['errors']} |"
        )
    lines += [
        "",
        "| payload | concurrency | ours / FastAPI | ours / Flask | ours / in-process limit |",
        "|---|---|---|---|---|",
    ]
    for r in ratio_rows:
        lines.append(
            f"| {r['payload']} | {r['concurrency']} | {r['rps_vs_fastapi']:.2f} | {r['rps_vs_flask']:.2f} | "
            f"{r['rps_vs_in_process_limit']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def charts(rows: list[dict], out: Path) -> None:
    payloads = sorted({r["payload"] for r in rows})
    for measure, label, name in (
        ("rps", "requests/s", "throughput.png"),
        ("p99_ms", "p99 latency (ms)", "latency.png"),
    ):
        figure, axes = plt.subplots(1, len(payloads), figsize=(6 * len(payloads), 4), squeeze=False)
        for axis, payload in zip(axes[0], payloads, strict=True):
            for system in SYSTEMS:
                mine = sorted(
                    (r for r in rows if r["payload"] == payload and r["system"] == system),
                    key=lambda r: r["concurrency"],
                )
                axis.plot([r["concurrency"] for r in mine], [r[measure] for r in mine], "-o", label=system)
            axis.set(xscale="log", xlabel="concurrent connections", ylabel=label, title=payload)
            axis.set_xticks([r["concurrency"] for r in rows if r["payload"] == payload and r["system"] == "flask"])
            axis.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
            if measure == "p99_ms":
                axis.set_yscale("log")
            axis.grid(alpha=0.3)
            axis.legend()
        figure.savefig(out / name, dpi=100, bbox_inches="tight")
        plt.close(figure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=10, help="seconds of load on each system before measuring")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32, 64])
    parser.add_argument("--payloads", nargs="+", default=["mnist-png", "phone-jpeg"])
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS))
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: sudo apt-get install wrk")

    digit = datasets.MNIST(default_root(), train=False, download=True)[0][0]
    payloads = {"mnist-png": png_bytes(digit), "phone-jpeg": phone_photo(digit)}
    payloads = {name: payloads[name] for name in args.payloads}
    runs: list[dict] = []
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as stack:
        bodies = {}
        for name, data in payloads.items():
            bodies[name] = Path(scratch, name)
            bodies[name].write_bytes(data)
        probe = payloads[next(iter(payloads))]
        fastapi_port, flask_port = free_ports(2)
        starters = {
            "torchserve": lambda: our_torchserve(Path(scratch, "torchserve")),
            "fastapi": lambda: baseline(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "benchmarks.baselines:fastapi_app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(fastapi_port),
                    "--workers",
                    "2",
                    "--no-access-log",
                    "--loop",
                    "uvloop",
                    "--http",
                    "httptools",
                ],
                fastapi_port,
                probe,
            ),
            "flask": lambda: baseline(
                [sys.executable, "-m", "benchmarks.baselines", "flask", str(flask_port)], flask_port, probe
            ),
        }
        targets = {system: stack.enter_context(starters[system]()) for system in args.systems}
        for system in args.systems:  # the JVM compiles its hot paths while it serves: warm every system alike
            run_wrk(targets[system], bodies[next(iter(payloads))], 32, args.warmup)
        for repeat in range(1, args.repeats + 1):
            for payload in payloads:
                for concurrency in args.concurrency:
                    for system in args.systems:
                        result = run_wrk(targets[system], bodies[payload], concurrency, args.seconds)
                        runs.append(
                            {
                                "repeat": repeat,
                                "payload": payload,
                                "concurrency": concurrency,
                                "system": system,
                                **result,
                            }
                        )
                        print(
                            f"{repeat} {payload:<10} c={concurrency:<3} {system:<10} {result['rps']:8.0f} req/s  "
                            f"p50 {result['latency_ms']['p50']:6.1f} ms  p99 {result['latency_ms']['p99']:6.1f} ms  "
                            f"errors {result['non_2xx_or_3xx'] + result['socket_errors']}",
                            flush=True,
                        )
        memory = {system: resident_mb(target["pids"]()) for system, target in targets.items()}

    from benchmarks.baselines import MODEL  # the same network, loaded as the baselines load it

    limit = in_process_limit(payloads, MODEL)
    rows = summarise(runs)
    ratio_rows = ratios(rows, limit) if set(args.systems) == set(SYSTEMS) else []
    report = {
        "machine": {"cpus": os.cpu_count(), "torch": torch.__version__},
        "settings": vars(args) | {"out": str(args.out)},
        "medians": rows,
        "ratios": ratio_rows,
        "in_process_images_per_second_one_thread": limit,
        "worker_rss_mb": memory,
        "runs": runs,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "serving.json").write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(rows, ratio_rows) if ratio_rows else ""
    (args.out / "serving.md").write_text(table)
    charts(rows, args.out)
    print(table)
    print("in-process, one thread:", limit)
    print("resident memory per process (MB):", memory)


if __name__ == "__main__":
    main()

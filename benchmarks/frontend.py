"""TorchServe's frontend settings measured against each other: which JVM and logging settings help.

    python -m benchmarks.frontend [--seconds 5] [--repeats 3] [--concurrency 1 32]

Each variant is TorchServe as `make serve` configures it, from archives of the shipped weights,
with one change of settings. The variants take turns within each repetition (A/B/C, A/B/C, ...),
each started afresh and warmed up for 10 s before wrk posts a real MNIST test PNG at each
concurrency, so that drift of this shared machine falls on all of them alike; medians are
reported. Writes benchmarks/results/frontend.json and frontend.md.
"""

import argparse
import dataclasses
import json
import statistics
import tempfile
import zipfile
from pathlib import Path

import ts
from torchvision import datasets

from benchmarks import RESULTS
from benchmarks.serving import run_wrk
from serving.archive import build_archives
from serving.torchserve import private_instance, running
from tests.helpers import png_bytes
from training.data import default_root

# TorchServe's own logging configuration: the one inside its jar.
JAR_LOGGING = Path(tempfile.gettempdir()) / "torchserve-jar-log4j2.xml"

VARIANTS = {
    # TorchServe's defaults: the jar's logging (every line twice, and to standard output).
    "jar logging": {"jar_logging": True, "properties": {}},
    # log4j2.xml: each line once, to rotated files, asynchronous loggers.
    "our logging": {"jar_logging": False, "properties": {}},
    # ...and the JVM told it has two cores for its common pool, system metrics off.
    "our logging + JVM": {
        "jar_logging": False,
        "properties": {
            "vmargs": "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2",
            "disable_system_metrics": "true",
        },
    },
}


def jar_logging() -> Path:
    """The log4j2.xml inside TorchServe's frontend jar, extracted once."""
    if not JAR_LOGGING.exists():
        jar = Path(ts.__file__).parent / "frontend" / "model-server.jar"
        with zipfile.ZipFile(jar) as archive:
            JAR_LOGGING.write_bytes(archive.read("log4j2.xml"))
    return JAR_LOGGING


def measure(variant: dict, store: Path, body: Path, concurrency: list[int], seconds: int) -> list[dict]:
    with tempfile.TemporaryDirectory() as run_dir:
        server = private_instance(Path(run_dir), store, **variant["properties"])
        if variant["jar_logging"]:
            server = dataclasses.replace(server, log_config=jar_logging())
        with running(server):
            target = {"url": f"{server.inference_url}/predictions/mnist", "key": server.keys()["inference"]}
            run_wrk(target, body, 32, 10)  # warm-up: the JIT compiles the hot paths
            return [{"concurrency": c, **run_wrk(target, body, c, seconds)} for c in concurrency]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 32])
    args = parser.parse_args()

    digit, _ = datasets.MNIST(default_root(), train=False)[0]
    runs = []
    with tempfile.TemporaryDirectory() as work:
        store, body = Path(work, "model_store"), Path(work, "digit.png")
        build_archives(store)
        body.write_bytes(png_bytes(digit))
        for repeat in range(args.repeats):
            for name, variant in VARIANTS.items():
                for result in measure(variant, store, body, args.concurrency, args.seconds):
                    runs.append({"variant": name, "repeat": repeat, **result})
                    print(f"{name:<20} c={result['concurrency']:<3} {result['rps']:8.0f} req/s")

    rows = []
    for name in VARIANTS:
        for c in args.concurrency:
            mine = [r for r in runs if r["variant"] == name and r["concurrency"] == c]
            rows.append(
                {
                    "variant": name,
                    "concurrency": c,
                    "rps": round(statistics.median(r["rps"] for r in mine)),
                    "p50_ms": round(statistics.median(r["latency_ms"]["p50"] for r in mine), 2),
                    "p99_ms": round(statistics.median(r["latency_ms"]["p99"] for r in mine), 2),
                    "errors": sum(r["non_2xx_or_3xx"] + r["socket_errors"] for r in mine),
                }
            )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "frontend.json").write_text(json.dumps({"settings": vars(args), "rows": rows, "runs": runs}, indent=2))
    table = [
        "# TorchServe's frontend settings, side by side",
        "",
        f"Written by `python -m benchmarks.frontend`: medians of {args.repeats} turns, {args.seconds} s each, "
        "a 28x28 MNIST PNG.",
        "",
        "| settings | concurrency | req/s | p50 ms | p99 ms | errors |",
        "|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells = [r["variant"], r["concurrency"], f"{r['rps']:,}", f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}"]
        cells.append(r["errors"])
        table.append("| " + " | ".join(str(cell) for cell in cells) + " |")
    (RESULTS / "frontend.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))


if __name__ == "__main__":
    main()

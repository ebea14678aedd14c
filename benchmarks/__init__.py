"""Benchmarks: run by hand (`make bench-...`), never as CI tests; they report, they do not assert."""

from pathlib import Path

RESULTS = Path(__file__).with_name("results")  # what each benchmark run writes, linked from docs/performance.md

"""Benchmarks: run by hand (`make bench-...`), never as CI tests; they report, they do not assert."""

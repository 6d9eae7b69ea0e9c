"""The context benchmark's scan part runs end to end against its loopback server and ends with its ratio."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_scan_benchmark_keeps_the_endpoint_busy_and_prints_ratio_last() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "bench/context.py", "--skip-recall", "--concurrency", "8", "--latency", "0.1"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True)
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "[scan] files: 256  relevant: 256  latency: 0.1 s  concurrency: 8"
    assert lines[-1].startswith("ratio: ")
    # The figure (target >= 0.9, about 0.95 on an idle machine) belongs in the closing notes: timings
    # are never asserted in tests, and a loaded CI machine measured 0.79. Here: a real ratio of
    # achieved to possible throughput, which cannot exceed the endpoint's limit.
    assert 0 < float(lines[-1].split()[1]) <= 1.05

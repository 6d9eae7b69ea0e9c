"""The orchestration benchmark runs end to end and ends with its ratio line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_benchmark_prints_ratio_last() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable,
        "bench/orchestration.py",
        "--trajectories",
        "4",
        "--turns",
        "2",
        "--latency",
        "0.05",
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True)
    lines = done.stdout.strip().splitlines()
    assert lines[-1].startswith("ratio: ")
    assert float(lines[-1].split()[1]) >= 0.9
    assert any(line.startswith("[openai] client cpu per call:") for line in lines)
    assert any(line.startswith("[aiohttp] wall:") for line in lines)

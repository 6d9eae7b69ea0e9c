"""The sandbox-acquire benchmark runs on the real sympy source tree and ends with its ratio line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.network]


def test_benchmark_prints_both_medians_and_ratio_last(docker_client: object) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "bench/sandbox_acquire.py", "--rounds", "3"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=True)
    lines = done.stdout.strip().splitlines()
    assert any(line.startswith("pool reset median:") for line in lines)
    assert any(line.startswith("fresh container median:") for line in lines)
    assert lines[-1].startswith("ratio: ")
    assert float(lines[-1].split()[1]) > 0

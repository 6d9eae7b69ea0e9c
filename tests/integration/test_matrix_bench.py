"""The test-matrix benchmark runs end to end, both ways agree, and it ends with its ratio line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def test_benchmark_prints_executions_and_ratio_last(docker_client: object) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "bench/test_matrix.py"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=True)
    lines = done.stdout.strip().splitlines()
    assert "candidates: 10 (5 unique); tests: 10" in lines
    assert any(line.startswith("pooled: 48 executions in 6 sandbox rows") for line in lines)
    assert any(line.startswith("naive:  110 executions in 110 fresh containers") for line in lines)
    assert "outcomes agree" in lines
    assert lines[-1].startswith("ratio: ")
    assert float(lines[-1].split()[1]) > 1.0

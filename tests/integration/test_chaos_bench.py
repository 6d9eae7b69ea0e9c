"""The chaos benchmark runs a tiny trial end to end and ends with its ratio line.

One trial on one instance with the faults that leave other users of the engine alone (kill -9 of
the run, a model server restart, a truncated artifact); the engine restart has its own test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.network]

ROOT = Path(__file__).resolve().parents[2]


def test_one_trial_under_faults_ends_identical(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [
        sys.executable, "bench/chaos.py", "--trials", "1", "--instances", "pallets__flask-4992",
        "--faults", "kill,model,truncate", "--samples", "1", "--iterations", "2", "--work-dir", str(tmp_path),
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    trial = next(line for line in lines if line.startswith("trial 1:"))
    assert "identical: yes" in trial, done.stdout
    assert lines[-1] == "ratio: 1.00"

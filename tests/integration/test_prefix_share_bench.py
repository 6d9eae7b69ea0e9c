"""The prefix-share benchmark renders real editing prompts for every swe-mini instance, ratio last."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.network
def test_benchmark_prints_the_shared_fraction_last() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "bench/prefix_share.py", "--trajectories", "3"]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=True)
    lines = done.stdout.strip().splitlines()
    assert lines[-1].startswith("ratio: ")
    # The shared part (instructions, issue, context) is most of every prompt, never all of it.
    assert 0.5 < float(lines[-1].split()[1]) < 1.0
    assert sum(": context files" in line for line in lines) >= 6

"""Done-when of the benchmark: `sweagent validate --dataset swe-mini` resolves every gold patch, no empty one.

The real command line in a child process, on real images (built here when absent, from PyPI source
distributions), so this is the most expensive test: one validate run and nothing else.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from docker import DockerClient

from sweagent.datasets import load_dataset

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.network]

ROOT = Path(__file__).parents[2]
# From no images at all: two base images, five environments, eight instances, sixteen evaluations.
BUDGET = 2400.0


@pytest.mark.timeout(BUDGET + 60)
def test_validate_resolves_every_gold_patch_and_no_empty_one(
    docker_client: DockerClient, tmp_path: Path
) -> None:
    instances = load_dataset("swe-mini").instances
    n = len(instances)
    assert n >= 6
    assert len({instance.repo for instance in instances}) >= 2
    command = [sys.executable, "-m", "sweagent", "validate", "--dataset", "swe-mini"]
    command += ["--run-dir", str(tmp_path / "validate")]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=BUDGET, check=False
    )
    tail = "\n".join(done.stderr.splitlines()[-60:])
    assert f"gold resolved {n}/{n}, empty resolved 0/{n}" in done.stdout.splitlines(), tail
    assert done.returncode == 0, tail

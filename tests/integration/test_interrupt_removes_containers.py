"""SIGTERM with test scripts running in sandboxes: the run exits 143 and leaves none of its containers.

Invariant: whatever an interrupted run was executing, no container labelled with its run id
survives the process (in-flight trajectories stay saved as far as they got).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docker import DockerClient

from sandbox.engine import LABEL
from sweagent.records import content_id

pytestmark = [pytest.mark.docker, pytest.mark.slow]

POLICY = '''
from sweagent.models.policies.gold import respond as gold

SLOW_TEST = "<test>\\nimport time\\ntime.sleep(120)\\n</test>"


def respond(messages, purpose):
    """TEST POLICY: the gold oracle, except that every reproduction test runs for two minutes."""
    if purpose.stage == "testing" and purpose.turn == 0:
        return SLOW_TEST
    return gold(messages, purpose)
'''


def test_sigterm_removes_the_runs_containers(tmp_path: Path, docker_client: DockerClient) -> None:
    policy = tmp_path / "slow_policy.py"
    policy.write_text(POLICY)
    run_dir = tmp_path / "run"
    label = f"{LABEL}.run=run-{content_id(str(run_dir.resolve()))}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sweagent",
            "run",
            "--dataset",
            "swe-mini",
            "--instances",
            "pallets__flask-4992",
            "--stages",
            "context,generate",
            "--run-dir",
            str(run_dir),
            "--model",
            f"scripted:{policy}",
            "-o",
            "generation.samples=2",
        ],  # fmt: skip
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 240

    def running() -> list[object]:
        return docker_client.containers.list(filters={"label": label})

    while not running() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert running(), process.stderr.read() if process.poll() is not None else "no sandbox started"
    time.sleep(3)  # the slow test scripts are executing now
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr
    assert docker_client.containers.list(all=True, filters={"label": label}) == []

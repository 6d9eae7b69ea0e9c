"""The Docker engine restarted in the middle of a run loses nothing: the predictions are the same.

The engine is restarted the way scripts/bootstrap.sh started it (SIGTERM to `dockerd`, the same
command started again, wait for it to answer): every container of the run stops and the engine
refuses connections for a few seconds. Engine faults are retried (`sandbox.retry_seconds`), broken
sandboxes are replaced, and no trajectory is finished as `error` for the engine's fault. An engine
that bootstrap.sh did not start (systemd, another host) is never restarted: the test skips.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docker import DockerClient

from sandbox.engine import LABEL
from sandbox.engine_restart import BootstrappedEngine, NotRestartable, wait_until_answering
from sweagent.records import content_id

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.network]

INSTANCES = ("pallets__flask-4992", "pytest-dev__pytest-5103")
EXIT_INFRASTRUCTURE = 3


def _command(run_dir: Path) -> list[str]:
    return [
        sys.executable, "-m", "sweagent", "run", "--dataset", "swe-mini", "--model", "scripted:gold",
        "--instances", ",".join(INSTANCES), "--samples", "2", "--iterations", "3", "--run-dir", str(run_dir),
    ]  # fmt: skip


def _predictions(run_dir: Path) -> dict[str, str]:
    rows = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text().splitlines() if line]
    return {row["instance_id"]: row["model_patch"] for row in rows}


def _run_containers(client: DockerClient, run_dir: Path) -> list[str]:
    run_id = f"run-{content_id(str(run_dir.resolve()))}"
    return [c.name or "" for c in client.containers.list(filters={"label": f"{LABEL}.run={run_id}"})]


@pytest.fixture
def engine(docker_client: DockerClient) -> BootstrappedEngine:
    try:
        return BootstrappedEngine.find()
    except NotRestartable as err:
        pytest.skip(f"the Docker engine was not started by scripts/bootstrap.sh: {err}")


def test_an_engine_restart_mid_run_leaves_the_predictions_unchanged(
    engine: BootstrappedEngine, docker_client: DockerClient, tmp_path: Path
) -> None:
    reference = subprocess.run(
        _command(tmp_path / "reference"), capture_output=True, text=True, timeout=1800, check=False
    )
    assert reference.returncode == 0, reference.stderr[-4000:]

    run_dir = tmp_path / "run"
    with (tmp_path / "run.stderr").open("w") as log:
        process = subprocess.Popen(_command(run_dir), stdout=subprocess.DEVNULL, stderr=log)
        try:
            deadline = time.monotonic() + 900
            while process.poll() is None and time.monotonic() < deadline:
                if list(run_dir.glob("*/trajectories/*.json")) and _run_containers(docker_client, run_dir):
                    break
                time.sleep(0.1)
            assert process.poll() is None, "the run ended before the engine could be restarted under it"
            try:
                restarted = engine.restart()
            finally:
                wait_until_answering(120)  # whatever happened, the engine is left running
            code = process.wait(timeout=1800)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
    assert restarted.pid != engine.pid
    attempts = 1
    while code == EXIT_INFRASTRUCTURE and attempts < 3:  # the engine outlasted the retries: resume
        code = subprocess.run(_command(run_dir), capture_output=True, timeout=1800, check=False).returncode
        attempts += 1
    stderr = (tmp_path / "run.stderr").read_text()
    assert code == 0, stderr[-4000:]
    assert _predictions(run_dir) == _predictions(tmp_path / "reference")
    statuses = {
        f"{path.parent.parent.name}/{path.stem}": json.loads(path.read_text())["status"]
        for path in run_dir.glob("*/trajectories/*.json")
    }
    assert "error" not in statuses.values(), statuses


def test_the_bootstrap_engine_is_found_with_how_it_was_started(engine: BootstrappedEngine) -> None:
    """What `restart` relies on, checked without restarting: the daemon, its command and its log."""
    assert Path(f"/proc/{engine.pid}/comm").read_text().strip() == "dockerd"
    assert Path(engine.argv[0]).name == "dockerd"
    assert engine.log.name == "dockerd.log"
    assert engine.environ.get("PATH")

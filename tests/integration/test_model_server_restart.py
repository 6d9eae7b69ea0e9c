"""The model server killed mid-run and started again within the retry window loses nothing.

The server is a real process serving the `gold` policy over HTTP (`sweagent.models.window_server`);
it is killed with SIGKILL while trajectories are under way and started again on the same port. The
run retries on its endpoint's outage clock and finishes with the predictions of an undisturbed run.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.network]

INSTANCES = ("pallets__flask-4992", "pytest-dev__pytest-5103")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serve(port: int) -> subprocess.Popen[str]:
    command = [
        sys.executable, "-m", "sweagent.models.window_server", "--window", "32768", "--policy", "gold",
        "--dataset", "swe-mini", "--port", str(port),
    ]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    assert server.stdout.readline().startswith("http://"), "the model server did not start"
    return server


def _command(run_dir: Path, port: int) -> list[str]:
    return [
        sys.executable, "-m", "sweagent", "run", "--dataset", "swe-mini", "--model", "windowed",
        "--base-url", f"http://127.0.0.1:{port}/v1", "--instances", ",".join(INSTANCES),
        "--samples", "2", "--iterations", "3", "--run-dir", str(run_dir), "-o", "context.prefilter_files=40",
    ]  # fmt: skip


def _predictions(run_dir: Path) -> dict[str, str]:
    rows = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text().splitlines() if line]
    return {row["instance_id"]: row["model_patch"] for row in rows}


def _stop(server: subprocess.Popen[str]) -> None:
    if server.poll() is None:
        server.kill()
    server.wait()
    if server.stdout is not None:
        server.stdout.close()


def test_a_model_server_killed_and_restarted_mid_run_leaves_the_predictions_unchanged(tmp_path: Path) -> None:
    port = _free_port()
    server = _serve(port)
    try:
        reference = subprocess.run(
            _command(tmp_path / "reference", port), capture_output=True, text=True, timeout=1800, check=False
        )
        assert reference.returncode == 0, reference.stderr[-4000:]

        run_dir = tmp_path / "run"
        log = (tmp_path / "run.stderr").open("w")
        process = subprocess.Popen(_command(run_dir, port), stdout=subprocess.DEVNULL, stderr=log)
        deadline = time.monotonic() + 900
        while not list(run_dir.glob("*/trajectories/testing-*.json")) and time.monotonic() < deadline:
            assert process.poll() is None, "the run ended before its model server could be killed"
            time.sleep(0.05)
        os.kill(server.pid, signal.SIGKILL)
        _stop(server)
        time.sleep(3.0)  # the run meets refused connections for a while
        server = _serve(port)
        code = process.wait(timeout=1800)
        log.close()
    finally:
        _stop(server)
    stderr = (tmp_path / "run.stderr").read_text()
    assert code == 0, stderr[-4000:]
    assert f"endpoint http://127.0.0.1:{port}/v1 refused connections" in stderr
    assert _predictions(run_dir) == _predictions(tmp_path / "reference")
    statuses = {
        f"{path.parent.parent.name}/{path.stem}": json.loads(path.read_text())["status"]
        for path in run_dir.glob("*/trajectories/*.json")
    }
    assert set(statuses.values()) == {"done"}, statuses

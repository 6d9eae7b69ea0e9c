"""A model endpoint that dies or never answers ends a run promptly, loudly, with exit code 3.

The retry budget is the endpoint's outage clock, not each call's: a dead server costs one budget
for the whole run, and the console and `run.log` say what is happening while it lasts.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from sweagent.models.loopback import LoopbackChatServer

EXIT_INFRASTRUCTURE = 3


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def silent_server() -> Iterator[str]:
    """A port that accepts connections (the kernel completes the handshake) and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"


def sweagent_run(run_dir: Path, url: str, *options: str) -> subprocess.Popen[str]:
    command = [
        sys.executable, "-m", "sweagent", "run", "--dataset", "swe-mini", "--run-dir", str(run_dir),
        "--model", "tiny", "--base-url", url, *options,
    ]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
@pytest.mark.parametrize("endpoint", ["refused", "silent"])
def test_a_run_against_an_endpoint_that_never_answers_ends_with_exit_3(tmp_path: Path, endpoint: str) -> None:
    """The Done-when of the issue: retry_seconds=30 on swe-mini ends within two minutes, code 3."""
    with silent_server() as silent:
        url = silent if endpoint == "silent" else f"http://127.0.0.1:{closed_port()}/v1"
        started = time.monotonic()
        process = sweagent_run(
            tmp_path / "run", url, "-o", "models.primary.retry_seconds=30",
            "-o", "models.relevance.retry_seconds=30", "-o", "models.primary.timeout=5",
            "-o", "models.relevance.timeout=5",
        )  # fmt: skip
        _, stderr = process.communicate(timeout=180)
        elapsed = time.monotonic() - started
    assert process.returncode == EXIT_INFRASTRUCTURE, stderr
    assert elapsed < 120
    assert f"endpoint {url}" in stderr
    assert "retrying for up to" in stderr
    assert "gave up after the 30 s retry budget" in stderr
    assert "run the same command again to continue" in stderr
    assert " INFO " not in stderr, "INFO records go to run.log only, whoever configured the root logger"
    assert "gave up after the 30 s retry budget" in (tmp_path / "run" / "run.log").read_text()


@pytest.mark.slow
def test_a_server_killed_mid_run_stops_the_run_with_the_cause(tmp_path: Path) -> None:
    """Calls already under way when the server dies share one outage clock: the run stops once it
    runs out (not once per call), naming the endpoint on the console and in run.log."""
    run_dir = tmp_path / "run"
    with LoopbackChatServer(latency=0.2) as server:
        process = sweagent_run(
            run_dir, server.url, "--instances", "pallets__flask-4992", "--stages", "context",
            "-o", "models.primary.retry_seconds=10", "-o", "models.relevance.retry_seconds=10",
            "-o", "models.relevance.max_concurrency=2",
        )  # fmt: skip
        deadline = time.monotonic() + 240
        while server.outcomes["ok"] < 4 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.outcomes["ok"] >= 4, "the run never reached the model"
    killed = time.monotonic()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == EXIT_INFRASTRUCTURE, stderr
    assert time.monotonic() - killed < 60
    assert f"endpoint {server.url} refused connections" in stderr
    assert "retrying for up to" in stderr
    log = (run_dir / "run.log").read_text()
    assert f"endpoint {server.url} refused connections" in log
    assert "run stopped: model tiny is unavailable" in log

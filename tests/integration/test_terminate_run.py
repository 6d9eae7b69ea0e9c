"""SIGTERM stops a run the way Ctrl-C does (saved work kept, usage written) and exits 143.

A background job's Python ignores SIGINT, so scripts and supervisors stop a run with SIGTERM; the
default action would end the process without running a single cleanup.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from signal_runs import signal_when_asked

from sweagent.models.loopback import LoopbackChatServer


@pytest.mark.slow
def test_sigterm_unwinds_the_run_and_exits_143(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    with LoopbackChatServer(latency=2.0) as server:
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
                "context",
                "--run-dir",
                str(run_dir),
                "--model",
                "tiny",
                "--base-url",
                server.url,
                "-o",
                "models.relevance.max_concurrency=1",
            ],  # fmt: skip
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        stderr = signal_when_asked(process, server, signal.SIGTERM)
    assert process.returncode == 143, stderr
    assert (run_dir / "usage.json").is_file()
    assert "run stopped" not in stderr

"""SIGTERM stops a run the way Ctrl-C does (saved work kept, usage written) and exits 143.

A background job's Python ignores SIGINT, so scripts and supervisors stop a run with SIGTERM; the
default action would end the process without running a single cleanup.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

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
        deadline = time.monotonic() + 240
        while server.in_flight == 0 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert server.in_flight > 0, "the run never reached the model"
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert (run_dir / "usage.json").is_file()
    assert "run stopped" not in stderr

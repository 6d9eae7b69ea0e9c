"""A config that cannot fit the served window is refused before work starts, and doctor says why."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sweagent.models.policies import gold
from sweagent.models.window_server import WindowedChatServer


def sweagent(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "sweagent", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def test_run_refuses_an_8k_window_with_4k_replies_before_any_work(tmp_path: Path) -> None:
    with WindowedChatServer(8_192, gold.respond, model="windowed") as server:
        done = sweagent(
            "run", "--dataset", "swe-mini", "--instances", "pallets__flask-4992", "--model", "windowed",
            "--base-url", server.url, "--run-dir", str(tmp_path / "run"),
        )  # fmt: skip
        assert server.outcomes["ok"] == 0  # not one completion was asked for
    assert done.returncode == 2, done.stderr[-2000:]
    assert "does not fit the models' context windows" in done.stderr
    assert "window 8192" in done.stderr
    assert not (tmp_path / "run" / "pallets__flask-4992").exists()


def test_doctor_prints_each_window_and_flags_a_config_that_cannot_fit() -> None:
    with WindowedChatServer(8_192, gold.respond, model="windowed") as server:
        done = sweagent(
            "doctor", "--json", "--model", "windowed", "--base-url", server.url,
            "-o", "models.relevance.name=windowed", "-o", f"models.relevance.base_url={server.url}",
        )  # fmt: skip
    assert done.returncode == 1
    windows = json.loads(done.stdout)["windows"]
    assert windows["primary"]["window"] == 8_192
    assert windows["primary"]["source"] == "server"
    assert any("cannot fit" in problem for problem in windows["problems"])

"""swe-mini through a server that enforces a 32k window (as vLLM does), driven by scripted policies.

The server rejects any prompt that does not fit with vLLM's error text and reports its window in
`/v1/models`; sweagent derives its budgets from it. The whole benchmark completes with no
trajectory ending as `context_exhausted`, and trajectories whose test outputs are long (8 turns)
stay under the window by shortening their older turns.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sweagent.datasets import load_dataset
from sweagent.models.policies import gold, long_outputs
from sweagent.models.window_server import WindowedChatServer

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.network]

MINI = load_dataset("swe-mini").instances
WINDOW = 32_768
LONG = "pallets__flask-4992"


def run(server: WindowedChatServer, run_dir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "sweagent", "run", "--dataset", "swe-mini", "--model", "windowed",
        "--base-url", server.url, "--samples", "1", "--run-dir", str(run_dir),
        "-o", "context.prefilter_files=40", *extra,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=3000, check=False)


def trajectories(run_dir: Path) -> dict[str, dict[str, object]]:
    return {
        f"{path.parent.parent.name}/{path.stem}": json.loads(path.read_text())
        for path in run_dir.glob("*/trajectories/*.json")
    }


def test_the_whole_benchmark_completes_in_a_32k_window(tmp_path: Path) -> None:
    with WindowedChatServer(WINDOW, gold.respond, MINI, model="windowed") as server:
        # Evaluation makes no model call: the window matters up to the selection.
        done = run(server, tmp_path / "run", "--iterations", "2", "--stages", "context,generate,select")
        largest = server.largest_prompt
    assert done.returncode == 0, done.stderr[-4000:]
    assert f"primary {WINDOW} (server)" in done.stderr
    statuses = {name: t["status"] for name, t in trajectories(tmp_path / "run").items()}
    assert "context_exhausted" not in statuses.values(), statuses
    rows = [json.loads(line) for line in (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()]
    assert {row["instance_id"] for row in rows if row["model_patch"]} == {i.instance_id for i in MINI}
    assert largest + 4096 <= WINDOW


def test_long_trajectories_stay_under_the_window_by_shortening_older_turns(tmp_path: Path) -> None:
    with WindowedChatServer(WINDOW, long_outputs.respond, MINI, model="windowed") as server:
        done = run(
            server, tmp_path / "run", "--instances", LONG, "--iterations", "8", "--stages", "context,generate"
        )
        largest = server.largest_prompt
    assert done.returncode == 0, done.stderr[-4000:]
    found = trajectories(tmp_path / "run")
    for kind in ("testing", "editing"):
        trajectory = found[f"{LONG}/{kind}-0"]
        assert trajectory["status"] == "done", trajectory.get("error")
        turns = trajectory["turns"]
        assert isinstance(turns, list)
        assert len(turns) == long_outputs.LAST_REVISION + 2
    # Editing turns show two long outputs each: its last requests only fit with older turns shortened.
    editing = found[f"{LONG}/editing-0"]["turns"]
    assert isinstance(editing, list)
    assert editing[-1]["sent"], "the editing trajectory's last request was not shortened"
    assert any("trimmed to fit the context window" in m["content"] for m in editing[-1]["sent"])
    assert largest + 4096 <= WINDOW

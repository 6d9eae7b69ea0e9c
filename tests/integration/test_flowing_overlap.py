"""Instances flow through the stages: one instance's selection starts while another still generates.

A real `sweagent run` on swe-mini instances, real Docker, with the scripted TEST policy `gold`
served over HTTP by a loopback server that answers each request after a fixed delay. Instances enter
the context stage one at a time (`concurrency=1`), so they reach generation staggered; from the
start and end times each instance records per stage (`stages.jsonl`) the test checks that the
stages overlapped across instances, and that the run still wrote everything a run writes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sweagent.datasets import load_dataset
from sweagent.models.policies import gold
from sweagent.models.window_server import WindowedChatServer
from sweagent.stages import read_stage_times

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.network]

CHOSEN = ("pallets__flask-4992", "pallets__flask-5063", "pytest-dev__pytest-7432")
INSTANCES = load_dataset("swe-mini", instances=list(CHOSEN)).instances
LATENCY = 0.3
"""Seconds the server takes to answer each request."""


def test_one_instances_selection_starts_while_another_still_generates(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    with WindowedChatServer(131_072, gold.respond, INSTANCES, model="delayed", latency=LATENCY) as server:
        command = [
            sys.executable, "-m", "sweagent", "run", "--dataset", "swe-mini", "--instances", ",".join(CHOSEN),
            "--model", "delayed", "--base-url", server.url, "--samples", "2", "--iterations", "2",
            "--stages", "context,generate,select", "--run-dir", str(run_dir),
            "-o", "context.prefilter_files=20", "-o", "concurrency=1", "-o", "flow.order=flowing",
        ]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-4000:]

    times = {iid: {t.stage: t for t in read_stage_times(run_dir, iid)} for iid in CHOSEN}
    for iid, stages in times.items():
        assert set(stages) == {"context", "generate", "select"}, (iid, stages)
        assert stages["context"].finished <= stages["generate"].started <= stages["select"].started, stages
    overlaps = [
        (selecting, generating)
        for selecting in CHOSEN
        for generating in CHOSEN
        if selecting != generating
        and times[generating]["generate"].started
        < times[selecting]["select"].started
        < times[generating]["generate"].finished
    ]
    assert overlaps, {iid: {s: (t.started, t.finished) for s, t in st.items()} for iid, st in times.items()}

    rows = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text().splitlines()]
    assert {row["instance_id"] for row in rows} == set(CHOSEN)
    assert all(row["model_patch"].startswith("diff --git") for row in rows)
    assert set(json.loads((run_dir / "usage.json").read_text())["instances"]) >= set(CHOSEN)

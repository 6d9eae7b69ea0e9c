"""Generation on a real swe-mini instance, graded by the evaluation harness.

`scripted:gold` (a TEST policy, an oracle) writes a reproduction test from the instance's test
patch and the gold fix as edit blocks: its candidate must be graded resolved. The `wrong_fix`
TEST policy keeps the bug: its candidate must be graded unresolved. Both run through `sweagent run`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from docker import DockerClient

from sweagent.datasets import load_dataset
from sweagent.environment import ensure_instance_image, eval_setup_commands, test_command
from sweagent.evaluation import evaluate_instance
from sweagent.pipeline import RunRequest, run_command
from sweagent.records import GenerationResult, Trajectory
from sweagent.store import RunStore

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.network]

INSTANCE_ID = "pallets__flask-4992"
WRONG_FIX = Path(__file__).parents[1] / "policies" / "wrong_fix.py"


def _generate_and_grade(
    run_dir: Path, model: str, client: DockerClient
) -> tuple[GenerationResult, list[str]]:
    request = RunRequest(
        dataset="swe-mini", instances=(INSTANCE_ID,), model=model, samples=2, iterations=3, run_dir=run_dir
    )
    assert run_command(request) == 0
    store = RunStore(run_dir)
    result = store.read(INSTANCE_ID, "candidates.json", GenerationResult)
    instance = load_dataset("swe-mini", instances=[INSTANCE_ID]).get(INSTANCE_ID)
    image = ensure_instance_image(instance, client=client)
    statuses = [
        evaluate_instance(
            instance,
            candidate.patch,
            image=image,
            test_cmd=test_command(instance),
            setup_cmds=eval_setup_commands(instance),
            client=client,
            candidate_id=candidate.id,
            store=store,
        ).status
        for candidate in result.candidates
    ]
    return result, statuses


def test_the_gold_policy_yields_a_resolving_candidate(docker_client: DockerClient, tmp_path: Path) -> None:
    result, statuses = _generate_and_grade(tmp_path / "run", "scripted:gold", docker_client)
    assert statuses == ["resolved"]  # both samples wrote the same fix: one candidate
    assert result.trajectories == dict.fromkeys(["testing-0", "editing-0", "testing-1", "editing-1"], "done")
    testing = RunStore(tmp_path / "run").read(INSTANCE_ID, "trajectories/testing-0.json", Trajectory)
    assert "exited with code 2 (issue present)" in testing.turns[0].observation


def test_a_wrong_fix_yields_an_unresolved_candidate(docker_client: DockerClient, tmp_path: Path) -> None:
    result, statuses = _generate_and_grade(tmp_path / "run", f"scripted:{WRONG_FIX}", docker_client)
    assert statuses == ["unresolved"]
    editing = RunStore(tmp_path / "run").read(INSTANCE_ID, "trajectories/editing-0.json", Trajectory)
    # The trajectory saw its own test still fail on the edited code before it approved.
    assert "On the edited code: the test exited with code 2 (issue present)" in editing.turns[0].observation


def test_run_writes_trajectories_and_candidates_for_every_instance(tmp_path: Path) -> None:
    """Issue 6's done-when, through the real command line."""
    run_dir = tmp_path / "run"
    command = [sys.executable, "-m", "sweagent", "run", "--dataset", "swe-mini", "--model", "scripted:gold"]
    options = ["--samples", "2", "--iterations", "2", "--stages", "context,generate"]
    options += ["--run-dir", str(run_dir)]
    finished = subprocess.run([*command, *options], capture_output=True, text=True, timeout=3600, check=False)
    assert finished.returncode == 0, finished.stderr[-3000:]
    store = RunStore(run_dir)
    for instance in load_dataset("swe-mini").instances:
        iid = instance.instance_id
        for name in ("testing-0", "testing-1", "editing-0", "editing-1"):
            assert store.done(iid, f"trajectories/{name}.json"), (iid, name)
        result = store.read(iid, "candidates.json", GenerationResult)
        assert len(result.candidates) == 1, iid  # the oracle's two samples agree
        assert result.tests, iid
    assert (run_dir / "usage.json").is_file()

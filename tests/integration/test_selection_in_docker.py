"""The test matrix and selectors against real sandboxes of the tiny `repo_image` repository.

pkg/calc.py holds `add(a, b)`; the issue: `add(None, 1)` raises instead of counting None as 0.
Candidates: a correct fix, a wrong one, one that breaks the build, and the correct fix again with
blanks at line ends and another hunk header (the same candidate).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from docker import DockerClient

from sandbox.docker import DockerSandbox, DockerSandboxConfig
from sandbox.pool import SandboxPool
from sandbox.restore import PristineImage
from sweagent.execution.scripts import ScriptRunner
from sweagent.execution.test_matrix import TestMatrixRunner, complete_test_matrix
from sweagent.patches import candidate_id
from sweagent.records import (
    Candidate,
    EvalResult,
    GenerationResult,
    Instance,
    Selection,
    TestMatrix,
    TestScript,
    Trajectory,
    content_id,
)
from sweagent.selection.commands import select_command
from sweagent.selection.stage import RunnerFactory
from sweagent.store import RunStore

pytestmark = pytest.mark.docker

INSTANCE = Instance(
    instance_id="demo__calc-1",
    repo="demo/calc",
    base_commit="0" * 40,
    problem_statement="add(None, 1) raises TypeError; None should count as 0.",
)
HEADER = "diff --git a/pkg/calc.py b/pkg/calc.py\n--- a/pkg/calc.py\n+++ b/pkg/calc.py\n"
CORRECT = HEADER + "@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a + b\n+    return (a or 0) + (b or 0)\n"
VARIANT = CORRECT.replace("(b or 0)\n", "(b or 0)   \n").replace(
    "@@ -1,2 +1,2 @@", "@@ -1,2 +1,2 @@ def add(a, b):"
)
WRONG = CORRECT.replace("(a or 0)", "(a or 5)")
BROKEN = CORRECT.replace("(a or 0) + (b or 0)", "a +")
CANDIDATES = [
    Candidate(id=candidate_id(WRONG), patch=WRONG, source="editing-0"),
    Candidate(id=candidate_id(CORRECT), patch=CORRECT, source="editing-1"),
    Candidate(id=candidate_id(BROKEN), patch=BROKEN, source="editing-2"),
    Candidate(id=content_id(VARIANT), patch=VARIANT, source="import:other"),  # an id of the raw diff
]
REPRO = """import os, sys
sys.path.insert(0, os.getcwd())
from pkg.calc import add
try:
    value = add(None, {x})
except TypeError as err:
    print("issue present:", err)
    sys.exit(2)
print("add(None, {x}) =", value)
sys.exit(0 if value == {x} else 2)
"""
TESTS = [
    TestScript(id="t1", content=REPRO.format(x=1), source="testing-0"),
    TestScript(id="t2", content=REPRO.format(x=7), source="testing-1"),
    TestScript(id="t1-again", content=REPRO.format(x=1) + "\n", source="testing-2"),
    TestScript(id="t3", content="import sys\nsys.exit(3)\n", source="testing-3"),  # broken everywhere
]
POLICY = '''
import re

TEST = """<test>
import os, sys
sys.path.insert(0, os.getcwd())
from pkg.calc import add
try:
    value = add(None, None)
except TypeError:
    sys.exit(2)
sys.exit(0 if value == 0 else 2)
</test>"""


def respond(messages, purpose):
    """TEST POLICY: writes a test, names a wrong id once, then chooses the candidate that passed."""
    if purpose.turn == 0:
        return TEST
    if purpose.turn == 1:
        return "<choose>not-a-candidate</choose>"
    passed = re.findall(r"On candidate (\\w+): the test exited with code 0", messages[-3]["content"])
    return f"<choose>{passed[0]}</choose>"
'''


@pytest.fixture(scope="module")
def pool(docker_client: DockerClient, repo_image: str) -> Iterator[SandboxPool[DockerSandbox]]:
    pristine = PristineImage(docker_client, repo_image)
    config = DockerSandboxConfig(image=repo_image)
    with SandboxPool(lambda: config.build(docker_client, pristine), size=2) as lender:
        yield lender
    pristine.close()


def _run_dir(tmp_path: Path) -> Path:
    store = RunStore(tmp_path)
    generation = GenerationResult(
        instance_id=INSTANCE.instance_id, candidates=tuple(CANDIDATES), tests=tuple(TESTS)
    )
    store.write(INSTANCE.instance_id, "candidates.json", generation)
    store.write(INSTANCE.instance_id, "instance.json", INSTANCE)
    return tmp_path


def _lender(pool: SandboxPool[DockerSandbox]) -> RunnerFactory:
    @contextmanager
    def open_runner(instance: Instance) -> Iterator[ScriptRunner]:
        yield ScriptRunner(pool, timeout=60)

    return open_runner


def test_vote_picks_the_correct_fix_and_the_variant_is_one_candidate(
    pool: SandboxPool[DockerSandbox], tmp_path: Path
) -> None:
    run = _run_dir(tmp_path)
    assert select_command(run, "vote", open_runner=_lender(pool)) == 0
    store = RunStore(run)
    matrix = store.read(INSTANCE.instance_id, "test_matrix.json", TestMatrix)
    correct, wrong, broken = CANDIDATES[1].id, CANDIDATES[0].id, CANDIDATES[2].id
    assert set(matrix.candidates) == {correct, wrong, broken}  # the whitespace variant was deduplicated
    assert matrix.tests == ("t1", "t2", "t3")  # so was the repeated test
    assert matrix.outcomes["original"] == {"t1": "fail", "t2": "fail", "t3": "broken"}
    assert matrix.outcomes[correct] == {"t1": "pass", "t2": "pass", "t3": "broken"}
    assert matrix.outcomes[wrong] == {"t1": "fail", "t2": "fail", "t3": "broken"}
    assert matrix.outcomes[broken] == {"t1": "broken", "t2": "broken", "t3": "broken"}
    selection = store.read(INSTANCE.instance_id, "selection/vote.json", Selection)
    assert selection.candidate_id == correct
    prediction = json.loads((run / "predictions.jsonl").read_text())
    assert prediction["model_patch"] == CORRECT

    # Running again executes nothing: every (row, test) pair is stored.
    runner = TestMatrixRunner(pool, timeout=60)
    again = asyncio.run(complete_test_matrix(store, INSTANCE.instance_id, CANDIDATES, TESTS, runner))
    assert again == matrix
    assert (runner.executions, runner.rows) == (0, 0)
    # A new test runs on every row once, in one sandbox per row, and nothing else does.
    extra = TestScript(id="t4", content="print('hi')\n", source="testing-4")
    grown = asyncio.run(
        complete_test_matrix(store, INSTANCE.instance_id, CANDIDATES, [*TESTS, extra], runner)
    )
    assert (runner.executions, runner.rows) == (4, 4)
    assert all(grown.outcomes[row]["t4"] == "pass" for row in grown.outcomes)


def test_oracle_picks_a_resolving_candidate_from_the_evaluations(
    pool: SandboxPool[DockerSandbox], tmp_path: Path
) -> None:
    run = _run_dir(tmp_path)
    store = RunStore(run)
    for candidate in CANDIDATES[:3]:
        status = "resolved" if candidate.patch == CORRECT else "unresolved"
        result = EvalResult(instance_id=INSTANCE.instance_id, candidate_id=candidate.id, status=status)
        store.write(INSTANCE.instance_id, f"eval/{candidate.id}.json", result)
    assert select_command(run, "oracle", open_runner=_lender(pool)) == 0
    assert (
        store.read(INSTANCE.instance_id, "selection/oracle.json", Selection).candidate_id == CANDIDATES[1].id
    )


def test_the_selection_trajectory_tests_the_top_k_and_recovers_from_a_bad_id(
    pool: SandboxPool[DockerSandbox], tmp_path: Path
) -> None:
    run = _run_dir(tmp_path / "run")
    policy = tmp_path / "policy.py"
    policy.write_text(POLICY, encoding="utf-8")
    overrides = [f"models.primary.name=scripted:{policy}", "selection.top_k=2"]
    spec = "vote-weighted>state-machine"
    assert select_command(run, spec, overrides=overrides, open_runner=_lender(pool)) == 0
    store = RunStore(run)
    selection = store.read(INSTANCE.instance_id, "selection/vote-weighted_state-machine.json", Selection)
    assert (selection.status, selection.candidate_id) == ("selected", CANDIDATES[1].id)
    trajectory = selection.trajectory
    assert isinstance(trajectory, Trajectory)
    assert (trajectory.kind, trajectory.status, trajectory.format_errors) == ("selection", "done", 1)
    assert [turn.action for turn in trajectory.turns] == ["test", "format_error", "choose"]
    observation = trajectory.turns[0].observation
    assert "On the original code: the test exited with code 2" in observation
    assert observation.count("On candidate ") == 2  # only the top-2 of the vote
    assert "names no candidate; the candidates are" in trajectory.turns[1].observation


def test_each_test_has_its_own_timeout_and_tests_after_a_slow_one_still_run(
    pool: SandboxPool[DockerSandbox], tmp_path: Path
) -> None:
    slow = TestScript(id="slow", content="import time\ntime.sleep(30)\n", source="testing-0")
    after = TestScript(
        id="after", content="import sys\nprint('x' * 100000)\nsys.exit(2)\n", source="testing-1"
    )
    runner = TestMatrixRunner(pool, timeout=2)
    started = time.monotonic()
    matrix = asyncio.run(
        complete_test_matrix(RunStore(tmp_path), "i", CANDIDATES[1:2], [slow, after], runner)
    )
    assert time.monotonic() - started < 25
    assert matrix.outcomes["original"] == {"slow": "timeout", "after": "fail"}
    assert matrix.outcomes[CANDIDATES[1].id] == {"slow": "timeout", "after": "fail"}


def test_running_out_of_turns_is_an_explicit_failure_and_a_rerun_resumes_nothing(
    pool: SandboxPool[DockerSandbox], tmp_path: Path
) -> None:
    run = _run_dir(tmp_path / "run")
    policy = tmp_path / "policy.py"
    policy.write_text(
        "def respond(messages, purpose):\n    return '<test>\\nimport sys\\nsys.exit(2)\\n</test>'\n",
        encoding="utf-8",
    )
    overrides = [f"models.primary.name=scripted:{policy}", "selection.iterations=2"]
    assert select_command(run, "state-machine", overrides=overrides, open_runner=_lender(pool)) == 1
    store = RunStore(run)
    selection = store.read(INSTANCE.instance_id, "selection/state-machine.json", Selection)
    assert (selection.status, selection.candidate_id) == ("failed", None)
    assert selection.rationale == "ran out of turns without choosing"
    assert selection.trajectory is not None
    assert selection.trajectory.status == "attempts_exhausted"
    # The finished trajectory is stored: selecting again asks the model nothing (this policy would raise).
    policy.write_text(
        "def respond(messages, purpose):\n    raise RuntimeError('asked again')\n", encoding="utf-8"
    )
    assert select_command(run, "state-machine", overrides=overrides, open_runner=_lender(pool)) == 1
    again = store.read(INSTANCE.instance_id, "selection/state-machine.json", Selection)
    assert again.trajectory == selection.trajectory

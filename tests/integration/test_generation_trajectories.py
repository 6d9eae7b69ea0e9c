"""Testing and editing trajectories against real sandboxes, driven by scripted TEST policies.

The repository is the tiny one of `repo_image` (pkg/calc.py: `add(a, b)`); the issue is that
`add(None, 1)` raises instead of treating None as 0.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from docker import DockerClient

from sandbox.docker import DockerSandbox, DockerSandboxConfig
from sandbox.pool import SandboxPool
from sandbox.restore import PristineImage
from sweagent.agent.trajectory import InstanceSession
from sweagent.config import GenerationConfig
from sweagent.execution.scripts import ScriptRunner
from sweagent.generation.fanout import generate_instance
from sweagent.models.prompt_layout import SharedPrompt
from sweagent.models.protocol import Purpose
from sweagent.models.scripted import ScriptedModel
from sweagent.records import GenerationResult, Instance, Trajectory
from sweagent.store import CANDIDATES_ARTIFACT, RunStore

pytestmark = pytest.mark.docker

INSTANCE = Instance(
    instance_id="demo__calc-1",
    repo="demo/calc",
    base_commit="0" * 40,
    problem_statement="add(None, 1) raises TypeError; None should count as 0.",
)
REPRO = """<test>
import os, sys
sys.path.insert(0, os.getcwd())
from pkg.calc import add
try:
    value = add(None, 1)
except TypeError as err:
    print("issue present:", err)
    sys.exit(2)
print("add(None, 1) =", value)
sys.exit(0 if value == 1 else 1)
</test>"""
FIX = """<edit>
<<<<<<< SEARCH pkg/calc.py
    return a + b
=======
    return (a or 0) + (b or 0)
>>>>>>> REPLACE
</edit>"""
WRONG_FIX = FIX.replace("(a or 0) + (b or 0)", "(a or 5) + (b or 0)")
Policy = Callable[[list[dict[str, str]], Purpose], str]


class Killed(BaseException):
    """Stands for the process dying between two turns."""


@pytest.fixture(scope="module")
def pool(docker_client: DockerClient, repo_image: str) -> Iterator[SandboxPool[DockerSandbox]]:
    pristine = PristineImage(docker_client, repo_image)
    config = DockerSandboxConfig(image=repo_image)
    with SandboxPool(lambda: config.build(docker_client, pristine), size=2) as lender:
        yield lender
    pristine.close()


def _session(
    pool: SandboxPool[DockerSandbox], run_dir: Path, policy: Policy, samples: int = 2
) -> tuple[InstanceSession, ScriptedModel]:
    model = ScriptedModel(policy, name="scripted:test")
    config = GenerationConfig(samples=samples, iterations=6, script_timeout=60)
    session = InstanceSession(
        instance=INSTANCE,
        shared=SharedPrompt(instructions="Fix the issue.", issue=INSTANCE.problem_statement),
        model=model,
        runner=ScriptRunner(pool, timeout=config.script_timeout),
        store=RunStore(run_dir),
        config=config,
    )
    return session, model


def fixing_policy(fix: str) -> Policy:
    """TEST POLICY: writes the reproduction test, approves it, then edits and approves."""

    def respond(messages: list[dict[str, str]], purpose: Purpose) -> str:
        if purpose.turn == 0:
            return REPRO if purpose.stage == "testing" else fix
        return "<done/>"

    return respond


def _run_script_on(pool: SandboxPool[DockerSandbox], script: str, patch: str) -> int | None:
    return ScriptRunner(pool).run(script, patch).exit_code


def test_a_real_fix_becomes_a_candidate_that_passes_its_test(
    pool: SandboxPool[DockerSandbox], tmp_path: Path
) -> None:
    session, model = _session(pool, tmp_path, fixing_policy(FIX))
    result = asyncio.run(generate_instance(session))
    assert result.trajectories == {
        "testing-0": "done",
        "testing-1": "done",
        "editing-0": "done",
        "editing-1": "done",
    }
    assert len(result.candidates) == 1  # both samples wrote the same fix: one candidate
    assert len(result.tests) == 1
    candidate, test = result.candidates[0], result.tests[0]
    assert "+    return (a or 0) + (b or 0)" in candidate.patch
    assert _run_script_on(pool, test.content, "") == 2
    assert _run_script_on(pool, test.content, candidate.patch) == 0
    # The first testing turn of both samples went out as one request with n=2.
    assert model.requests[0].n == 2
    testing = session.store.read(INSTANCE.instance_id, "trajectories/testing-0.json", Trajectory)
    assert "exited with code 2 (issue present)" in testing.turns[0].observation
    editing = session.store.read(INSTANCE.instance_id, "trajectories/editing-1.json", Trajectory)
    assert "On the edited code: the test exited with code 0 (fixed)" in editing.turns[0].observation
    assert session.store.read(INSTANCE.instance_id, CANDIDATES_ARTIFACT, GenerationResult) == result


def test_a_wrong_fix_still_yields_a_candidate_its_test_rejects(
    pool: SandboxPool[DockerSandbox], tmp_path: Path
) -> None:
    session, _ = _session(pool, tmp_path, fixing_policy(WRONG_FIX), samples=1)
    result = asyncio.run(generate_instance(session))
    assert [c.source for c in result.candidates] == ["editing-0"]
    assert _run_script_on(pool, result.tests[0].content, result.candidates[0].patch) == 1


def test_garbage_replies_are_fed_back_and_the_trajectory_recovers(
    pool: SandboxPool[DockerSandbox], tmp_path: Path
) -> None:
    garbage = [
        "I would change calc.py.",  # no action
        "<edit>\n<<<<<<< SEARCH pkg/missing.py\nx\n=======\ny\n>>>>>>> REPLACE\n</edit>",  # no such file
        "<edit>\n<<<<<<< SEARCH pkg/calc.py\n=======\ny\n>>>>>>> REPLACE\n</edit>",  # empty search
        FIX + "\n<done/>",  # two actions
    ]

    def respond(messages: list[dict[str, str]], purpose: Purpose) -> str:
        if purpose.stage == "testing":
            return REPRO if purpose.turn == 0 else "<done/>"
        if purpose.turn < len(garbage):
            return garbage[purpose.turn]
        return FIX if purpose.turn == len(garbage) else "<done/>"

    session, model = _session(pool, tmp_path, respond, samples=1)
    session = InstanceSession(
        **{**session.__dict__, "config": session.config.model_copy(update={"iterations": 8})}
    )
    result = asyncio.run(generate_instance(session))
    editing = session.store.read(INSTANCE.instance_id, "trajectories/editing-0.json", Trajectory)
    assert editing.status == "done"
    assert editing.format_errors == 4
    observations = [turn.observation for turn in editing.turns]
    assert "holds no action" in observations[0]
    assert "the file does not exist" in observations[1]
    assert "SEARCH part is empty but the file exists" in observations[2]
    assert "exactly one action" in observations[3]
    # What the model was told comes back to it in the next request.
    assert "holds no action" in model.requests[-5].messages[-1]["content"]
    assert len(result.candidates) == 1


def test_a_killed_trajectory_resumes_from_its_last_saved_turn(
    pool: SandboxPool[DockerSandbox], tmp_path: Path
) -> None:
    calls: list[tuple[str, int]] = []

    def dying(messages: list[dict[str, str]], purpose: Purpose) -> str:
        calls.append((purpose.stage, purpose.turn))
        if purpose.stage == "editing" and purpose.turn == 1:
            raise Killed
        return fixing_policy(FIX)(messages, purpose)

    session, _ = _session(pool, tmp_path, dying, samples=1)
    with pytest.raises(Killed):
        asyncio.run(generate_instance(session))
    saved = session.store.read(INSTANCE.instance_id, "trajectories/editing-0.json", Trajectory)
    assert (saved.status, len(saved.turns)) == ("running", 1)

    resumed_calls: list[tuple[str, int]] = []

    def recording(messages: list[dict[str, str]], purpose: Purpose) -> str:
        resumed_calls.append((purpose.stage, purpose.turn))
        return fixing_policy(FIX)(messages, purpose)

    session, _ = _session(pool, tmp_path, recording, samples=1)
    result = asyncio.run(generate_instance(session))
    assert resumed_calls == [("editing", 1)]  # the finished testing trajectory and turn 0 are not redone
    final = session.store.read(INSTANCE.instance_id, "trajectories/editing-0.json", Trajectory)
    assert final.status == "done"
    assert final.turns[0] == saved.turns[0]
    assert len(result.candidates) == 1

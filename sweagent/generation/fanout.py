"""Parallel and serial scaling for one instance: N testing trajectories, each seeding an editing one.

Sample i runs testing-i then editing-i (seeded with testing-i's last script); the N samples run
concurrently, bounded by the model client's and the sandbox pool's limits. When no trajectory of the
instance exists yet, the first testing turn of all N goes out as one request with `n=N` (identical
prompts: the server samples N answers from one prefill). The result, `candidates.json`, lists the
distinct candidate diffs and test scripts.
"""

from __future__ import annotations

import asyncio

from sandbox.transient import SandboxFault
from sweagent.agent.observations import describe_run
from sweagent.agent.trajectory import InstanceSession, Reply, messages_for, run_trajectory
from sweagent.engine_faults import engine_down
from sweagent.errors import BudgetExceeded, ContextLengthExceeded, InfrastructureUnavailable, ModelError
from sweagent.generation.editing_state_machine import EditingStateMachine
from sweagent.generation.testing_state_machine import TestingStateMachine
from sweagent.models.protocol import ModelRequest, Purpose
from sweagent.patches import candidate_id
from sweagent.records import Candidate, GenerationResult, TestScript, Trajectory, Usage, content_id
from sweagent.store import CANDIDATES_ARTIFACT, trajectory_artifact

__all__ = ["generate_instance"]


async def generate_instance(session: InstanceSession) -> GenerationResult:
    """Run (or resume) every trajectory of the instance and write `candidates.json`."""
    store, instance_id = session.store, session.instance.instance_id
    stored = store.load(instance_id, CANDIDATES_ARTIFACT, GenerationResult)
    if stored is not None:
        return stored
    samples = session.config.samples
    firsts = await _first_replies(session, samples)
    outcomes = await asyncio.gather(
        *(_sample(session, i, firsts[i]) for i in range(samples)), return_exceptions=True
    )
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            # Raised only once every sample has stopped, so none still uses the sandbox pool.
            raise outcome
    pairs = [o for o in outcomes if not isinstance(o, BaseException)]
    result = _collect(instance_id, pairs)
    store.write(instance_id, CANDIDATES_ARTIFACT, result)
    return result


async def _sample(session: InstanceSession, index: int, first: Reply | None) -> tuple[Trajectory, Trajectory]:
    tester = TestingStateMachine(session)
    testing = await run_trajectory(session, tester, index, first)
    seed = testing.turns[-1].script if testing.turns else None
    output = await _seed_output(session, index, seed, tester)
    editing = await run_trajectory(session, EditingStateMachine(session, seed, output), index)
    return testing, editing


async def _seed_output(
    session: InstanceSession, index: int, seed: str | None, tester: TestingStateMachine
) -> str:
    """The seed script's run on the original code, for the editing trajectory's first message."""
    if seed is None:
        return ""
    if tester.script == seed and tester.last_run:
        return tester.last_run
    artifact = trajectory_artifact("editing", index)
    store, instance_id = session.store, session.instance.instance_id
    stored = store.load(instance_id, artifact, Trajectory)
    if stored is not None and stored.status != "running":
        return ""  # finished: its first message is never sent again
    run = await session.runner.run_async(seed)
    if run.infra_error is not None:  # not an output to show the model: the next run redoes it
        what = f"the seed script of editing {index} of {instance_id}"
        raise engine_down(SandboxFault(run.infra_error), what)
    return describe_run(run, session.runner.timeout, session.config.observation_chars)


async def _first_replies(session: InstanceSession, samples: int) -> list[Reply | None]:
    """The first testing turn of every sample in one `n=samples` request, when all start fresh."""
    none: list[Reply | None] = [None] * samples
    instance_id = session.instance.instance_id
    if samples < 2 or any(
        session.store.done(instance_id, trajectory_artifact("testing", i)) for i in range(samples)
    ):
        return none
    request = ModelRequest(
        messages=tuple(messages_for(session, TestingStateMachine(session), ())),
        purpose=Purpose(stage="testing", instance_id=instance_id, sample=0, turn=0),
        n=samples,
        temperature=session.config.temperature,
        max_tokens=session.max_tokens,
    )
    try:
        response = await session.model.complete(request)
    except InfrastructureUnavailable:
        raise
    except (ModelError, BudgetExceeded, ContextLengthExceeded):
        return none  # each trajectory asks on its own and records what goes wrong
    # The one call's usage is booked on sample 0; the others' first turns cost nothing more.
    return [Reply(text, response.usage if i == 0 else Usage()) for i, text in enumerate(response.choices)]


def _collect(instance_id: str, pairs: list[tuple[Trajectory, Trajectory]]) -> GenerationResult:
    candidates: dict[str, Candidate] = {}
    tests: dict[str, TestScript] = {}
    statuses: dict[str, str] = {}
    for testing, editing in pairs:
        statuses[f"testing-{testing.sample}"] = testing.status
        statuses[f"editing-{editing.sample}"] = editing.status
        last = editing.turns[-1] if editing.turns else None
        patch = last.patch if last else None
        if patch and patch.strip():
            cid = candidate_id(patch)
            candidates.setdefault(cid, Candidate(id=cid, patch=patch, source=f"editing-{editing.sample}"))
        script = (
            last.script if last and last.script else (testing.turns[-1].script if testing.turns else None)
        )
        if script:
            source = f"editing-{editing.sample}" if last and last.script else f"testing-{testing.sample}"
            tid = content_id(script)
            tests.setdefault(tid, TestScript(id=tid, content=script, source=source))
    return GenerationResult(
        instance_id=instance_id,
        candidates=tuple(candidates.values()),
        tests=tuple(tests.values()),
        trajectories=statuses,
    )

"""The selection trajectory: the model writes tests that tell the candidates apart, then names one.

It sees the issue, the original files the candidates touch, their diffs and an example test. Each
`<test>` runs on the original code and on every candidate, and the model reads the outputs; a
`<choose>ID</choose>` naming a candidate ends it. Invalid ids and format errors are fed back by the
shared turn loop (`run_trajectory`), which also saves and resumes the trajectory; running out of
turns is the explicit failure `attempts_exhausted`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import prompts
from sweagent.agent.actions import Action, Choose, WriteTest, parse_reply
from sweagent.agent.observations import describe_run
from sweagent.agent.trajectory import InstanceSession, Step, run_trajectory
from sweagent.config import GenerationConfig
from sweagent.errors import FormatError
from sweagent.execution.scripts import ScriptRunner
from sweagent.models.protocol import Model
from sweagent.records import Candidate, Instance, Selection, Trajectory, Turn, content_id
from sweagent.selection.model_selector import label, labelled, match_candidate, selection_prompt
from sweagent.selection.protocol import Evidence, SelectorContext, failed
from sweagent.store import RunStore

__all__ = ["SelectionStateMachine", "StateMachineSelector", "own_test", "reply_tokens", "trajectory_sample"]


def reply_tokens(max_tokens: int, window: int | None) -> int:
    """The selection's reply size, at most a quarter of the window (the candidates need the rest)."""
    if window is None:
        return max_tokens
    return min(max_tokens, window // 4)


def trajectory_sample(candidates: Sequence[Candidate]) -> int:
    """The trajectory's number: one per set of candidates, so a stored one is resumed only for that set."""
    return int(content_id(",".join(sorted(c.id for c in candidates)), 6), 16)


class SelectionStateMachine:
    """State: the last test written and the chosen candidate (None until `<choose>`)."""

    kind = "selection"

    def __init__(
        self,
        runner: ScriptRunner,
        candidates: Sequence[Candidate],
        example: str | None,
        config: GenerationConfig,
        example_own: bool = False,
    ) -> None:
        self.runner = runner
        self.candidates = list(candidates)
        self.example = example
        self.example_own = example_own
        """The example is the test of the first candidate's own trajectory."""
        self.config = config
        self.script: str | None = None
        self.patch: str | None = None
        self.chosen: str | None = None

    def task(self) -> str:
        listing = prompts.render("selection/candidates", candidates=labelled(self.candidates))
        return prompts.render(
            "selection/task",
            count=len(self.candidates),
            candidates=listing,
            example=self.example or "",
            example_own=self.example_own,
            iterations=self.config.iterations,
        )

    def restore(self, turn: Turn) -> None:
        self.script = turn.script

    async def step(self, action: Action, remaining: int) -> Step:
        if isinstance(action, Choose):
            self.chosen = match_candidate(action.candidate_id, self.candidates).id
            return Step("", finished=True)
        if not isinstance(action, WriteTest):
            msg = f"`{action.kind}` is not an action of the selection stage"
            raise FormatError(msg)
        self.script = action.script
        targets = [
            ("the original code", ""),
            *((f"candidate {label(i)}", c.patch) for i, c in enumerate(self.candidates)),
        ]
        runs = await asyncio.gather(*(self.runner.run_async(action.script, patch) for _, patch in targets))
        described = [
            (label, describe_run(run, self.runner.timeout, self.config.observation_chars))
            for (label, _), run in zip(targets, runs, strict=True)
        ]
        return Step(prompts.render("selection/observation", runs=described, remaining=remaining))


def own_test(candidate: Candidate, evidence: Evidence) -> str | None:
    """The test the trajectory that wrote `candidate` ended with, if any: the selection's example,
    so the model starts from the test the top candidate was made to pass."""
    sample = candidate.source.rpartition("-")[2]
    for source in (f"editing-{sample}", f"testing-{sample}"):
        for test in evidence.tests:
            if test.source == source:
                return test.content
    return None


def _chosen(trajectory: Trajectory, candidates: Sequence[Candidate]) -> str | None:
    """The id the last turn named, for a finished trajectory (also one read back from disk)."""
    if trajectory.status != "done" or not trajectory.turns:
        return None
    action = parse_reply("selection", trajectory.turns[-1].messages[0]["content"])
    return match_candidate(action.candidate_id, candidates).id if isinstance(action, Choose) else None


class StateMachineSelector:
    """Runs the selection trajectory over the candidates it is given (a chain's top-k)."""

    name = "state-machine"
    needs = frozenset({"model", "sandbox"})

    def __init__(self, context: SelectorContext) -> None:
        self.context = context

    async def select(
        self, instance: Instance, candidates: Sequence[Candidate], evidence: Evidence
    ) -> Selection:
        model, runner, store = self.context.model, self.context.runner, self.context.store
        if model is None or runner is None or store is None:
            return failed(self.name, "the selection trajectory needs a model, a sandbox and a run directory")
        trajectory = await self._run(instance, candidates, evidence, model, runner, store)
        chosen = _chosen(trajectory, candidates)
        if chosen is None:
            why = {"attempts_exhausted": "ran out of turns without choosing"}.get(
                trajectory.status, f"trajectory ended with status {trajectory.status}: {trajectory.error}"
            )
            return Selection(
                selector=self.name, candidate_id=None, status="failed", rationale=why, trajectory=trajectory
            )
        return Selection(
            selector=self.name,
            candidate_id=chosen,
            status="selected",
            scores={c.id: float(c.id == chosen) for c in candidates},
            rationale=f"chosen by the selection trajectory after {len(trajectory.turns)} turns",
            trajectory=trajectory,
        )

    async def _run(
        self,
        instance: Instance,
        candidates: Sequence[Candidate],
        evidence: Evidence,
        model: Model,
        runner: ScriptRunner,
        store: RunStore,
    ) -> Trajectory:
        config = GenerationConfig(
            iterations=self.context.config.iterations, temperature=0.0, script_timeout=runner.timeout
        )
        session = InstanceSession(
            instance=instance,
            shared=await selection_prompt(instance, candidates, runner),
            model=model,
            runner=runner,
            store=store,
            config=config,
            max_tokens=reply_tokens(self.context.config.max_tokens, self.context.context_window),
            context_window=self.context.context_window,
            progress=self.context.progress,
        )
        example = own_test(candidates[0], evidence)
        own = example is not None
        if example is None and evidence.tests:
            example = evidence.tests[0].content
        machine = SelectionStateMachine(runner, candidates, example, config, example_own=own)
        return await run_trajectory(session, machine, trajectory_sample(candidates))

"""The editing trajectory: edit the code, run the test on the original and edited code, approve or revise.

It starts from a testing trajectory's script (or none). Each `<edit>` applies on top of the earlier
edits in a pristine sandbox and the trajectory's patch becomes that sandbox's `git diff`, so a
candidate always applies to the base commit. After an edit or a new test, the script runs on the
original and on the edited code at once, in two sandboxes.
"""

from __future__ import annotations

import asyncio

import prompts
from sweagent.errors import FormatError
from sweagent.execution.scripts import ScriptRun
from sweagent.generation.actions import Action, Done, Edit, WriteTest
from sweagent.generation.observations import describe_run
from sweagent.generation.trajectory import InstanceSession, Step
from sweagent.records import Turn

__all__ = ["EditingStateMachine"]


class EditingStateMachine:
    """State: the current script and the current patch (empty until the first edit applies)."""

    kind = "editing"

    def __init__(self, session: InstanceSession, seed_script: str | None) -> None:
        self.session = session
        self.seed_script = seed_script
        self.script: str | None = seed_script
        self.patch: str | None = ""

    def task(self) -> str:
        return prompts.render(
            "editing/task", iterations=self.session.config.iterations, script=self.seed_script or ""
        )

    def restore(self, turn: Turn) -> None:
        self.script, self.patch = turn.script, turn.patch or ""

    async def step(self, action: Action, remaining: int) -> Step:
        if isinstance(action, Done):
            if not (self.patch or "").strip():
                msg = "there is no edit to approve yet; change the code with <edit>...</edit> first"
                raise FormatError(msg)
            return Step("", finished=True)
        if isinstance(action, Edit):
            patch = await self.session.runner.edit_async(self.patch or "", action.blocks)
            if patch == self.patch:
                msg = "the edit changed nothing (the replacement equals the original lines)"
                raise FormatError(msg)
            self.patch = patch
        elif isinstance(action, WriteTest):
            self.script = action.script
        else:
            msg = f"`{action.kind}` is not an action of the editing stage"
            raise FormatError(msg)
        original, edited = await self._run_both()
        return Step(
            prompts.render(
                "editing/observation",
                patch=self.patch or "",
                original=original,
                edited=edited,
                remaining=remaining,
            )
        )

    async def _run_both(self) -> tuple[str, str]:
        """The script's result on the original and the edited code, in words ("" where not run)."""
        if self.script is None:
            return "", ""
        runner, limit = self.session.runner, self.session.config.observation_chars
        runs: list[ScriptRun] = await asyncio.gather(
            runner.run_async(self.script),
            *([runner.run_async(self.script, self.patch)] if self.patch else []),
        )
        described = [describe_run(run, runner.timeout, limit) for run in runs]
        return described[0], described[1] if len(described) > 1 else ""

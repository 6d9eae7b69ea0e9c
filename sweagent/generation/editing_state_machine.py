"""The editing trajectory: edit the code, run the test on the original and edited code, approve or revise.

It starts from a testing trajectory's script (or none), and its first message shows that script's
output on the original code. Each `<edit>` applies to the original code in a pristine sandbox (the
code the model sees and copies SEARCH lines from) and replaces the previous edit; the trajectory's
patch becomes that sandbox's `git diff`, so a candidate always applies to the base commit. After an
edit or a new test, the script runs on the original and on the edited code at once, in two sandboxes.
"""

from __future__ import annotations

import asyncio

import prompts
from sweagent.agent.actions import Action, Done, Edit, WriteTest
from sweagent.agent.observations import describe_run, require_sandbox
from sweagent.agent.trajectory import InstanceSession, Step
from sweagent.errors import FormatError
from sweagent.execution.scripts import ScriptRun
from sweagent.records import Turn

__all__ = ["EditingStateMachine"]


class EditingStateMachine:
    """State: the current script and the current patch (empty until the first edit applies)."""

    kind = "editing"

    def __init__(self, session: InstanceSession, seed_script: str | None, seed_output: str = "") -> None:
        self.session = session
        self.seed_script = seed_script
        self.seed_output = seed_output
        """The seed script's run on the original code, in words (shown in the first message)."""
        self.script: str | None = seed_script
        self.patch: str | None = ""

    def task(self) -> str:
        return prompts.render(
            "editing/task",
            iterations=self.session.config.iterations,
            script=self.seed_script or "",
            seed_output=self.seed_output,
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
            # Applied to the original code: the code the model was shown and copies SEARCH lines from.
            patch = await self.session.runner.edit_async("", action.blocks)
            if not patch.strip():
                msg = "the edit changed nothing (the replacement equals the original lines)"
                raise FormatError(msg)
            if patch == self.patch:
                msg = "the edit is the same as your current edit; revise it or approve it with <done/>"
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
        described = [describe_run(require_sandbox(run), runner.timeout, limit) for run in runs]
        return described[0], described[1] if len(described) > 1 else ""

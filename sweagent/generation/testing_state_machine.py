"""The testing trajectory: write a reproduction test, run it on the original code, approve or revise."""

from __future__ import annotations

import prompts
from sweagent.agent.actions import Action, Done, WriteTest
from sweagent.agent.observations import describe_run, require_sandbox
from sweagent.agent.trajectory import InstanceSession, Step
from sweagent.errors import FormatError
from sweagent.records import Turn

__all__ = ["TestingStateMachine"]


class TestingStateMachine:
    """State: the current script. `<test>` runs it on the original code; `<done/>` approves it."""

    __test__ = False  # not a pytest class
    kind = "testing"

    def __init__(self, session: InstanceSession) -> None:
        self.session = session
        self.script: str | None = None
        self.patch: str | None = None
        self.last_run = ""
        """The current script's run on the original code, in words ("" until one ran here)."""

    def task(self) -> str:
        return prompts.render("testing/task", attempts=self.session.config.iterations)

    def restore(self, turn: Turn) -> None:
        self.script = turn.script

    async def step(self, action: Action, remaining: int) -> Step:
        if isinstance(action, Done):
            if self.script is None:
                msg = "there is no test to approve yet; write one with <test>SCRIPT</test>"
                raise FormatError(msg)
            return Step("", finished=True)
        if not isinstance(action, WriteTest):  # the grammar of the stage allows nothing else
            msg = f"`{action.kind}` is not an action of the testing stage"
            raise FormatError(msg)
        self.script = action.script
        config = self.session.config
        run = require_sandbox(await self.session.runner.run_async(action.script))
        described = describe_run(run, self.session.runner.timeout, config.observation_chars)
        self.last_run = described
        observation = prompts.render(
            "testing/observation", run="On the original code, " + described, remaining=remaining
        )
        return Step(observation)

"""The turn loop every trajectory shares (testing, editing, selection): ask, parse, act, observe, save.

A state machine (testing, editing) only says what an action does; this loop owns the rest:
building the messages (the shared prefix first), calling the model with the turn's purpose,
feeding format errors back (and counting them), saving the trajectory after every turn, resuming
from the last saved turn, and ending with an explicit status.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import prompts
from sandbox.errors import SandboxError
from sandbox.transient import is_transient
from sweagent.agent.actions import Action, parse_reply
from sweagent.agent.history import estimate_tokens, fit_history, request_limit, shrink_limit
from sweagent.config import GenerationConfig
from sweagent.engine_faults import engine_down
from sweagent.errors import (
    BudgetExceeded,
    ContextLengthExceeded,
    FormatError,
    InfrastructureUnavailable,
    ModelError,
)
from sweagent.execution.scripts import PatchFailed, ScriptRunner
from sweagent.models.prompt_layout import SharedPrompt, layout_messages
from sweagent.models.protocol import Message, Model, ModelRequest, Purpose
from sweagent.progress import RunProgress
from sweagent.records import Instance, Trajectory, TrajectoryStatus, Turn, Usage
from sweagent.store import RunStore, trajectory_artifact

__all__ = ["InstanceSession", "Reply", "StateMachine", "Step", "run_trajectory"]

DEFAULT_MAX_TOKENS = 4096
"""The reply size assumed when the session names none (the endpoint's default)."""
RESENDS = 2
"""Times a request rejected as too long is fitted again to the server's own count."""

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InstanceSession:
    """What every trajectory of one instance works with."""

    instance: Instance
    """The issue being solved."""
    shared: SharedPrompt
    """The prompt every trajectory starts with (issue and context), the same bytes for prefix caching."""
    model: Model
    """Where the turns are sent."""
    runner: ScriptRunner
    """Runs a trajectory's edits and tests in the instance's sandboxes."""
    store: RunStore
    """Where each trajectory's turns are saved as they happen, so a run resumes from them."""
    config: GenerationConfig
    """Samples, iterations and the turn limits."""
    max_tokens: int | None = None
    """Completion tokens per model call (None: the model's own setting)."""
    context_window: int | None = None
    """The model's window: older turns are shortened to fit it (None: sent in full)."""
    progress: RunProgress | None = None
    """Told when each trajectory starts and ends (None: nobody watches)."""


@dataclass(frozen=True)
class Step:
    """What an action did: the observation shown to the model, and whether the trajectory is over."""

    observation: str
    finished: bool = False


@dataclass(frozen=True)
class Reply:
    """A reply obtained before the loop started (the first turn of `n` samples in one request)."""

    text: str
    usage: Usage
    sent: tuple[Message, ...] = ()
    """The earlier turns as sent, when they were shortened to fit the window."""


class StateMachine(Protocol):
    """The stage-specific part of a trajectory."""

    kind: str
    script: str | None
    patch: str | None

    def task(self) -> str:
        """The first user message: this trajectory's task, after the shared prefix."""
        ...

    def restore(self, turn: Turn) -> None:
        """Take the state recorded after `turn` (resuming a saved trajectory)."""
        ...

    async def step(self, action: Action, remaining: int) -> Step:
        """Carry out `action`; raise FormatError when it cannot be (fed back to the model)."""
        ...


async def run_trajectory(
    session: InstanceSession, machine: StateMachine, sample: int, first: Reply | None = None
) -> Trajectory:
    """Run (or resume, or return if finished) trajectory `sample` of `machine.kind` to its end."""
    instance_id = session.instance.instance_id
    artifact = trajectory_artifact(machine.kind, sample)
    stored = session.store.load(instance_id, artifact, Trajectory)
    if stored is not None:
        trajectory = stored
        if trajectory.status != "running":
            return trajectory
        if trajectory.turns:
            machine.restore(trajectory.turns[-1])
            first = None
    else:
        trajectory = Trajectory(kind=machine.kind, instance_id=instance_id, sample=sample)
    progress = session.progress or RunProgress()
    name = f"{machine.kind}-{sample}"
    progress.trajectory_started(instance_id, name)
    status = "stopped"
    try:
        trajectory = await _run_turns(session, machine, sample, trajectory, first)
        status = trajectory.status
    finally:
        progress.trajectory_finished(instance_id, name, status)
    logger.info(
        "%s %s: %s after %d turn(s)%s",
        instance_id,
        name,
        status,
        len(trajectory.turns),
        f" ({trajectory.error})" if trajectory.error else "",
    )
    return trajectory


async def _run_turns(
    session: InstanceSession, machine: StateMachine, sample: int, trajectory: Trajectory, first: Reply | None
) -> Trajectory:
    """Turns until the trajectory ends or runs out of them; saved after each."""
    instance_id = session.instance.instance_id
    artifact = trajectory_artifact(machine.kind, sample)
    limit = session.config.iterations
    while len(trajectory.turns) < limit:
        number = len(trajectory.turns)
        try:
            reply = first or await _ask(session, machine, trajectory.turns, sample, number)
        except ContextLengthExceeded as err:
            return _finish(session, trajectory, artifact, "context_exhausted", str(err))
        except BudgetExceeded as err:
            return _finish(session, trajectory, artifact, "budget", str(err))
        except InfrastructureUnavailable:
            raise  # the run stops; the turns saved so far are continued by the next run
        except ModelError as err:
            return _finish(session, trajectory, artifact, "error", f"model: {err}")
        first = None
        remaining = limit - number - 1
        try:
            action = parse_reply(machine.kind, reply.text)
            step = await machine.step(action, remaining)
            kind: str = action.kind
        except FormatError as err:
            step = Step(prompts.render("generation/format_error", error=str(err), remaining=remaining))
            kind = "format_error"
        except (SandboxError, PatchFailed, OSError) as err:
            if is_transient(err):  # the engine's fault, not the trajectory's: the next run continues it
                raise engine_down(err, f"{machine.kind} trajectory {sample} of {instance_id}") from err
            return _finish(session, trajectory, artifact, "error", f"sandbox: {err}")
        messages: list[Message] = [{"role": "assistant", "content": reply.text}]
        if not step.finished:
            messages.append({"role": "user", "content": step.observation})
        turn = Turn(
            messages=tuple(messages),
            action=kind,
            observation=step.observation,
            usage=reply.usage,
            script=machine.script,
            patch=machine.patch,
            sent=reply.sent,
        )
        trajectory = trajectory.model_copy(
            update={
                "turns": (*trajectory.turns, turn),
                "usage": trajectory.usage + reply.usage,
                "format_errors": trajectory.format_errors + (kind == "format_error"),
            }
        )
        if step.finished:
            return _finish(session, trajectory, artifact, "done")
        session.store.write(instance_id, artifact, trajectory)
    return _finish(session, trajectory, artifact, "attempts_exhausted")


def messages_for(session: InstanceSession, machine: StateMachine, turns: Sequence[Turn]) -> list[Message]:
    """The conversation sent for the next turn: shared prefix, task, then every earlier turn."""
    history = [message for turn in turns for message in turn.messages]
    return layout_messages(session.shared, machine.task(), history)


async def _ask(
    session: InstanceSession, machine: StateMachine, turns: Sequence[Turn], sample: int, number: int
) -> Reply:
    messages = messages_for(session, machine, turns)
    head, history = messages[:2], messages[2:]
    window = session.context_window if session.config.trim_history else None
    limit = request_limit(window, session.max_tokens or DEFAULT_MAX_TOKENS) if window else 0
    rejected = 0
    while True:
        sent = fit_history(head, history, limit) if window else history
        request = ModelRequest(
            messages=(*head, *sent),
            purpose=Purpose(
                stage=machine.kind, instance_id=session.instance.instance_id, sample=sample, turn=number
            ),
            temperature=session.config.temperature,
            max_tokens=session.max_tokens,
        )
        try:
            response = await session.model.complete(request)
        except ContextLengthExceeded as err:
            rejected += 1
            if not window or rejected > RESENDS:
                raise
            # The server counts more tokens than the estimate: fit again to what it says.
            limit = shrink_limit(limit, estimate_tokens(request.messages), err)
        else:
            shortened = tuple(sent) if sent != history else ()
            return Reply(text=response.choices[0], usage=response.usage, sent=shortened)


def _finish(
    session: InstanceSession,
    trajectory: Trajectory,
    artifact: str,
    status: TrajectoryStatus,
    error: str | None = None,
) -> Trajectory:
    final = trajectory.model_copy(update={"status": status, "error": error})
    session.store.write(session.instance.instance_id, artifact, final)
    return final

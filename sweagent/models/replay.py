"""`ReplayModel` (`replay:RUN_DIR`): a TEST TOOL answering from a run directory's stored trajectories.

Testing, editing and selection calls get the assistant message the stored trajectory holds for
(instance, kind, sample, turn). The relevance scan and the ranking, which keep no trajectory, are
rebuilt from the stored context.json: a file in the context is `Relevant` with its summary, any
other file `Not Relevant`, and the ranking is the context's file order. Anything else is an error.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from sweagent.errors import ReplayNotFound, StoreError
from sweagent.models.protocol import ModelRequest, ModelResponse, Purpose
from sweagent.models.scripted import estimate_tokens
from sweagent.records import Context, Selection, Trajectory, Usage
from sweagent.store import CONTEXT_ARTIFACT, RunStore, trajectory_artifact

__all__ = ["ReplayModel"]

_TRAJECTORY_STAGES = ("testing", "editing", "selection")


class ReplayModel:
    """TEST TOOL: replays a stored run; raises ReplayNotFound naming what it looked for."""

    def __init__(self, run_dir: Path) -> None:
        if not run_dir.is_dir():
            msg = f"replay: run directory {run_dir} does not exist"
            raise ReplayNotFound(msg)
        self.name = f"replay:{run_dir}"
        self.store = RunStore(run_dir)
        self._trajectories: dict[tuple[str, str, int], Trajectory] = {}

    async def complete(self, request: ModelRequest) -> ModelResponse:
        started = time.perf_counter()
        purposes = [request.purpose.for_sample(i) for i in range(request.n)]
        choices = tuple(self.reply(p) for p in purposes)
        usage = Usage(
            prompt_tokens=sum(estimate_tokens(m.get("content", "")) for m in request.messages),
            completion_tokens=sum(estimate_tokens(c) for c in choices),
            calls=1,
            seconds=time.perf_counter() - started,
        )
        return ModelResponse(choices=choices, usage=usage, finish_reasons=("stop",) * len(choices))

    def reply(self, purpose: Purpose) -> str:
        """The stored reply for one sample."""
        if purpose.stage in _TRAJECTORY_STAGES:
            return self._turn_reply(purpose)
        if purpose.stage in ("relevance", "ranking"):
            return self._context_reply(purpose)
        msg = f"replay: stage {purpose.stage!r} keeps no stored replies (instance {purpose.instance_id!r})"
        raise ReplayNotFound(msg)

    def _turn_reply(self, purpose: Purpose) -> str:
        trajectory = self._trajectory(purpose.instance_id, purpose.stage, purpose.sample)
        where = f"{purpose.stage}-{purpose.sample} of instance {purpose.instance_id!r} in {self.store.root}"
        if purpose.turn >= len(trajectory.turns):
            msg = f"replay: {where} has {len(trajectory.turns)} turns, no turn {purpose.turn}"
            raise ReplayNotFound(msg)
        for message in trajectory.turns[purpose.turn].messages:
            if message.get("role") == "assistant":
                return message.get("content", "")
        msg = f"replay: turn {purpose.turn} of {where} holds no assistant message"
        raise ReplayNotFound(msg)

    def _trajectory(self, instance_id: str, kind: str, sample: int) -> Trajectory:
        key = (instance_id, kind, sample)
        if key not in self._trajectories:
            self._trajectories[key] = self._load_trajectory(instance_id, kind, sample)
        return self._trajectories[key]

    def _load_trajectory(self, instance_id: str, kind: str, sample: int) -> Trajectory:
        artifact = trajectory_artifact(kind, sample)
        if self.store.done(instance_id, artifact):
            return self.store.read(instance_id, artifact, Trajectory)
        if kind == "selection":
            found = self._selection_trajectories(instance_id, sample)
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                msg = f"replay: several selection trajectories with sample {sample} for {instance_id!r}"
                raise ReplayNotFound(msg)
        msg = f"replay: no stored trajectory {self.store.path(instance_id, artifact)}"
        raise ReplayNotFound(msg)

    def _selection_trajectories(self, instance_id: str, sample: int) -> list[Trajectory]:
        found = []
        for path in sorted(self.store.path(instance_id, "selection").glob("*.json")):
            try:
                selection = Selection.model_validate_json(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as err:
                msg = f"replay: cannot read {path} as Selection: {err}"
                raise StoreError(msg) from err
            if selection.trajectory is not None and selection.trajectory.sample == sample:
                found.append(selection.trajectory)
        return found

    def _context_reply(self, purpose: Purpose) -> str:
        if not self.store.done(purpose.instance_id, CONTEXT_ARTIFACT):
            path = self.store.path(purpose.instance_id, CONTEXT_ARTIFACT)
            msg = f"replay: no stored {path} to replay the {purpose.stage} stage from"
            raise ReplayNotFound(msg)
        context = self.store.read(purpose.instance_id, CONTEXT_ARTIFACT, Context)
        if purpose.stage == "ranking":
            paths = json.dumps([f.path for f in context.files], indent=1)
            return f"```json\n{paths}\n```"
        if purpose.file is None:
            msg = f"replay: a relevance call for {purpose.instance_id!r} names no file"
            raise ReplayNotFound(msg)
        for file in context.files:
            if file.path == purpose.file:
                return f"RELEVANCE: Relevant\nSUMMARY: {file.summary or file.path}"
        return "RELEVANCE: Not Relevant"

    async def close(self) -> None:
        return None

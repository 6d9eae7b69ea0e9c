"""What a run has done so far: instances per stage, trajectories, usage, elapsed time.

Stages report events into a `RunProgress` and never print; renderers (`sweagent.progress.plain`,
`sweagent.progress.live`) subscribe to it and decide what the user sees. Events may come from the
event loop and from worker threads alike.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeVar

from sweagent.logs import instance_scope
from sweagent.records import Instance, Usage

__all__ = [
    "Listener",
    "ProgressEvent",
    "ProgressSnapshot",
    "RunProgress",
    "StageCounts",
    "StageWork",
    "outcome_summary",
]

logger = logging.getLogger(__name__)

EventKind = Literal["stage_started", "stage_finished", "trajectory_started", "trajectory_finished", "note"]


@dataclass(frozen=True)
class StageCounts:
    """Instances of one stage by state; `waiting` leaves out those that failed an earlier stage."""

    waiting: int = 0
    running: int = 0
    done: int = 0
    failed: int = 0


@dataclass(frozen=True)
class ProgressSnapshot:
    """The whole run at one moment."""

    stages: dict[str, StageCounts]
    running: tuple[tuple[str, str], ...]
    """(instance id, stage) of the instances being worked on, in the order they started."""
    trajectories_running: int
    trajectories_finished: int
    usage: Usage
    elapsed: float
    """Seconds since the progress was created."""


@dataclass(frozen=True)
class ProgressEvent:
    """One thing that happened; `text` is the note, or a stage outcome's or trajectory's summary."""

    kind: EventKind
    instance_id: str = ""
    stage: str = ""
    status: str = ""
    text: str = ""


class Listener(Protocol):
    def __call__(self, event: ProgressEvent, snapshot: ProgressSnapshot) -> None: ...


class _Outcome(Protocol):
    @property
    def status(self) -> str: ...


_O = TypeVar("_O", bound=_Outcome)


@dataclass
class StageWork:
    """Filled in by the code inside `RunProgress.working` with how the instance's stage ended."""

    status: str = "done"
    summary: str = ""

    def finish(self, outcome: _Outcome) -> None:
        """Take the status and a one-line summary from a stage's outcome record."""
        self.status = outcome.status
        self.summary = outcome_summary(outcome)


def outcome_summary(outcome: object) -> str:
    """`files=3  recall=1.00  ...`: the fields of a stage outcome worth a glance."""
    shown = ("files", "candidates", "tests", "resolved", "chosen")
    parts = [f"{name}={getattr(outcome, name)}" for name in shown if hasattr(outcome, name)]
    recall = getattr(outcome, "recall", None)
    if recall is not None:
        parts.append(f"recall={recall:.2f}")
    detail = getattr(outcome, "detail", "")
    if detail:
        parts.append(str(detail)[:300])
    return "  ".join(parts)


@dataclass
class _Stage:
    running: set[str] = field(default_factory=set)
    done: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)


class RunProgress:
    """Counts of a run's work, fed by `stage_started`/`stage_finished`/`trajectory_*` and `note`."""

    def __init__(
        self,
        instance_ids: Sequence[str] = (),
        stages: Sequence[str] = (),
        *,
        usage: Callable[[], Usage] = Usage,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.instance_ids = tuple(instance_ids)
        self._stages = {stage: _Stage() for stage in stages}
        self._usage = usage
        self._clock = clock
        self._started = clock()
        self._running: dict[tuple[str, str], None] = {}
        self._trajectories: set[tuple[str, str]] = set()
        self._trajectories_finished = 0
        self._listeners: list[Listener] = []
        self._state = threading.Lock()
        # Listeners are told in event order; the live display's refresh thread never takes this lock.
        self._telling = threading.RLock()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` after every event; returns the function that unsubscribes it."""
        with self._telling:
            self._listeners.append(listener)
        return lambda: self._unsubscribe(listener)

    def stage_started(self, instance_id: str, stage: str) -> None:
        def change() -> None:
            self._stage(stage).running.add(instance_id)
            self._running[(instance_id, stage)] = None

        self._event(ProgressEvent("stage_started", instance_id, stage), change)

    def stage_finished(
        self, instance_id: str, stage: str, *, ok: bool, status: str = "", summary: str = ""
    ) -> None:
        def change() -> None:
            entry = self._stage(stage)
            entry.running.discard(instance_id)
            (entry.done if ok else entry.failed).add(instance_id)
            self._running.pop((instance_id, stage), None)

        status = status or ("done" if ok else "error")
        self._event(ProgressEvent("stage_finished", instance_id, stage, status, summary), change)

    def trajectory_started(self, instance_id: str, name: str) -> None:
        self._event(
            ProgressEvent("trajectory_started", instance_id, text=name),
            lambda: self._trajectories.add((instance_id, name)),
        )

    def trajectory_finished(self, instance_id: str, name: str, status: str) -> None:
        def change() -> None:
            self._trajectories.discard((instance_id, name))
            self._trajectories_finished += 1

        self._event(ProgressEvent("trajectory_finished", instance_id, status=status, text=name), change)

    def note(self, text: str) -> None:
        """Something the user should read (renderers print it as a line of its own)."""
        self._event(ProgressEvent("note", text=text), lambda: None)

    @contextmanager
    def working(self, instance_id: str, stage: str) -> Iterator[StageWork]:
        """Report the instance's stage as running inside the block, logging into its `instance.log`;
        the block calls `work.finish(outcome)`. An exception ends it as failed and goes on."""
        work = StageWork()
        with instance_scope(instance_id):
            logger.info("stage %s: %s started", stage, instance_id)
            self.stage_started(instance_id, stage)
            try:
                yield work
            except BaseException as err:
                summary = f"stopped: {type(err).__name__}: {err}"[:300]
                logger.info("stage %s: %s %s", stage, instance_id, summary)
                self.stage_finished(instance_id, stage, ok=False, status="stopped", summary=summary)
                raise
            logger.info("stage %s: %s %s %s", stage, instance_id, work.status, work.summary)
            ok = work.status != "error"
            self.stage_finished(instance_id, stage, ok=ok, status=work.status, summary=work.summary)

    async def each(
        self,
        stage: str,
        instances: Sequence[Instance],
        work: Callable[[Instance], Awaitable[_O]],
        concurrency: int,
    ) -> list[_O]:
        """`work` on every instance, `concurrency` at a time, each reported as `working` on `stage`."""
        limit = asyncio.Semaphore(concurrency)

        async def bounded(instance: Instance) -> _O:
            async with limit:
                with self.working(instance.instance_id, stage) as shown:
                    outcome = await work(instance)
                    shown.finish(outcome)
                return outcome

        return list(await asyncio.gather(*(bounded(instance) for instance in instances)))

    def snapshot(self) -> ProgressSnapshot:
        with self._state:
            return self._snapshot()

    def _snapshot(self) -> ProgressSnapshot:
        failed_before: set[str] = set()
        counts = {}
        for name, stage in self._stages.items():
            started = stage.running | stage.done | stage.failed
            waiting = sum(1 for iid in self.instance_ids if iid not in started and iid not in failed_before)
            counts[name] = StageCounts(waiting, len(stage.running), len(stage.done), len(stage.failed))
            failed_before |= stage.failed
        return ProgressSnapshot(
            stages=counts,
            running=tuple(self._running),
            trajectories_running=len(self._trajectories),
            trajectories_finished=self._trajectories_finished,
            usage=self._usage(),
            elapsed=self._clock() - self._started,
        )

    def _stage(self, stage: str) -> _Stage:
        return self._stages.setdefault(stage, _Stage())

    def _event(self, event: ProgressEvent, change: Callable[[], None]) -> None:
        with self._telling:
            with self._state:
                change()
                snapshot = self._snapshot()
            for listener in list(self._listeners):
                listener(event, snapshot)

    def _unsubscribe(self, listener: Listener) -> None:
        with self._telling:
            if listener in self._listeners:
                self._listeners.remove(listener)

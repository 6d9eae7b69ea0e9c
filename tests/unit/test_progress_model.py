"""The progress model counts instances per stage, trajectories and usage from the events stages
report; an instance that failed a stage no longer waits for the later ones."""

from __future__ import annotations

import threading

import pytest

from sweagent.progress import RunProgress, StageCounts
from sweagent.progress.model import ProgressEvent, ProgressSnapshot
from sweagent.records import Usage

STAGES = ("context", "generate", "select", "evaluate")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_counts_follow_a_sequence_of_events() -> None:
    clock = Clock()
    spent = Usage(prompt_tokens=1200, completion_tokens=300, calls=3, cost=0.25)
    progress = RunProgress(["a", "b", "c"], STAGES, usage=lambda: spent, clock=clock)
    progress.stage_started("a", "context")
    progress.stage_started("b", "context")
    progress.stage_finished("a", "context", ok=True)
    progress.stage_finished("b", "context", ok=False)
    progress.stage_started("a", "generate")
    progress.trajectory_started("a", "testing-0")
    progress.trajectory_started("a", "testing-1")
    progress.trajectory_finished("a", "testing-0", "done")
    clock.now = 165.0

    snapshot = progress.snapshot()

    assert snapshot.stages == {
        "context": StageCounts(waiting=1, running=0, done=1, failed=1),
        "generate": StageCounts(waiting=1, running=1, done=0, failed=0),  # b failed: it never waits
        "select": StageCounts(waiting=2),
        "evaluate": StageCounts(waiting=2),
    }
    assert snapshot.running == (("a", "generate"),)
    assert (snapshot.trajectories_running, snapshot.trajectories_finished) == (1, 1)
    assert snapshot.usage == spent
    assert snapshot.elapsed == 65.0


def test_working_reports_the_outcome_and_an_exception_as_a_failure() -> None:
    class Outcome:
        status = "skipped"
        files = 3
        detail = "context.json exists"

    progress = RunProgress(["a", "b"], ["context"])
    events: list[ProgressEvent] = []
    progress.subscribe(lambda event, snapshot: events.append(event))
    with progress.working("a", "context") as work:
        work.finish(Outcome())
    message = "engine gone"
    with pytest.raises(RuntimeError, match=message), progress.working("b", "context"):
        raise RuntimeError(message)

    assert progress.snapshot().stages["context"] == StageCounts(waiting=0, running=0, done=1, failed=1)
    finished = [e for e in events if e.kind == "stage_finished"]
    assert [(e.instance_id, e.status) for e in finished] == [("a", "skipped"), ("b", "stopped")]
    assert finished[0].text == "files=3  context.json exists"
    assert "engine gone" in finished[1].text


def test_an_error_outcome_counts_as_failed() -> None:
    class Outcome:
        status = "error"
        detail = "sandbox: image did not build"

    progress = RunProgress(["a"], ["generate"])
    with progress.working("a", "generate") as work:
        work.finish(Outcome())
    assert progress.snapshot().stages["generate"].failed == 1


def test_listeners_see_the_counts_after_their_event_and_can_unsubscribe() -> None:
    progress = RunProgress(["a"], ["context"])
    seen: list[tuple[str, ProgressSnapshot]] = []
    unsubscribe = progress.subscribe(lambda event, snapshot: seen.append((event.kind, snapshot)))
    progress.stage_started("a", "context")
    unsubscribe()
    progress.stage_finished("a", "context", ok=True)
    assert [kind for kind, _ in seen] == ["stage_started"]
    assert seen[0][1].stages["context"].running == 1


def test_events_from_many_threads_all_count() -> None:
    ids = [f"i{n}" for n in range(200)]
    progress = RunProgress(ids, ["evaluate"])

    def work(iid: str) -> None:
        with progress.working(iid, "evaluate") as ticket:
            ticket.status = "done"

    threads = [threading.Thread(target=work, args=(iid,)) for iid in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert progress.snapshot().stages["evaluate"] == StageCounts(done=200)

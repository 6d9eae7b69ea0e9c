"""The pieces of the flowing order that need no engine: stage timings, side-by-side work, results.json."""

from __future__ import annotations

import asyncio
from itertools import count
from pathlib import Path

import pytest

from sweagent.config import RunConfig
from sweagent.evaluation.results import read_results
from sweagent.evaluation.stage import record_results
from sweagent.progress import RunProgress
from sweagent.records import EvalResult, TestCount
from sweagent.stages import STAGE_TIMES_FILE, read_stage_times
from sweagent.stages.flowing import _all
from sweagent.stages.slots import PrioritySlots
from sweagent.stages.timing import record_stage_times


def test_each_finished_stage_is_appended_to_the_instances_stages_file(tmp_path: Path) -> None:
    ticks = count(100)
    progress = RunProgress(["a", "b"], ["context", "generate"])
    stop = record_stage_times(progress, tmp_path, clock=lambda: float(next(ticks)))
    progress.stage_started("a", "context")  # 100
    progress.stage_started("b", "context")  # 101
    progress.stage_finished("a", "context", ok=True, status="done")  # 102
    progress.stage_started("a", "generate")  # 103
    progress.stage_finished("b", "context", ok=False)  # 104
    progress.stage_finished("a", "generate", ok=True, status="skipped")  # 105
    stop()
    progress.stage_started("b", "generate")
    progress.stage_finished("b", "generate", ok=True)
    a = [(t.stage, t.started, t.finished, t.status) for t in read_stage_times(tmp_path, "a")]
    assert a == [("context", 100.0, 102.0, "done"), ("generate", 103.0, 105.0, "skipped")]
    b = [(t.stage, t.started, t.finished, t.status) for t in read_stage_times(tmp_path, "b")]
    assert b == [("context", 101.0, 104.0, "error")]  # nothing after the listener was removed


def test_a_line_cut_short_is_left_out_when_reading_stage_times(tmp_path: Path) -> None:
    path = tmp_path / "a" / STAGE_TIMES_FILE
    path.parent.mkdir()
    whole = '{"stage": "context", "started": 1.0, "finished": 2.0, "status": "done"}\n'
    path.write_text(whole + '{"stage": "gener')
    assert [t.stage for t in read_stage_times(tmp_path, "a")] == ["context"]
    assert read_stage_times(tmp_path, "missing") == []


def test_the_first_failure_among_side_by_side_work_cancels_the_rest_and_is_raised() -> None:
    finished: list[str] = []
    cancelled: list[str] = []

    async def slow(name: str) -> None:
        try:
            await asyncio.sleep(30)
            finished.append(name)
        except asyncio.CancelledError:
            cancelled.append(name)
            raise

    async def failing() -> None:
        await asyncio.sleep(0.01)
        msg = "engine gone"
        raise OSError(msg)

    async def quick() -> None:
        finished.append("quick")

    with pytest.raises(OSError, match="engine gone"):
        asyncio.run(_all([slow("one"), quick(), failing(), slow("two")]))
    assert finished == ["quick"]
    assert sorted(cancelled) == ["one", "two"]


def test_results_of_one_instance_replace_only_its_own_entry(tmp_path: Path) -> None:
    def graded(iid: str, status: str) -> EvalResult:
        return EvalResult(
            instance_id=iid,
            candidate_id="c1",
            status=status,  # type: ignore[arg-type]
            fail_to_pass=TestCount(total=1, passed=1 if status == "resolved" else 0),
            pass_to_pass=TestCount(),
        )

    record_results(tmp_path, ["a"], [graded("a", "unresolved")])
    record_results(tmp_path, ["b"], [graded("b", "resolved")])
    record_results(tmp_path, ["a"], [graded("a", "resolved")])
    record_results(tmp_path, ["c"], [])  # nothing graded: results.json unchanged
    statuses = {iid: entry.status for iid, entry in read_results(tmp_path).instances.items()}
    assert statuses == {"a": "resolved", "b": "resolved"}


def test_the_flowing_order_is_the_default_and_staged_can_be_chosen() -> None:
    assert RunConfig().flow.order == "flowing"
    config = RunConfig.model_validate({"flow": {"order": "staged", "evaluations": 3}})
    assert (config.flow.order, config.flow.evaluations, config.flow.image_builds) == ("staged", 3, 1)
    with pytest.raises(ValueError, match="order"):
        RunConfig.model_validate({"flow": {"order": "sideways"}})


def test_a_freed_slot_goes_to_the_most_urgent_waiter_then_the_first_come() -> None:
    order: list[str] = []

    async def main() -> None:
        slots = PrioritySlots(1)
        release = asyncio.Event()

        async def holder() -> None:
            async with slots.hold(5):
                order.append("holder")
                await release.wait()

        async def waiter(name: str, priority: int) -> None:
            async with slots.hold(priority):
                order.append(name)
                await asyncio.sleep(0)

        first = asyncio.create_task(holder())
        await asyncio.sleep(0)
        names = [("generate-a", 1), ("generate-b", 1), ("select-c", 0), ("gone", 0)]
        waiters = {name: asyncio.create_task(waiter(name, priority)) for name, priority in names}
        await asyncio.sleep(0)
        waiters["gone"].cancel()  # a cancelled waiter is passed over and takes no slot
        release.set()
        await asyncio.gather(first, *waiters.values(), return_exceptions=True)
        async with slots.hold(0):  # the slot came back
            order.append("after")

    asyncio.run(main())
    assert order == ["holder", "select-c", "generate-a", "generate-b", "after"]

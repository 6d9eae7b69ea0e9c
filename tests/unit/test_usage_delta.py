"""What a task spent reaches the run's ledger once, whatever the task started from."""

from __future__ import annotations

from pathlib import Path

from sweagent.executors.usage_delta import add_delta, usage_delta
from sweagent.models.protocol import Purpose
from sweagent.models.usage import UsageLedger
from sweagent.records import Usage

PRICES = {"m": (1.0, 2.0)}


def _call(ledger: UsageLedger, instance_id: str, stage: str, tokens: int) -> None:
    usage = Usage(prompt_tokens=tokens, completion_tokens=tokens // 10, calls=1, seconds=0.5)
    ledger.record(Purpose(stage=stage, instance_id=instance_id), "m", usage)


def test_the_run_ledger_gets_each_task_usage_once(tmp_path: Path) -> None:
    run = UsageLedger(PRICES)
    _call(run, "a", "context", 1000)
    run.write(tmp_path / "usage.json")
    # Two tasks each start from a copy of the run's usage (as a task does) and add their own calls.
    tasks = [UsageLedger.read(tmp_path / "usage.json", PRICES) for _ in range(2)]
    starts = [UsageLedger.read(tmp_path / "usage.json", PRICES) for _ in range(2)]
    _call(tasks[0], "a", "generate", 500)
    _call(tasks[0], "a", "context", 100)
    _call(tasks[1], "b", "generate", 700)
    tasks[1].stops["b"] = "instance_tokens reached"

    for task, start in zip(tasks, starts, strict=True):
        add_delta(run, usage_delta(task, start))

    alone = UsageLedger(PRICES)  # the same calls made in one process
    for iid, stage, tokens in [("a", "context", 1000), ("a", "generate", 500), ("a", "context", 100)]:
        _call(alone, iid, stage, tokens)
    _call(alone, "b", "generate", 700)
    alone.stops["b"] = "instance_tokens reached"
    assert run.to_json() == alone.to_json()
    assert run.total().calls == 4


def test_a_task_that_spent_nothing_adds_nothing() -> None:
    start, task = UsageLedger(PRICES), UsageLedger(PRICES)
    _call(start, "a", "context", 10)
    _call(task, "a", "context", 10)
    delta = usage_delta(task, start)
    assert (delta.entries, delta.by_model, delta.stops) == ({}, {}, {})

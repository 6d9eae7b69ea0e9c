"""The relevance scan: one call per file, one retry showing the format error, answers cached on disk."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sweagent.context.cache import AnswerCache
from sweagent.context.scan import FileJudgement, ScanInput, relevance_scan
from sweagent.errors import ModelError, ModelUnavailable
from sweagent.models.protocol import Message, ModelRequest, ModelResponse, Purpose
from sweagent.models.scripted import ScriptedModel
from sweagent.records import Instance

INSTANCE_ISSUE = "parse() fails on empty input"


def _instance() -> Instance:
    return Instance(instance_id="demo-1", repo="o/r", base_commit="0", problem_statement=INSTANCE_ISSUE)


def _item(path: str, text: str) -> ScanInput:
    return ScanInput(path=path, text=text, sha256=str(hash(text)), tokens=len(text) // 4)


def _policy(messages: list[Message], purpose: Purpose) -> str:
    if purpose.file == "bad.py":
        return "I cannot decide."
    if purpose.file == "late.py" and purpose.turn == 0:
        return "RELEVANCE: Perhaps"
    if "parse" in messages[1]["content"].split("<file")[1]:
        return "RELEVANCE: Relevant\nSUMMARY: defines parse\nand its errors"
    return "RELEVANCE: Not Relevant"


def _scan(model: ScriptedModel, items: list[ScanInput], cache: AnswerCache) -> list[FileJudgement]:
    return asyncio.run(
        relevance_scan(_instance(), items, model, concurrency=4, window_tokens=1000, cache=cache)
    )


def test_every_file_is_judged_once_and_a_rerun_makes_no_calls(tmp_path: Path) -> None:
    items = [_item("parser.py", "def parse(text): ..."), _item("util.py", "x = 1"), _item("bad.py", "y")]
    cache = AnswerCache(tmp_path / "cache")
    model = ScriptedModel(_policy, name="m")
    judged = _scan(model, items, cache)
    assert [(j.path, j.relevant, j.summary) for j in judged] == [
        ("parser.py", True, "defines parse\nand its errors"),
        ("util.py", False, ""),
        ("bad.py", None, ""),
    ]
    assert [j.calls for j in judged] == [1, 1, 2]
    assert "no RELEVANCE line" in judged[2].error
    assert all(r.purpose.stage == "relevance" and r.purpose.instance_id == "demo-1" for r in model.requests)

    again = ScriptedModel(_policy, name="m")
    rerun = _scan(again, items, cache)
    assert again.requests == []
    assert [(j.relevant, j.summary, j.cached, j.calls) for j in rerun] == [
        (j.relevant, j.summary, True, 0) for j in judged
    ]


def test_a_changed_file_or_another_model_is_asked_again(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path / "cache")
    _scan(ScriptedModel(_policy, name="m"), [_item("util.py", "x = 1")], cache)
    changed = ScriptedModel(_policy, name="m")
    _scan(changed, [_item("util.py", "x = 2")], cache)
    other = ScriptedModel(_policy, name="other")
    _scan(other, [_item("util.py", "x = 1")], cache)
    assert (len(changed.requests), len(other.requests)) == (1, 1)


def test_the_retry_shows_the_format_error_and_its_answer_counts(tmp_path: Path) -> None:
    model = ScriptedModel(_policy, name="m")
    [judged] = _scan(model, [_item("late.py", "def parse(): ...")], AnswerCache(tmp_path))
    assert (judged.relevant, judged.calls, judged.error) == (True, 2, "")
    retry = model.requests[1].messages
    assert retry[-2] == {"role": "assistant", "content": "RELEVANCE: Perhaps"}
    assert "neither `Relevant` nor `Not Relevant`" in retry[-1]["content"]


def test_an_endpoint_failure_is_recorded_for_the_file_but_not_cached(tmp_path: Path) -> None:
    def rejected(messages: list[Message], purpose: Purpose) -> str:
        msg = "HTTP 400: the request was rejected"
        raise ModelError(msg)

    cache = AnswerCache(tmp_path)
    [judged] = _scan(ScriptedModel(rejected, name="m"), [_item("a.py", "x")], cache)
    assert judged.relevant is None
    assert judged.error == "model: HTTP 400: the request was rejected"
    later = ScriptedModel(_policy, name="m")
    [again] = _scan(later, [_item("a.py", "x")], cache)
    assert (again.relevant, len(later.requests)) == (False, 1)


def test_an_unavailable_endpoint_stops_the_scan_and_caches_nothing(tmp_path: Path) -> None:
    """An endpoint down past its retry budget ends the run (exit 3) instead of marking every file
    as failed; nothing judged during the outage is cached as an answer."""

    def down(messages: list[Message], purpose: Purpose) -> str:
        msg = "endpoint down"
        raise ModelUnavailable(msg)

    cache = AnswerCache(tmp_path)
    with pytest.raises(ModelUnavailable, match="endpoint down"):
        _scan(ScriptedModel(down, name="m"), [_item("a.py", "x"), _item("b.py", "y")], cache)
    later = ScriptedModel(_policy, name="m")
    _scan(later, [_item("a.py", "x"), _item("b.py", "y")], cache)
    assert len(later.requests) == 2


def test_calls_in_flight_never_exceed_the_concurrency_limit(tmp_path: Path) -> None:
    class Slow:
        name = "slow"

        def __init__(self) -> None:
            self.now = 0
            self.peak = 0

        async def complete(self, request: ModelRequest) -> ModelResponse:
            self.now += 1
            self.peak = max(self.peak, self.now)
            await asyncio.sleep(0.01)
            self.now -= 1
            return ModelResponse(choices=("RELEVANCE: Not Relevant",))

        async def close(self) -> None:
            return None

    model = Slow()
    items = [_item(f"f{i}.py", f"x = {i}") for i in range(20)]
    asyncio.run(
        relevance_scan(
            _instance(), items, model, concurrency=3, window_tokens=1000, cache=AnswerCache(tmp_path)
        )
    )
    assert model.peak == 3

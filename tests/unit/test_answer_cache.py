"""The answer cache: shards of JSON lines, appended in batches; torn or foreign lines read as absent."""

from __future__ import annotations

from pathlib import Path

from sweagent.context.cache import AnswerCache
from sweagent.context.scan import FileJudgement


def _judgement(path: str) -> FileJudgement:
    return FileJudgement(path=path, tokens=3, shown="content", relevant=True, summary="why\nand how", calls=1)


def test_answers_survive_a_new_cache_object_after_flush(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path, flush_every=100)
    cache.put("scope-a", "a.py@1", _judgement("a.py"))
    assert cache.get("scope-a", "a.py@1", FileJudgement) == _judgement("a.py")
    assert AnswerCache(tmp_path).get("scope-a", "a.py@1", FileJudgement) is None  # not flushed yet
    cache.flush()
    fresh = AnswerCache(tmp_path)
    assert fresh.get("scope-a", "a.py@1", FileJudgement) == _judgement("a.py")
    assert fresh.get("scope-b", "a.py@1", FileJudgement) is None
    assert len(list(tmp_path.rglob("*.jsonl"))) == 1


def test_a_full_batch_is_appended_without_waiting_for_flush(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path, flush_every=2)
    cache.put("s", "a", _judgement("a.py"))
    cache.put("s", "b", _judgement("b.py"))
    [shard] = tmp_path.rglob("*.jsonl")
    assert len(shard.read_text().splitlines()) == 2


def test_torn_and_unusable_lines_are_skipped(tmp_path: Path) -> None:
    cache = AnswerCache(tmp_path)
    cache.put("s", "good", _judgement("good.py"))
    cache.put("s", "stale", _judgement("stale.py"))
    cache.flush()
    [shard] = tmp_path.rglob("*.jsonl")
    text = shard.read_text().replace('"stale.py"', "17")
    shard.write_text(text + '{"key": "torn", "answer": {"pa')
    fresh = AnswerCache(tmp_path)
    assert fresh.get("s", "good", FileJudgement) == _judgement("good.py")
    assert fresh.get("s", "stale", FileJudgement) is None
    assert fresh.get("s", "torn", FileJudgement) is None

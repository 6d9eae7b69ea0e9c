"""A damaged artifact (JSON cut short, wrong schema) is reported by name, moved aside and redone;
never trusted, never a crash of the run."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from sweagent.errors import StoreError
from sweagent.records import Context, GenerationResult
from sweagent.store import RunStore


def test_a_truncated_artifact_is_not_done_and_is_moved_aside(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = RunStore(tmp_path)
    path = store.write("i-1", "context.json", Context(provider="bm25", files=(), budget=100))
    whole = path.read_text()
    path.write_text(whole[: len(whole) // 2])
    with caplog.at_level(logging.WARNING, logger="sweagent"):
        assert not store.done("i-1", "context.json")
    assert not path.exists()
    assert path.with_name("context.json.damaged").read_text() == whole[: len(whole) // 2]
    [record] = caplog.records
    assert str(path) in record.getMessage()
    assert "it will be redone" in record.getMessage()
    store.write("i-1", "context.json", Context(provider="bm25", files=(), budget=100))
    assert store.done("i-1", "context.json")


def test_an_artifact_of_the_wrong_schema_loads_as_missing_and_reads_as_a_named_error(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    path = store.path("i-1", "candidates.json")
    path.parent.mkdir(parents=True)
    path.write_text('{"instance_id": "i-1", "candidates": "not a list"}\n')
    assert store.done("i-1", "candidates.json"), "valid JSON: only its schema can tell"
    assert store.load("i-1", "candidates.json", GenerationResult) is None
    assert path.with_name("candidates.json.damaged").is_file()
    path.write_text("[1, 2]\n")
    with pytest.raises(
        StoreError, match=r"damaged artifact .*candidates\.json \(not a valid GenerationResult"
    ):
        store.read("i-1", "candidates.json", GenerationResult)


def test_a_whole_artifact_is_parsed_once_while_unchanged(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    store.write("i-1", "context.json", Context(provider="bm25", files=(), budget=100))
    assert store.done("i-1", "context.json")
    assert len(store._checked) == 1
    assert store.done("i-1", "context.json")
    assert len(store._checked) == 1


def test_a_sweep_moves_aside_every_artifact_cut_short_even_one_no_stage_reads_again(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    whole = store.write("i-1", "context.json", Context(provider="bm25", files=(), budget=100))
    cut = store.write("i-1", "trajectories/testing-0.json", Context(provider="bm25", files=(), budget=7))
    cut.write_text(cut.read_text()[:40])
    compact = store.path("i-1", "selection/vote.json")
    compact.parent.mkdir(parents=True)
    compact.write_text('{"a": [1, 2, 3]}')  # whole, though not in the indented form: parsed, kept
    assert store.sweep(["i-1", "i-2"]) == [cut]
    assert whole.exists()
    assert compact.exists()
    assert not cut.exists()
    assert cut.with_name("testing-0.json.damaged").exists()
    assert store.sweep(["i-1"]) == []

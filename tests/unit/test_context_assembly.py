"""Merging rankings, filling the budget, and recall against the gold patch."""

from __future__ import annotations

from sweagent.context.assembly import assemble, gold_files, merge_rankings, recall
from sweagent.records import ContextFile


def test_merged_rankings_are_deterministic_with_ties_broken_by_path() -> None:
    order, invented = merge_rankings([["b.py", "a.py"], ["a.py", "b.py"]], ["a.py", "b.py", "c.py"])
    assert order == ["a.py", "b.py"]
    assert invented == []
    order, _ = merge_rankings([["c.py", "a.py"], ["c.py", "b.py"], ["a.py"]], ["a.py", "b.py", "c.py"])
    assert order == ["c.py", "a.py", "b.py"]


def test_invented_paths_are_dropped_and_do_not_take_a_rank() -> None:
    order, invented = merge_rankings([["ghost.py", "a.py"], ["b.py", "a.py"]], ["a.py", "b.py"])
    # The ghost is dropped before ranks are given: a.py is first in one ranking, second in the other.
    assert order == ["a.py", "b.py"]
    assert invented == ["ghost.py"]


def test_no_rankings_give_an_empty_order() -> None:
    assert merge_rankings([], ["a.py"]) == ([], [])


def test_a_file_that_does_not_fit_is_skipped_and_the_next_one_tried() -> None:
    tokens = {"big.py": 80, "huge.py": 500, "small.py": 15, "tiny.py": 5, "more.py": 10}
    files, skipped = assemble(
        ["big.py", "huge.py", "small.py", "more.py", "tiny.py"], tokens, 100, {"big.py": "why"}
    )
    assert files == [
        ContextFile(path="big.py", tokens=80, summary="why"),
        ContextFile(path="small.py", tokens=15),
        ContextFile(path="tiny.py", tokens=5),
    ]
    assert skipped == ["huge.py", "more.py"]


def test_recall_is_the_fraction_of_gold_files_in_the_context() -> None:
    patch = (
        "diff --git a/src/a.py b/src/a.py\n--- a/src/a.py\n+++ b/src/a.py\n@@ -1 +1 @@\n-x\n+y\n"
        "diff --git a/src/new.py b/src/new.py\nnew file mode 100644\n"
    )
    assert gold_files(patch) == ["src/a.py", "src/new.py"]
    assert recall(patch, ["src/a.py", "src/b.py"]) == 0.5
    assert recall(patch, []) == 0.0
    assert recall(None, ["src/a.py"]) is None
    assert recall("", ["src/a.py"]) is None

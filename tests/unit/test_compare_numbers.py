"""`compare`: resolved rate, gap closed and best-of-k agree with the per-candidate evaluations."""

from __future__ import annotations

import json
from math import comb
from pathlib import Path

import pytest
from run_fixtures import write_instance

from sweagent.errors import RegistryError
from sweagent.selection.commands import compare_command
from sweagent.selection.comparison import best_of_k, pass_at_k


def test_exact_subset_averages_match_brute_force() -> None:
    from itertools import combinations

    order = [False, True, False, True, False]
    for k in range(1, 6):
        subsets = list(combinations(range(5), k))
        brute = sum(order[min(s)] for s in subsets) / len(subsets)
        assert best_of_k(order, k) == pytest.approx(brute)
        assert pass_at_k(5, 2, k) == pytest.approx(
            sum(any(order[i] for i in s) for s in subsets) / len(subsets)
        )
    assert comb(5, 2) == 10


def test_compare_numbers_follow_the_evaluations(tmp_path: Path) -> None:
    # A: vote ranks a1 (resolved) first; B: nothing resolves; C: not fully evaluated, left out.
    a = write_instance(
        tmp_path, "A", {"a1": "ppp", "a2": "pff", "a3": "fff"}, "fff",
        {"a1": "resolved", "a2": "unresolved", "a3": "unresolved"},
    )  # fmt: skip
    write_instance(tmp_path, "B", {"b1": "pp", "b2": "pf"}, "ff", {"b1": "unresolved", "b2": "patch_failed"})
    write_instance(tmp_path, "C", {"c1": "p", "c2": "f"}, "f", {"c1": "resolved"})
    assert compare_command(tmp_path, "vote,oracle,random") == 0
    report = json.loads((tmp_path / "compare.json").read_text())
    assert report["instances"] == ["A", "B"]
    assert report["skipped"] == {"C": "1 of 2 candidates not evaluated"}
    assert report["random"] == pytest.approx((1 / 3 + 0) / 2)
    assert report["oracle"] == pytest.approx(0.5)
    assert report["oracle_curve"] == pytest.approx([(1 / 3) / 2, (2 / 3) / 2, 0.5])
    scores = {s["selector"]: s for s in report["selectors"]}
    vote = scores["vote"]
    assert (vote["resolved"], vote["rate"], vote["gap_closed"]) == (1, 0.5, pytest.approx(1.0))
    # a1 ranks first of 3 in A: it is the best of a k-subset whenever the subset holds it.
    assert vote["best_of_k"] == pytest.approx([(1 / 3) / 2, (2 / 3) / 2, 0.5])
    assert scores["oracle"]["rate"] == 0.5
    assert scores["oracle"]["best_of_k"] == pytest.approx(report["oracle_curve"])  # oracle = pass@k
    # Every selector's curve ends at its resolved rate: with all candidates, the pick is its choice.
    for score in scores.values():
        assert score["best_of_k"][-1] == pytest.approx(score["rate"])
    selection = json.loads((tmp_path / "A" / "selection" / "vote.json").read_text())
    assert selection["candidate_id"] == a[0].id
    assert (tmp_path / "plots" / "best_of_k.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "predictions.jsonl").exists()  # compare does not replace the run's predictions


def test_compare_refuses_unknown_selectors_and_unevaluated_runs(tmp_path: Path) -> None:
    write_instance(tmp_path, "A", {"a1": "p"}, "f", {})
    with pytest.raises(RegistryError):
        compare_command(tmp_path, "vote,nope")
    assert compare_command(tmp_path, "vote") == 1

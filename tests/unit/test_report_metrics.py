"""Report metrics: the pass@k estimator, coverage, selection accuracy and scaling curves."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations
from pathlib import Path

import pytest

from sweagent.patches import candidate_id
from sweagent.records import Candidate, EvalResult, GenerationResult, Selection, Trajectory, Turn
from sweagent.reporting import load_run, pass_at_k, scaling_curves, summarize
from sweagent.reporting.example_run import BAD_PATCH, GOOD_PATCH, INSTANCES, write_example_run
from sweagent.reporting.metrics import chosen_among, sample_outcomes, turn_became_final
from sweagent.store import RunStore


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [
        (4, 1, 1, 0.25),
        (4, 1, 2, 0.5),  # 1 - C(3,2)/C(4,2) = 1 - 3/6
        (4, 2, 2, 5 / 6),  # 1 - C(2,2)/C(4,2) = 1 - 1/6
        (10, 0, 5, 0.0),
        (10, 10, 1, 1.0),
        (5, 1, 5, 1.0),
        (10, 3, 1, 0.3),
    ],
)
def test_pass_at_k_known_values(n: int, c: int, k: int, expected: float) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected)


@pytest.mark.parametrize(("n", "c"), [(5, 2), (6, 1), (7, 4)])
def test_pass_at_k_equals_the_share_of_k_subsets_holding_a_correct_sample(n: int, c: int) -> None:
    """The estimator is exact: it is the fraction of all k-subsets of the samples with a correct one."""
    samples = [True] * c + [False] * (n - c)
    for k in range(1, n + 1):
        subsets = list(combinations(samples, k))
        assert pass_at_k(n, c, k) == pytest.approx(float(Fraction(sum(map(any, subsets)), len(subsets))))


@pytest.mark.parametrize(("n", "c", "k"), [(3, 1, 0), (3, 1, 4), (3, 4, 1), (0, 0, 1)])
def test_pass_at_k_refuses_impossible_arguments(n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError, match="pass@k needs"):
        pass_at_k(n, c, k)


def _turns(*patches: str | None) -> Trajectory:
    turns = [Turn(action="edit", patch=p) for p in patches]
    return Trajectory(kind="editing", instance_id="i", sample=0, turns=tuple(turns))


def test_turn_became_final_is_the_first_turn_of_the_last_unchanged_run() -> None:
    assert turn_became_final(_turns("", BAD_PATCH, GOOD_PATCH, GOOD_PATCH)) == 3
    assert turn_became_final(_turns(GOOD_PATCH, GOOD_PATCH)) == 1
    # A blob-id-only difference is the same change.
    assert turn_became_final(_turns(GOOD_PATCH, GOOD_PATCH.replace("3b18e51", "0000000"))) == 1
    assert turn_became_final(_turns(GOOD_PATCH, BAD_PATCH, GOOD_PATCH)) == 3
    assert turn_became_final(_turns(GOOD_PATCH, "")) is None
    assert turn_became_final(_turns()) is None


def test_chosen_among_keeps_the_choice_else_takes_the_best_score() -> None:
    vote = Selection(selector="vote", candidate_id="a", status="selected", scores={"a": 3, "b": 2, "c": 2})
    assert chosen_among(vote, ["b", "a"]) == "a"
    assert chosen_among(vote, ["c", "b"]) == "c"  # tie: the earlier sample
    assert chosen_among(vote, ["d"]) is None
    failed = Selection(selector="vote", candidate_id=None, status="failed", scores={"a": 1})
    assert chosen_among(failed, ["a"]) is None


def test_the_example_run_gives_the_hand_computed_metrics(tmp_path: Path) -> None:
    run = load_run(write_example_run(tmp_path))
    summary = summarize(run)
    assert [i.instance_id for i in run.instances] == sorted(INSTANCES)
    assert (summary.instances, summary.covered, summary.resolved) == (3, 1, 1)
    assert summary.selectors == {"random": 0, "vote": 1}
    assert summary.accuracy("vote") == 1.0
    assert summary.accuracy("random") == 0.0
    # demo__calc-1 has 1 resolving sample of 4; the others none (demo__partial-3 has no samples).
    assert summary.pass_at_k == pytest.approx([0.25 / 3, 0.5 / 3, 0.75 / 3, 1 / 3])
    assert summary.trajectory_statuses["editing"] == {"done": 7, "attempts_exhausted": 1}
    assert summary.trajectory_statuses["testing"] == {"done": 8, "running": 1}
    assert sorted(summary.recalls) == [0.5, 1.0]
    assert summary.cost_per_resolved() == pytest.approx(summary.total_usage["cost"])
    calc = next(i for i in run.instances if i.instance_id == "demo__calc-1")
    outcomes = sample_outcomes(calc)
    assert [o.final_turn for o in outcomes] == [1, 2, 1, None]
    assert [o.resolved for o in outcomes] == [False, True, False, False]

    curves = scaling_curves(run)
    by_label = {c.label: c.values for c in curves.by_samples}
    assert by_label["coverage (any candidate resolves)"] == pytest.approx([0, 1 / 3, 1 / 3, 1 / 3])
    assert by_label["resolved: vote"] == pytest.approx([0, 1 / 3, 1 / 3, 1 / 3])
    assert by_label["resolved: random"] == [0, 0, 0, 0]
    by_label = {c.label: c.values for c in curves.by_iterations}
    assert by_label["coverage (any candidate resolves)"] == pytest.approx([0, 1 / 3, 1 / 3])


def _hand_built(root: Path) -> RunStore:
    """Two instances, 3 samples each, built record by record.

    a: samples 0 and 2 end on the good patch, sample 1 on the bad one; `vote` picks good, `model` fails.
    b: sample 1 ends on a resolving patch, but `vote` picks the bad one; `model` picks the good one.
    No results.json: `resolved` comes from the configured selector's selection.
    """
    store = RunStore(root)
    good, bad = candidate_id(GOOD_PATCH), candidate_id(BAD_PATCH)
    for iid, finals in (
        ("a", [GOOD_PATCH, BAD_PATCH, GOOD_PATCH]),
        ("b", [BAD_PATCH, GOOD_PATCH, BAD_PATCH]),
    ):
        for sample, patch in enumerate(finals):
            turns = (Turn(action="edit", patch=patch), Turn(action="done", patch=patch))
            trajectory = Trajectory(
                kind="editing", instance_id=iid, sample=sample, turns=turns, status="done"
            )
            store.write(iid, f"trajectories/editing-{sample}.json", trajectory)
        candidates = {candidate_id(p): Candidate(id=candidate_id(p), patch=p, source="x") for p in finals}
        store.write(
            iid,
            "candidates.json",
            GenerationResult(instance_id=iid, candidates=tuple(candidates.values()), tests=()),
        )
        store.write(
            iid, f"eval/{good}.json", EvalResult(instance_id=iid, candidate_id=good, status="resolved")
        )
        store.write(
            iid, f"eval/{bad}.json", EvalResult(instance_id=iid, candidate_id=bad, status="unresolved")
        )
    store.write("a", "selection/vote.json", Selection(selector="vote", candidate_id=good, status="selected"))
    store.write("b", "selection/vote.json", Selection(selector="vote", candidate_id=bad, status="selected"))
    store.write("a", "selection/model.json", Selection(selector="model", candidate_id=None, status="failed"))
    store.write(
        "b", "selection/model.json", Selection(selector="model", candidate_id=good, status="selected")
    )
    (root / "config.yaml").write_text("selection:\n  selector: vote\n", encoding="utf-8")
    return store


def test_coverage_and_accuracy_on_a_hand_built_run(tmp_path: Path) -> None:
    _hand_built(tmp_path)
    run = load_run(tmp_path)
    summary = summarize(run)
    assert (summary.covered, summary.resolved, summary.resolved_source) == (2, 1, "vote")
    assert summary.selectors == {"model": 1, "vote": 1}
    assert summary.accuracy("vote") == summary.accuracy("model") == 0.5
    # a: n=3, c=2; b: n=3, c=1.
    expected = [(pass_at_k(3, 2, k) + pass_at_k(3, 1, k)) / 2 for k in (1, 2, 3)]
    assert summary.pass_at_k == pytest.approx(expected)
    coverage = scaling_curves(run).by_samples[0].values
    assert coverage == pytest.approx([0.5, 1.0, 1.0])
    assert run.missing() == [
        "usage.json is missing",
        "results.json is missing",
        "context.json: missing for 2 of 2 instance(s)",
        "test_matrix.json: missing for 2 of 2 instance(s)",
    ]


def test_an_instance_without_candidates_lacks_no_matrix_and_no_grade(tmp_path: Path) -> None:
    """Nothing to test or grade is not an incomplete run (the quickstart's tiny model makes none)."""
    store = _hand_built(tmp_path)
    store.write("a", "candidates.json", GenerationResult(instance_id="a", candidates=(), tests=()))
    missing = load_run(tmp_path).missing()
    assert "test_matrix.json: missing for 1 of 2 instance(s)" in missing


def test_an_unreadable_artifact_is_reported_not_raised(tmp_path: Path) -> None:
    _hand_built(tmp_path)
    (tmp_path / "a" / "candidates.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "usage.json").write_text("[]", encoding="utf-8")
    run = load_run(tmp_path)
    missing = run.missing()
    assert any("candidates.json is unreadable as GenerationResult" in note for note in missing)
    assert "usage.json is not a mapping (top level is list)" in missing
    assert "usage.json is missing" not in missing
    assert summarize(run).covered == 2  # the evaluations still count


def test_an_instance_only_results_json_knows_still_counts(tmp_path: Path) -> None:
    store = _hand_built(tmp_path)
    results = {"c": {"status": "env_failed"}, "a": {"status": "resolved"}, "b": {"status": "unresolved"}}
    store.write_json("results.json", {"instances": results, "summary": {}})
    run = load_run(tmp_path)
    summary = summarize(run)
    assert [i.instance_id for i in run.instances] == ["a", "b", "c"]
    assert (summary.instances, summary.covered, summary.resolved) == (3, 2, 1)
    assert summary.resolved_source == "results.json"
    assert summary.result_statuses == {"env_failed": 1, "resolved": 1, "unresolved": 1}
    assert summary.candidate_statuses == {"resolved": 2, "unresolved": 2}

"""Voting over the test matrix: passes count, ties go to the smaller diff, infra never votes."""

from __future__ import annotations

import asyncio

from selection_fixtures import INSTANCE, candidate, matrix

from sweagent.records import EvalResult, Selection
from sweagent.selection import Evidence, build_selector, call_select
from sweagent.selection.builtin import discrimination_weights


def _select(name: str, candidates: list, evidence: Evidence) -> Selection:
    return asyncio.run(call_select(build_selector(name), INSTANCE, candidates, evidence))


def test_vote_picks_the_candidate_passing_most_tests() -> None:
    a, b, c = candidate("a"), candidate("b"), candidate("c")
    evidence = Evidence(test_matrix=matrix({a.id: "pff", b.id: "ppp", c.id: "ppf"}, original="fff"))
    chosen = _select("vote", [a, b, c], evidence)
    assert (chosen.status, chosen.candidate_id) == ("selected", b.id)
    assert chosen.scores == {a.id: 1.0, b.id: 3.0, c.id: 2.0}


def test_vote_ties_go_to_the_smaller_diff() -> None:
    big, small = candidate("big", lines=5), candidate("small", lines=1)
    evidence = Evidence(test_matrix=matrix({big.id: "pp", small.id: "pp"}, original="ff"))
    assert _select("vote", [big, small], evidence).candidate_id == small.id


def test_infrastructure_failures_do_not_count_as_votes() -> None:
    a, b = candidate("a"), candidate("b")
    evidence = Evidence(test_matrix=matrix({a.id: "iii", b.id: "pff"}, original="fff"))
    chosen = _select("vote", [a, b], evidence)
    assert chosen.candidate_id == b.id
    assert chosen.scores[a.id] == 0.0


def test_vote_fails_explicitly_without_evidence() -> None:
    a, b = candidate("a"), candidate("b")
    none = _select("vote", [a, b], Evidence())
    assert (none.status, none.candidate_id) == ("failed", None)
    assert "no test matrix" in none.rationale
    # Issue 15: zero votes still order the candidates, by the tie rules (tested in test_selection_fallbacks).


def test_a_reproducing_test_that_splits_the_candidates_weighs_most() -> None:
    a, b, c, d = (candidate(x) for x in "abcd")
    # t0 fails on the original and splits 2/2; t1 fails on the original and passes everywhere;
    # t2 passes on the original too and splits 2/2.
    m = matrix({a.id: "ppp", b.id: "ppp", c.id: "fpf", d.id: "fpf"}, original="ffp")
    weights = discrimination_weights(m, [a, b, c, d])
    assert weights == {"t0": 2.0, "t1": 1.0, "t2": 0.5}


def test_weighted_vote_prefers_the_discriminating_test_over_many_uniform_ones() -> None:
    a, b = candidate("a"), candidate("b")
    # a passes the one reproducing, splitting test; b passes three tests that pass on the original too.
    m = matrix({a.id: "pfff", b.id: "fppp"}, original="fppp")
    assert _select("vote", [a, b], Evidence(test_matrix=m)).candidate_id == b.id
    weighted = _select("vote-weighted", [a, b], Evidence(test_matrix=m))
    assert weighted.candidate_id == a.id
    assert weighted.scores[a.id] > weighted.scores[b.id]


def test_random_is_reproducible_and_oracle_reads_evaluations() -> None:
    cands = [candidate(x) for x in "abcde"]
    first, again = _select("random", cands, Evidence()), _select("random", cands, Evidence())
    assert first.status == "selected"
    assert first.candidate_id == again.candidate_id
    evaluations = {
        c.id: EvalResult(instance_id=INSTANCE.instance_id, candidate_id=c.id, status="unresolved")
        for c in cands
    }
    evaluations[cands[3].id] = evaluations[cands[3].id].model_copy(update={"status": "resolved"})
    oracle = _select("oracle", cands, Evidence(evaluations=evaluations))
    assert oracle.candidate_id == cands[3].id
    partial = _select("oracle", cands, Evidence(evaluations={cands[0].id: evaluations[cands[0].id]}))
    assert partial.status == "failed"
    assert "not evaluated" in partial.rationale

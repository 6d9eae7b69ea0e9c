"""Chains: the first selector keeps its top-k, the next decides among them; failures stay explicit."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from selection_fixtures import INSTANCE, candidate, matrix

from sweagent.config import SelectionConfig
from sweagent.records import Candidate, Instance, Selection
from sweagent.selection import ChainSelector, Evidence, SelectorContext, build_selector, call_select


class Recorder:
    """Picks the candidate with the largest id among those it is given, and remembers them."""

    name = "recorder"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def select(self, instance: Instance, candidates: Sequence[Candidate], evidence: Evidence) -> Selection:
        self.seen = [c.id for c in candidates]
        best = max(c.id for c in candidates)
        return Selection(selector=self.name, candidate_id=best, status="selected", scores={best: 1.0})


def test_the_first_selector_narrows_to_top_k_and_the_second_decides() -> None:
    cands = [candidate(x) for x in "abcde"]
    rows = dict(zip((c.id for c in cands), ["ppp", "ppf", "pff", "fff", "pfp"], strict=True))
    evidence = Evidence(test_matrix=matrix(rows, original="fff"))
    recorder = Recorder()
    vote = build_selector("vote")
    chain = ChainSelector("vote>recorder", [vote, recorder], top_k=3)
    chosen = asyncio.run(call_select(chain, INSTANCE, cands, evidence))
    top3 = {cands[0].id, cands[1].id, cands[4].id}
    assert set(recorder.seen) == top3
    assert chosen.candidate_id == max(top3)
    assert chosen.status == "selected"
    # The chosen candidate ranks first, the two other top-k next, the rest after them.
    ranking = sorted(chosen.scores, key=lambda cid: -chosen.scores[cid])
    assert ranking[0] == max(top3)
    assert set(ranking[:3]) == top3
    assert ranking[-1] == cands[3].id


def test_a_failing_first_stage_still_submits_the_smallest_diff_as_a_recorded_fallback() -> None:
    # Issue 15 changed this: an empty prediction only when there is no candidate at all.
    cands = [candidate("a", lines=3), candidate("b", lines=1)]
    chain = build_selector("vote>random", SelectorContext(config=SelectionConfig(top_k=1)))
    result = asyncio.run(call_select(chain, INSTANCE, cands, Evidence()))
    assert (result.status, result.candidate_id) == ("selected", cands[1].id)
    assert "vote failed" in result.fallback
    assert "smallest diff" in result.fallback
    empty = asyncio.run(call_select(chain, INSTANCE, [], Evidence()))
    assert (empty.status, empty.candidate_id) == ("failed", None)


def test_a_selector_naming_an_unknown_candidate_is_a_failure() -> None:
    class Liar:
        name = "liar"

        def select(
            self, instance: Instance, candidates: Sequence[Candidate], evidence: Evidence
        ) -> Selection:
            return Selection(selector="liar", candidate_id="nope", status="selected")

    result = asyncio.run(call_select(Liar(), INSTANCE, [candidate("a")], Evidence()))
    assert result.status == "failed"
    assert "not one of the candidates" in result.rationale

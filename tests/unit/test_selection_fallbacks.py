"""Selection always submits when there is a candidate: zero votes still pass the top-k on, a failed
later link falls back to the earlier link's best (recorded with its reason); candidates get letters."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from selection_fixtures import INSTANCE, candidate, matrix

from sweagent.config import GenerationConfig, SelectionConfig
from sweagent.errors import FormatError
from sweagent.records import Candidate, Instance, Selection, TestScript
from sweagent.selection import ChainSelector, Evidence, build_selector, call_select
from sweagent.selection.model_selector import label, match_candidate
from sweagent.selection.protocol import failed
from sweagent.selection.state_machine import SelectionStateMachine, own_test


class Recorder:
    """Chooses the last candidate it is given and remembers them in order."""

    name = "recorder"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def select(self, instance: Instance, candidates: Sequence[Candidate], evidence: Evidence) -> Selection:
        self.seen = [c.id for c in candidates]
        return Selection(selector=self.name, candidate_id=self.seen[-1], status="selected")


class Undecided:
    """Stands for a selection trajectory that ran out of turns (or raised, with `crash`)."""

    name = "undecided"

    def __init__(self, crash: bool = False) -> None:
        self.crash = crash

    async def select(
        self, instance: Instance, candidates: Sequence[Candidate], evidence: Evidence
    ) -> Selection:
        if self.crash:
            msg = "the sandbox died"
            raise OSError(msg)
        return failed(self.name, "ran out of turns without choosing")


def chain(last: object, top_k: int = 2) -> ChainSelector:
    return ChainSelector("vote>last", [build_selector("vote"), last], top_k)  # type: ignore[list-item]


def test_zero_votes_pass_the_top_k_on_in_tie_rule_order() -> None:
    big, small, mid = candidate("big", lines=5), candidate("small", lines=1), candidate("mid", lines=3)
    evidence = Evidence(test_matrix=matrix({big.id: "ff", small.id: "fb", mid.id: "ff"}, original="ff"))
    alone = asyncio.run(call_select(build_selector("vote"), INSTANCE, [big, small, mid], evidence))
    assert (alone.status, alone.candidate_id) == ("selected", small.id)
    assert "no candidate passes" in alone.rationale
    recorder = Recorder()
    result = asyncio.run(call_select(chain(recorder), INSTANCE, [big, small, mid], evidence))
    assert recorder.seen == [small.id, mid.id]
    assert (result.status, result.candidate_id, result.fallback) == ("selected", mid.id, "")


@pytest.mark.parametrize("crash", [False, True])
def test_a_failed_selection_link_falls_back_to_the_previous_links_best(crash: bool) -> None:
    a, b, c = candidate("a"), candidate("b"), candidate("c")
    evidence = Evidence(test_matrix=matrix({a.id: "pf", b.id: "pp", c.id: "ff"}, original="ff"))
    result = asyncio.run(call_select(chain(Undecided(crash)), INSTANCE, [a, b, c], evidence))
    assert (result.status, result.candidate_id) == ("selected", b.id)
    assert result.fallback.startswith("undecided failed: ")
    assert ("the sandbox died" if crash else "ran out of turns") in result.fallback
    assert "previous link's best" in result.fallback
    assert max(result.scores, key=result.scores.__getitem__) == b.id


def test_candidates_are_labelled_with_short_letters() -> None:
    assert [label(i) for i in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]
    cands = [candidate("a"), candidate("b")]
    assert match_candidate("B", cands) == cands[1]
    assert match_candidate(" b ", cands) == cands[1]
    assert match_candidate(cands[0].id, cands) == cands[0]
    with pytest.raises(FormatError, match="the candidates are A, B"):
        match_candidate("C", cands)


def test_the_selection_prompt_shows_letters_and_the_top_candidates_own_test() -> None:
    top, other = candidate("3"), candidate("1")  # sources editing-3, editing-1
    tests = (
        TestScript(id="t1", content="print('sample 1')\n", source="editing-1"),
        TestScript(id="t3", content="print('sample 3')\n", source="testing-3"),
    )
    example = own_test(top, Evidence(tests=tests))
    assert example == "print('sample 3')\n"
    config = GenerationConfig(iterations=SelectionConfig().iterations)
    machine = SelectionStateMachine(None, [top, other], example, config, example_own=True)  # type: ignore[arg-type]
    task = machine.task()
    assert "### Candidate A\n" in task
    assert "### Candidate B\n" in task
    assert top.id not in task
    assert "The reproduction test candidate A was written with" in task
    assert "print('sample 3')" in task
    assert "<choose>A</choose>" in task
    assert "You have 10 turns" in task


def test_selection_defaults_to_10_turns_and_8192_output_tokens() -> None:
    config = SelectionConfig()
    assert (config.iterations, config.max_tokens) == (10, 8192)

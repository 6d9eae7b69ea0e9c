"""The `model` selector: one call shows every diff; the reply names a candidate or the selection fails."""

from __future__ import annotations

import asyncio

import pytest
from selection_fixtures import INSTANCE, candidate

from sweagent.models.scripted import ScriptedModel
from sweagent.records import Selection
from sweagent.selection import Evidence, SelectorContext, build_selector, call_select


def _select(reply: str) -> tuple[Selection, ScriptedModel, list[str]]:
    cands = [candidate("a"), candidate("b")]
    model = ScriptedModel.from_outputs([reply])
    selector = build_selector("model", SelectorContext(model=model))
    return asyncio.run(call_select(selector, INSTANCE, cands, Evidence())), model, [c.id for c in cands]


def test_the_named_candidate_is_chosen_and_the_prompt_shows_every_diff() -> None:
    cands = [candidate("a"), candidate("b")]
    result, model, ids = _select(f"B looks right.\n<choose>{cands[1].id}</choose>")
    assert (result.status, result.candidate_id) == ("selected", ids[1])
    (request,) = model.requests
    assert request.purpose.stage == "selection"
    prompt = "\n".join(m["content"] for m in request.messages)
    assert "### Candidate A\n" in prompt
    assert "### Candidate B\n" in prompt
    assert all(c.patch.rstrip("\n") in prompt for c in cands)
    assert INSTANCE.problem_statement in prompt


def test_a_unique_prefix_names_a_candidate() -> None:
    result, _, ids = _select(f"<choose>{candidate('a').id[:6]}</choose>")
    assert result.candidate_id == ids[0]


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("<choose>zzz</choose>", "names no candidate"),
        ("<test>print(1)</test>", "only <choose>ID</choose>"),
        ("I cannot decide.", "holds no action"),
    ],
)
def test_an_unusable_reply_is_an_explicit_failure(reply: str, why: str) -> None:
    result, _, _ = _select(reply)
    assert (result.status, result.candidate_id) == ("failed", None)
    assert why in result.rationale


def test_without_a_model_the_selector_says_so() -> None:
    selector = build_selector("model")
    result = asyncio.run(call_select(selector, INSTANCE, [candidate("a")], Evidence()))
    assert result.status == "failed"
    assert "no model" in result.rationale

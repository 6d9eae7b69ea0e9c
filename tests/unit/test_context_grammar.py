"""The relevance and ranking parsers accept the DESIGN grammar and explain every rejection."""

from __future__ import annotations

import pytest

from sweagent.context.grammar import Verdict, parse_ranking, parse_relevance
from sweagent.errors import FormatError


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        ("Looks unrelated.\nRELEVANCE: Not Relevant", Verdict(relevant=False)),
        ("RELEVANCE: Not Relevant\n\n", Verdict(relevant=False)),
        ("RELEVANCE: Relevant\nSUMMARY: defines parse()", Verdict(relevant=True, summary="defines parse()")),
        (
            "thinking...\nRELEVANCE: Relevant\nSUMMARY: line one\nline two\n",
            Verdict(relevant=True, summary="line one\nline two"),
        ),
        ("**RELEVANCE:** Relevant\n**SUMMARY:** bold", Verdict(relevant=True, summary="bold")),
        (
            "RELEVANCE: Not Relevant\nOn second thought:\nRELEVANCE: Relevant\nSUMMARY: x",
            Verdict(relevant=True, summary="x"),
        ),
    ],
)
def test_relevance_answers_in_the_grammar_parse(reply: str, verdict: Verdict) -> None:
    assert parse_relevance(reply) == verdict


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ("I think it matters.", "no RELEVANCE line"),
        ("RELEVANCE: Maybe", "neither `Relevant` nor `Not Relevant`"),
        ("RELEVANCE: Relevant", "followed directly by a `SUMMARY"),
        ("RELEVANCE: Relevant\nSUMMARY:   \n", "SUMMARY after `RELEVANCE: Relevant` is empty"),
        ("RELEVANCE: Relevant\nbecause\nSUMMARY: x", "followed directly by a `SUMMARY"),
        ("RELEVANCE: Not Relevant\nSUMMARY: but", "Nothing may follow"),
    ],
)
def test_relevance_answers_outside_the_grammar_are_format_errors(reply: str, error: str) -> None:
    with pytest.raises(FormatError) as caught:
        parse_relevance(reply)
    assert error in str(caught.value)


def test_the_last_json_block_of_a_ranking_is_used_and_duplicates_dropped() -> None:
    reply = 'first:\n```json\n["a.py"]\n```\nrevised:\n```json\n["b.py", "a.py", "b.py", " "]\n```'
    assert parse_ranking(reply) == ["b.py", "a.py"]


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        ('["a.py"]', "no ```json fenced block"),
        ("```json\n[a.py]\n```", "not valid JSON"),
        ('```json\n{"a.py": 1}\n```', "must hold a list of file paths"),
        ('```json\n["a.py", 3]\n```', "must hold a list of file paths"),
    ],
)
def test_rankings_outside_the_grammar_are_format_errors(reply: str, error: str) -> None:
    with pytest.raises(FormatError) as caught:
        parse_ranking(reply)
    assert error in str(caught.value)

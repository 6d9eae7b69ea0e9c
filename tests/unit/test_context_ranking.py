"""Ranking by the primary model: several rankings merged, a bad one retried once, invented paths dropped."""

from __future__ import annotations

import asyncio

from sweagent.context.ranking import rank_files
from sweagent.models.scripted import ScriptedModel
from sweagent.records import ContextFile, Instance

INSTANCE = Instance(instance_id="demo-1", repo="o/r", base_commit="0", problem_statement="parse fails")
CANDIDATES = [
    ContextFile(path="a.py", tokens=10, summary="defines parse"),
    ContextFile(path="b.py", tokens=20, summary="calls parse"),
    ContextFile(path="c.py", tokens=30, summary="x" * 2000),
]


def _json(*paths: str) -> str:
    return "```json\n[" + ", ".join(f'"{p}"' for p in paths) + "]\n```"


def test_rankings_are_merged_and_invented_paths_dropped() -> None:
    model = ScriptedModel.from_outputs(
        [_json("b.py", "ghost.py", "a.py"), _json("a.py", "b.py"), _json("a.py")]
    )
    outcome = asyncio.run(rank_files(INSTANCE, CANDIDATES, model, target_tokens=100, rankings=3))
    assert outcome.order == ("a.py", "b.py")
    assert outcome.invented == ("ghost.py",)
    assert (outcome.parsed, outcome.calls, outcome.errors) == (3, 1, ())
    [request] = model.requests
    assert (request.n, request.temperature, request.purpose.stage) == (3, 0.7, "ranking")
    prompt = request.messages[0]["content"]
    assert '<candidate path="b.py" tokens="20">\ncalls parse' in prompt
    assert "about 100 tokens" in prompt
    assert "x" * 601 not in prompt


def test_a_bad_ranking_is_retried_once_with_the_error_then_recorded() -> None:
    model = ScriptedModel.from_outputs(["no list here", "still none", _json("c.py"), "again none"])
    outcome = asyncio.run(rank_files(INSTANCE, CANDIDATES, model, target_tokens=100, rankings=1))
    assert (outcome.order, outcome.parsed, outcome.calls) == ((), 0, 2)
    assert "no ```json fenced block" in outcome.errors[0]
    retry = model.requests[1]
    assert retry.purpose.turn == 1
    assert retry.messages[-2] == {"role": "assistant", "content": "no list here"}
    assert "Format error" in retry.messages[-1]["content"]

    fixed = ScriptedModel.from_outputs(["no list here", _json("c.py", "a.py")])
    outcome = asyncio.run(rank_files(INSTANCE, CANDIDATES, fixed, target_tokens=100))
    assert (outcome.order, outcome.parsed, outcome.calls, fixed.requests[0].temperature) == (
        ("c.py", "a.py"),
        1,
        2,
        0.0,
    )

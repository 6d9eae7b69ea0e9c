"""Ranking by the primary model: several rankings merged, a bad one retried once, invented paths dropped."""

from __future__ import annotations

import asyncio

from sweagent.config import ContextConfig
from sweagent.context.ranking import fit_summaries, rank_files
from sweagent.context.scan import shown_text
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
    assert "x" * 2000 in prompt  # summaries are shown whole (issue 15)
    assert "a file you leave out is invisible from then on" in prompt
    assert "every file that is likely to need an edit must be in the list" in prompt


def test_summaries_are_cut_only_when_the_prompt_would_not_fit_the_window() -> None:
    whole = fit_summaries(INSTANCE, CANDIDATES, 100, limit_tokens=100_000)
    assert whole == CANDIDATES
    cut = fit_summaries(INSTANCE, CANDIDATES, 100, limit_tokens=700)
    assert len(cut[2].summary) < 2000
    assert cut[2].summary.endswith("[...]")
    assert cut[0] == CANDIDATES[0]  # short summaries stay whole


def test_defaults_rank_three_times_and_read_files_of_up_to_100k_tokens_whole() -> None:
    config = ContextConfig()
    assert (config.rankings, config.window_tokens) == (3, 100_000)
    assert shown_text("big.py", "x = 1\n" * 60_000, 90_000, config.window_tokens)[0] == "content"


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

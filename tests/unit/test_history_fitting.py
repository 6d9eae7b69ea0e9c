"""Older turns are shortened to fit the window; the prompt's head and the latest outputs never are."""

from __future__ import annotations

import pytest

from sweagent.agent.history import estimate_tokens, fit_history, shrink_limit
from sweagent.errors import ContextLengthExceeded

HEAD = [
    {"role": "system", "content": "instructions, issue, code " * 100},
    {"role": "user", "content": "task"},
]


def run_output(turn: int) -> str:
    return (
        "On the original code: the test exited with code 2 (issue present). Output:\n"
        + f"line {turn}\n" * 500
    )


def history(turns: int) -> list[dict[str, str]]:
    messages = []
    for turn in range(turns):
        messages.append({"role": "assistant", "content": f"reasoning {turn}\n<test>\nprint({turn})\n</test>"})
        messages.append({"role": "user", "content": run_output(turn)})
    return messages


def test_a_conversation_that_fits_is_sent_unchanged() -> None:
    turns = history(2)
    assert fit_history(HEAD, turns, 100_000) == turns


def test_older_outputs_go_first_and_the_latest_output_stays_whole() -> None:
    turns = history(8)
    limit = estimate_tokens(HEAD) + estimate_tokens(turns) // 2
    fitted = fit_history(HEAD, turns, limit)
    assert estimate_tokens(HEAD) + estimate_tokens(fitted) <= limit
    assert fitted[-1] == turns[-1]
    assert "trimmed to fit the context window" in fitted[1]["content"]
    assert fitted[1]["content"].startswith("On the original code: the test exited with code 2")
    assert [m["role"] for m in fitted] == [m["role"] for m in turns]
    assert all("reasoning" in m["content"] for m in fitted if m["role"] == "assistant")  # replies kept


def test_a_format_error_last_keeps_the_latest_test_run_whole() -> None:
    turns = [*history(6), {"role": "assistant", "content": "oops"}]
    turns.append({"role": "user", "content": "Your reply could not be carried out: no action"})
    fitted = fit_history(HEAD, turns, estimate_tokens(HEAD) + 1_500)
    assert fitted[-3] == turns[-3]  # the last run's output


def test_a_prompt_whose_minimum_cannot_fit_is_refused() -> None:
    with pytest.raises(ContextLengthExceeded, match="even with its earlier turns shortened"):
        fit_history(HEAD, history(3), estimate_tokens(HEAD) + 10)


def test_a_rejection_shrinks_the_limit_by_the_servers_own_count() -> None:
    error = ContextLengthExceeded(
        "However, you requested 13000 tokens (9000 in the messages, 4000 in the completion)"
    )
    assert shrink_limit(10_000, 8_000, error) == int(10_000 * 8_000 / 9_000 * 0.95)
    assert shrink_limit(10_000, 8_000, ContextLengthExceeded("too long")) == 8_500

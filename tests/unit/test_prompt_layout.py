"""The shared part of an instance's prompts comes first and is byte-identical across trajectories."""

from __future__ import annotations

import pytest

from sweagent.models.prompt_layout import SharedPrompt, layout_messages, shared_prefix_fraction

SHARED = SharedPrompt(
    instructions="Fix the issue. Reply with <edit>...</edit>, <test>...</test> or <done/>.",
    issue="Calling parse('') raises IndexError.\r\nIt should return None.  ",
    files=(("pkg/parse.py", "def parse(text):\n    return text[0]\n" * 40), ("pkg/util.py", "X = 1\n")),
)


def trajectory(sample: int, kind: str) -> list[dict[str, str]]:
    history = [{"role": "assistant", "content": f"<test>print({sample})</test>"}] * (sample % 3)
    return layout_messages(SHARED, f"You are {kind} trajectory {sample}.", history)


def test_shared_part_is_first_and_byte_identical() -> None:
    prompts = [trajectory(i, kind) for i in range(6) for kind in ("testing", "editing")]
    firsts = {p[0]["content"] for p in prompts}
    assert len(firsts) == 1
    [first] = firsts
    assert first.index("Fix the issue") < first.index("# Issue") < first.index("### pkg/parse.py")
    assert first.index("### pkg/parse.py") < first.index("### pkg/util.py")
    assert "\r" not in first
    assert "None.  " not in first
    assert prompts[3][1]["content"] == "You are editing trajectory 1."


def test_rendering_ignores_line_endings_and_trailing_blanks() -> None:
    same = SHARED.model_copy(update={"issue": "Calling parse('') raises IndexError.\nIt should return None."})
    assert same.render() == SHARED.render()


def test_shared_prefix_fraction_reports_cacheable_share() -> None:
    prompts = [trajectory(i, "editing") for i in range(8)]
    assert shared_prefix_fraction(prompts) > 0.9
    specific_first = [list(reversed(p[:2])) for p in prompts]
    assert shared_prefix_fraction(specific_first) < 0.05
    assert shared_prefix_fraction(["abcd", "abxy"]) == pytest.approx(0.5)
    assert shared_prefix_fraction(["same"]) == 1.0
    assert shared_prefix_fraction([]) == 0.0

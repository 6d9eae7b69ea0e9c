"""A reply holds exactly one action of its stage's grammar; anything else is a format error for the model."""

from __future__ import annotations

import pytest

from sweagent.agent import Choose, Done, Edit, WriteTest, parse_reply
from sweagent.agent.actions import MAX_REPLY_CHARS
from sweagent.errors import FormatError

EDIT = "<edit>\n<<<<<<< SEARCH a.py\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n</edit>"


def test_each_action_is_recognised() -> None:
    assert parse_reply("testing", "I approve.\n<done/>") == Done()
    assert parse_reply("testing", "<done />") == Done()
    assert parse_reply("editing", f"Fix it:\n{EDIT}").blocks[0].replace == "x = 2\n"  # type: ignore[union-attr]
    assert parse_reply("selection", "<choose> abc123 </choose>") == Choose(candidate_id="abc123")
    script = parse_reply("testing", "<test>\nimport sys\nsys.exit(2)</test>")
    assert script == WriteTest(script="import sys\nsys.exit(2)\n")


def test_a_fenced_script_loses_its_fence() -> None:
    reply = "<test>\n```python\nprint('hi')\n```\n</test>"
    assert parse_reply("editing", reply) == WriteTest(script="print('hi')\n")


@pytest.mark.parametrize(
    ("stage", "reply", "complaint"),
    [
        ("testing", "I think the bug is in foo.", "no action"),
        ("editing", f"{EDIT}\n<done/>", "exactly one action"),
        ("editing", f"{EDIT}\n{EDIT}", "2 <edit>"),
        ("testing", EDIT, "no action"),  # an edit is not a testing action
        ("editing", "<test>\n\n</test>", "empty"),
        ("selection", "<choose></choose>", "names no candidate"),
        ("editing", "<edit>just prose</edit>", "no `<<<<<<< SEARCH"),
        ("editing", "x" * (MAX_REPLY_CHARS + 1), "characters"),
    ],
)
def test_malformed_replies_are_explained(stage: str, reply: str, complaint: str) -> None:
    with pytest.raises(FormatError, match=complaint):
        parse_reply(stage, reply)


def test_an_unknown_stage_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no output grammar"):
        parse_reply("ranking", "<done/>")


def test_edit_action_keeps_block_order() -> None:
    reply = EDIT.replace("</edit>", "<<<<<<< SEARCH b.py\n=======\nnew\n>>>>>>> REPLACE\n</edit>")
    action = parse_reply("editing", reply)
    assert isinstance(action, Edit)
    assert [block.path for block in action.blocks] == ["a.py", "b.py"]

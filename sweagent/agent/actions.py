"""What a model reply asks for, by the output grammar of DESIGN.md.

A reply holds exactly one action: `<edit>` (search/replace blocks), `<test>SCRIPT</test>`, `<done/>`
or, in selection, `<choose>ID</choose>`. A reply with none, with two different ones or with two of
the same kind is malformed: `parse_reply` raises `FormatError` with a message meant for the model.
"""

from __future__ import annotations

import re
from typing import Literal

from sweagent.edits.blocks import EditBlock, parse_edit_blocks
from sweagent.errors import FormatError
from sweagent.records import Record

__all__ = ["ALLOWED_ACTIONS", "Action", "Choose", "Done", "Edit", "WriteTest", "parse_reply"]

MAX_REPLY_CHARS = 200_000
"""Replies longer than this are refused unread: a runaway generation, not an answer."""


class Edit(Record):
    """Change the repository with search/replace blocks, applied in order."""

    kind: Literal["edit"] = "edit"
    blocks: tuple[EditBlock, ...]


class WriteTest(Record):
    """Write or revise the reproduction script."""

    kind: Literal["test"] = "test"
    script: str


class Done(Record):
    """Approve the current state."""

    kind: Literal["done"] = "done"


class Choose(Record):
    """Pick a candidate (selection)."""

    kind: Literal["choose"] = "choose"
    candidate_id: str


Action = Edit | WriteTest | Done | Choose

ALLOWED_ACTIONS: dict[str, tuple[str, ...]] = {
    "testing": ("test", "done"),
    "editing": ("edit", "test", "done"),
    "selection": ("test", "choose"),
}
"""Which actions each stage accepts."""

_ELEMENTS = {
    "edit": re.compile(r"<edit>(.*?)</edit>", re.DOTALL),
    "test": re.compile(r"<test>(.*?)</test>", re.DOTALL),
    "done": re.compile(r"<done\s*/>"),
    "choose": re.compile(r"<choose>(.*?)</choose>", re.DOTALL),
}
_SPELLING = {
    "edit": "<edit>...</edit>",
    "test": "<test>SCRIPT</test>",
    "done": "<done/>",
    "choose": "<choose>ID</choose>",
}


def parse_reply(stage: str, text: str) -> Action:
    """The one action in `text` for `stage`; FormatError (with advice for the model) otherwise."""
    allowed = ALLOWED_ACTIONS.get(stage)
    if allowed is None:
        msg = f"no output grammar for stage {stage!r}; known: {', '.join(ALLOWED_ACTIONS)}"
        raise ValueError(msg)
    expected = " or ".join(_SPELLING[kind] for kind in allowed)
    if len(text) > MAX_REPLY_CHARS:
        msg = f"the reply is {len(text):,} characters (limit {MAX_REPLY_CHARS:,}); reply with one {expected}"
        raise FormatError(msg)
    found = {kind: _ELEMENTS[kind].findall(text) for kind in allowed}
    present = [kind for kind, matches in found.items() if matches]
    if not present:
        msg = f"the reply holds no action; reply with exactly one {expected}"
        raise FormatError(msg)
    if len(present) > 1:
        names = " and ".join(_SPELLING[kind] for kind in present)
        msg = f"the reply holds {names}; reply with exactly one action"
        raise FormatError(msg)
    kind = present[0]
    matches = found[kind]
    if len(matches) > 1:
        msg = f"the reply holds {len(matches)} {_SPELLING[kind]} elements; put everything in one"
        raise FormatError(msg)
    return _build(kind, matches[0])


def _build(kind: str, body: str) -> Action:
    if kind == "done":
        return Done()
    if kind == "choose":
        candidate = body.strip()
        if not candidate:
            msg = "<choose></choose> names no candidate; put a candidate id inside"
            raise FormatError(msg)
        return Choose(candidate_id=candidate)
    if kind == "test":
        script = _strip_fence(body)
        if not script.strip():
            msg = "the <test> element is empty; put the whole script inside"
            raise FormatError(msg)
        return WriteTest(script=script if script.endswith("\n") else script + "\n")
    return Edit(blocks=parse_edit_blocks(body))


def _strip_fence(body: str) -> str:
    """The script without surrounding blank lines or a Markdown code fence around it."""
    text = body.strip("\n")
    fenced = re.fullmatch(r"\s*```[\w+-]*\n(.*?)\n?```\s*", text, re.DOTALL)
    return fenced.group(1) if fenced else text

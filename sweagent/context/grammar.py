"""Parsers for what the relevance and ranking models write (DESIGN.md, "Model output grammar").

- relevance: ends with `RELEVANCE: Relevant` and `SUMMARY: ...` (may span lines),
  or `RELEVANCE: Not Relevant`;
- ranking: the last ```json fenced block holds a list of file paths, most relevant first.

Each parser returns the parsed answer or raises `FormatError` with a message written for the model,
which is shown to it on the one retry.
"""

from __future__ import annotations

import json
import re

from sweagent.errors import FormatError
from sweagent.records import Record

__all__ = ["Verdict", "parse_ranking", "parse_relevance"]

# Markdown decoration (`**RELEVANCE:** Relevant`) is tolerated, never a line break inside the verdict.
_RELEVANCE = re.compile(
    r"^[^\w\n]*RELEVANCE[^\w\n]*:[^\w\n]*(?P<value>[^\n]*?)[^\w\n]*$", re.MULTILINE | re.IGNORECASE
)
_SUMMARY = re.compile(r"^[^\w\n]*SUMMARY[^\w\n]*:[ \t*]*", re.MULTILINE | re.IGNORECASE)
_JSON_FENCE = re.compile(r"```json[ \t]*\n(?P<body>.*?)```", re.DOTALL | re.IGNORECASE)


class Verdict(Record):
    """A parsed relevance answer."""

    relevant: bool
    summary: str = ""
    """What the file does for the issue; empty when not relevant."""


def parse_relevance(text: str) -> Verdict:
    """The verdict the reply ends with; FormatError when it has none or a Relevant one lacks a summary."""
    found = list(_RELEVANCE.finditer(text))
    if not found:
        msg = (
            "Your answer has no RELEVANCE line. End with `RELEVANCE: Relevant` followed by "
            "`SUMMARY: <what this file does for the issue>`, or with `RELEVANCE: Not Relevant`."
        )
        raise FormatError(msg)
    last = found[-1]
    value = " ".join(last["value"].lower().split())
    rest = text[last.end() :]
    if value == "not relevant":
        if rest.strip():
            msg = "Nothing may follow `RELEVANCE: Not Relevant`; end your answer with that line."
            raise FormatError(msg)
        return Verdict(relevant=False)
    if value != "relevant":
        msg = f"`RELEVANCE: {last['value'].strip()}` is neither `Relevant` nor `Not Relevant`."
        raise FormatError(msg)
    summary = _SUMMARY.search(rest)
    if summary is None or rest[: summary.start()].strip():
        msg = "`RELEVANCE: Relevant` must be followed directly by a `SUMMARY: ...` line."
        raise FormatError(msg)
    body = rest[summary.end() :].strip()
    if not body:
        msg = "The SUMMARY after `RELEVANCE: Relevant` is empty; say what this file does for the issue."
        raise FormatError(msg)
    return Verdict(relevant=True, summary=body)


def parse_ranking(text: str) -> list[str]:
    """The paths in the last ```json block, duplicates dropped; FormatError when there is no such list."""
    blocks = list(_JSON_FENCE.finditer(text))
    if not blocks:
        msg = "Your answer has no ```json fenced block. End with one holding a JSON list of file paths."
        raise FormatError(msg)
    try:
        paths = json.loads(blocks[-1]["body"])
    except ValueError as err:
        msg = f"The last ```json block is not valid JSON ({err})."
        raise FormatError(msg) from None
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        msg = "The last ```json block must hold a list of file paths (strings), most relevant first."
        raise FormatError(msg)
    return list(dict.fromkeys(p.strip() for p in paths if p.strip()))

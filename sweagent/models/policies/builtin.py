"""Scripted TEST policy `scripted:builtin`: a valid but trivial reply for every stage.

It resolves nothing. It lets the whole pipeline run end to end without a model: every file is
judged not relevant, the ranking is empty, trajectories approve at once, and selection picks the
first candidate it sees in the prompt (by its letter) (or writes a trivial test when it sees none).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["respond"]

_CANDIDATE = re.compile(r"^### Candidate ([A-Z]+)$", re.MULTILINE)


def respond(messages: list[dict[str, str]], purpose: Any) -> str:
    """The trivial reply the output grammar accepts for `purpose.stage`."""
    stage = purpose.stage
    if stage == "relevance":
        return "RELEVANCE: Not Relevant"
    if stage == "ranking":
        return "No file looks relevant.\n```json\n[]\n```"
    if stage == "selection":
        for message in reversed(messages):
            found = _CANDIDATE.search(message.get("content", ""))
            if found:
                return f"<choose>{found.group(1)}</choose>"
        return "<test>\nimport sys\nsys.exit(0)\n</test>"
    return "<done/>"

"""Scripted TEST policy for the context stage: relevance by shared identifiers, ranking by their count.

It is not a model. It answers deterministically in the output grammar, so the context stage runs
end to end in tests and CI: `--model scripted:sweagent/models/policies/keyword_relevance.py`.

- relevance: the file is relevant when it names at least two of the issue's code-like terms
  (identifiers with `_`, `.` or inner capitals, or words inside backticks and code blocks), or when
  the issue names its file (`blueprints.py` for "blueprint"); the summary lists the terms found, over
  two lines.
- ranking: the candidates, most terms first, ties by path.
- any other stage: `<done/>` (as the builtin test policy).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["issue_terms", "respond"]

MIN_SHARED = 2
_ISSUE = re.compile(r"<issue>\n(.*?)\n</issue>", re.DOTALL)
_FILE = re.compile(r'<file path="([^"]+)"[^>]*>\n(.*)\n</file>', re.DOTALL)
_CANDIDATE = re.compile(r'<candidate path="([^"]+)" tokens="\d+">\nMentions (\d+) issue terms')
_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
_COMMON = frozenset("self None True False return import from class with print assert pass else elif".split())


def issue_terms(issue: str) -> list[str]:
    """Code-like terms of an issue, sorted: dotted names are split into their parts as well."""
    found: set[str] = set()
    code = " ".join(m.group(0) for m in _CODE.finditer(issue))
    for text, anywhere in ((issue, False), (code, True)):
        for word in _WORD.findall(text):
            parts = [word, *word.split(".")] if "." in word else [word]
            for part in parts:
                code_like = "_" in part.strip("_") or re.search(r"[a-z][A-Z]", part) or "." in part
                if len(part) >= 4 and part not in _COMMON and (anywhere or code_like):
                    found.add(part)
    return sorted(found)


def _relevance(messages: list[dict[str, str]]) -> str:
    prompt = messages[1]["content"] if len(messages) > 1 else messages[-1]["content"]
    issue = _ISSUE.search(prompt)
    file = _FILE.search(prompt)
    if issue is None or file is None:
        return "RELEVANCE: Not Relevant"
    path, content = file.group(1), file.group(2)
    terms = [t for t in issue_terms(issue.group(1)) if re.search(rf"\b{re.escape(t)}\b", content)]
    stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
    words = {part.lower() for word in _WORD.findall(issue.group(1)) for part in word.split(".")}
    named = len(stem) >= 4 and (stem in words or stem.removesuffix("s") in words)
    if len(terms) < MIN_SHARED and not named:
        return "RELEVANCE: Not Relevant"
    return (
        f"The file names {len(terms)} terms from the issue.\n"
        f"RELEVANCE: Relevant\nSUMMARY: Mentions {len(terms)} issue terms: {', '.join(terms[:8])}\n"
        f"({path} may need reading.)"
    )


def _ranking(messages: list[dict[str, str]]) -> str:
    found = _CANDIDATE.findall(messages[0]["content"])
    order = sorted(found, key=lambda pair: (-int(pair[1]), pair[0]))
    paths = ", ".join(f'"{path}"' for path, _ in order)
    return f"Most terms first.\n```json\n[{paths}]\n```"


def respond(messages: list[dict[str, str]], purpose: Any) -> str:
    """The reply for `purpose.stage`, in the output grammar."""
    if purpose.stage == "relevance":
        return _relevance(messages)
    if purpose.stage == "ranking":
        return _ranking(messages)
    return "<done/>"

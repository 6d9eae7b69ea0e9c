"""When two patches are the same candidate: one normalization, one id."""

from __future__ import annotations

import re

from sweagent.records import content_id

__all__ = ["candidate_id", "normalize_patch"]

_INDEX_LINE = re.compile(r"^index [0-9a-f]+\.\.[0-9a-f]+(?: \d+)?$")
_HUNK_HEADER = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@.*$")


def normalize_patch(patch: str) -> str:
    """The diff as compared for equality: the one place that decides when two candidates are the same.

    Blob ids, whitespace at line ends, hunk header positions (and their function context) and the
    order of the files are dropped, so diffs of the same change made in different ways compare equal.
    """
    lines = [
        "@@" if _HUNK_HEADER.match(line) else line.rstrip()
        for line in patch.replace("\r\n", "\n").split("\n")
        if not _INDEX_LINE.match(line)
    ]
    preamble: list[str] = []
    files: list[list[str]] = []
    for line in lines:
        if line.startswith("diff --git "):
            files.append([line])
        elif files:
            files[-1].append(line)
        else:
            preamble.append(line)
    sections = ["\n".join(preamble).strip("\n")] if any(preamble) else []
    sections += sorted("\n".join(section).strip("\n") for section in files)
    return "\n".join(sections).strip("\n") + "\n"


def candidate_id(patch: str) -> str:
    """The id of the candidate a patch makes: equal after `normalize_patch`, equal id."""
    return content_id(normalize_patch(patch))

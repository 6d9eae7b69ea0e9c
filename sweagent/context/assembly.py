"""Filling the token budget in rank order, merging rankings, and recall against a gold patch."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from sweagent.records import ContextFile

__all__ = ["assemble", "gold_files", "merge_rankings", "recall"]

RRF_K = 60
"""Reciprocal-rank-fusion constant: a file's score is the sum of 1 / (RRF_K + rank) over rankings."""

_DIFF_PATHS = re.compile(r"^diff --git a/(\S+) b/(\S+)$", re.MULTILINE)


def merge_rankings(rankings: Sequence[Sequence[str]], known: Sequence[str]) -> tuple[list[str], list[str]]:
    """(merged order, invented paths): reciprocal-rank fusion, ties broken by path; unknown paths dropped."""
    allowed = set(known)
    scores: dict[str, float] = {}
    invented: set[str] = set()
    for ranking in rankings:
        kept = [p for p in dict.fromkeys(ranking) if p in allowed]
        invented.update(p for p in ranking if p not in allowed)
        for rank, path in enumerate(kept):
            scores[path] = scores.get(path, 0.0) + 1.0 / (RRF_K + rank + 1)
    order = sorted(scores, key=lambda path: (-scores[path], path))
    return order, sorted(invented)


def assemble(
    order: Sequence[str], tokens: Mapping[str, int], budget: int, summaries: Mapping[str, str] | None = None
) -> tuple[list[ContextFile], list[str]]:
    """(files that fit, files skipped): in rank order, a file that does not fit is skipped, the next tried."""
    chosen: list[ContextFile] = []
    skipped: list[str] = []
    used = 0
    for path in order:
        size = tokens[path]
        if used + size > budget:
            skipped.append(path)
            continue
        used += size
        chosen.append(ContextFile(path=path, tokens=size, summary=(summaries or {}).get(path, "")))
    return chosen, skipped


def gold_files(patch: str | None) -> list[str]:
    """The files a patch touches (old and new names), sorted."""
    if not patch:
        return []
    found = {p for pair in _DIFF_PATHS.findall(patch) for p in pair if p != "/dev/null"}
    return sorted(found)


def recall(patch: str | None, paths: Sequence[str]) -> float | None:
    """Fraction of the gold patch's files among `paths`; None without a gold patch."""
    gold = gold_files(patch)
    if not gold:
        return None
    return sum(path in set(paths) for path in gold) / len(gold)

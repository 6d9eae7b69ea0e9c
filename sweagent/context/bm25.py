"""BM25 over file contents and skeletons: lexical retrieval that needs no model."""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

__all__ = ["Bm25Index", "terms"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_STOPWORDS = frozenset(
    "the a an and or of to in is it be for on with as by this that not are was if at from self none "
    "true false def class return import".split()
)


def terms(text: str) -> list[str]:
    """Lower-case identifiers and their snake/camel parts (`getHTTPResponse`: get, http, ...)."""
    found: list[str] = []
    for word in _IDENTIFIER.findall(text):
        found.extend(_word_terms(word))
    return found


@functools.lru_cache(maxsize=1 << 16)
def _word_terms(word: str) -> tuple[str, ...]:
    """The terms of one identifier; a repository repeats its identifiers, so each is split once."""
    parts = [p for chunk in word.split("_") for p in _CAMEL.findall(chunk)]
    candidates = [word.lower()] + ([p.lower() for p in parts] if len(parts) > 1 else [])
    return tuple(t for t in candidates if len(t) > 1 and t not in _STOPWORDS)


class Bm25Index:
    """Okapi BM25 over documents given as lists of terms."""

    def __init__(self, documents: Sequence[Iterable[str]], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self.counts = [Counter(doc) for doc in documents]
        self.lengths = [sum(c.values()) for c in self.counts]
        self.average = (sum(self.lengths) / len(self.lengths)) if self.lengths else 0.0
        frequency: Counter[str] = Counter()
        for counts in self.counts:
            frequency.update(counts.keys())
        total = len(self.counts)
        self.idf = {t: math.log(1 + (total - n + 0.5) / (n + 0.5)) for t, n in frequency.items()}

    def scores(self, query: Iterable[str]) -> list[float]:
        """One score per document; each distinct query term counts once."""
        wanted = [t for t in dict.fromkeys(query) if t in self.idf]
        results: list[float] = []
        for counts, length in zip(self.counts, self.lengths, strict=True):
            norm = self.k1 * (1 - self.b + self.b * length / self.average) if self.average else self.k1
            score = 0.0
            for term in wanted:
                tf = counts.get(term, 0)
                if tf:
                    score += self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
            results.append(score)
        return results

    def top(self, query: Iterable[str], keys: Sequence[str], limit: int | None = None) -> list[str]:
        """`keys` of the documents scoring above zero, best first, ties by key."""
        scored = [(s, k) for s, k in zip(self.scores(query), keys, strict=True) if s > 0]
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [k for _, k in scored[:limit]]

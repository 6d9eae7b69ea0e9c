"""Comparing selectors on evaluated candidates: resolved rate, the random-to-oracle gap, best-of-k.

Best-of-k is the exact average over every k-subset of an instance's candidates of "the selector's
pick within the subset resolves", where the pick within a subset is the candidate the selector
ranks highest (its choice first, then its scores). For a candidate at rank i (0 = best) of n, the
share of k-subsets whose best member it is equals C(n-1-i, k-1) / C(n, k). Random picks give the
resolved share at every k; the oracle gives pass@k = 1 - C(n-r, k) / C(n, k).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from math import comb
from pathlib import Path

from pydantic import Field

from sweagent.records import Candidate, Record, Selection
from sweagent.selection.protocol import ranked

__all__ = [
    "Comparison",
    "InstanceEvidence",
    "SelectorScore",
    "best_of_k",
    "compare",
    "pass_at_k",
    "plot_best_of_k",
]


class InstanceEvidence(Record):
    """One evaluated instance: its candidates, which resolve, and each selector's selection."""

    instance_id: str
    candidates: tuple[Candidate, ...]
    resolved: frozenset[str]
    """Ids of the candidates whose evaluation is `resolved`."""
    selections: dict[str, Selection] = Field(default_factory=dict)


class SelectorScore(Record):
    selector: str
    resolved: int
    """Instances whose selected candidate resolves."""
    rate: float
    """resolved / instances."""
    gap_closed: float | None
    """(rate - random) / (oracle - random); None when the oracle is no better than random."""
    best_of_k: tuple[float, ...]
    """Mean over instances of the best-of-k estimate, k = 1..N."""


class Comparison(Record):
    """`compare.json`."""

    instances: tuple[str, ...]
    skipped: dict[str, str] = Field(default_factory=dict)
    """Instances left out, and why (say, candidates not evaluated)."""
    random: float
    """Expected resolved rate of a uniformly random pick."""
    oracle: float
    """Share of instances with a resolving candidate (coverage)."""
    random_curve: tuple[float, ...]
    oracle_curve: tuple[float, ...]
    selectors: tuple[SelectorScore, ...]


def pass_at_k(n: int, r: int, k: int) -> float:
    """Chance that a random k-subset of n candidates, r of them resolving, holds a resolving one."""
    if n == 0:
        return 0.0
    k = min(k, n)
    return 1.0 - comb(n - r, k) / comb(n, k)


def best_of_k(order: Sequence[bool], k: int) -> float:
    """The exact share of k-subsets whose best-ranked member resolves; `order` is best first."""
    n = len(order)
    if n == 0:
        return 0.0
    k = min(k, n)
    return sum(comb(n - 1 - i, k - 1) for i, good in enumerate(order) if good) / comb(n, k)


def _order(instance: InstanceEvidence, selection: Selection | None) -> list[bool] | None:
    """The selector's ranking as resolved flags, its choice first; None when it failed."""
    if selection is None or selection.status != "selected":
        return None
    rest = [c for c in ranked(instance.candidates, selection.scores) if c.id != selection.candidate_id]
    ids = [selection.candidate_id, *(c.id for c in rest)]
    return [cid in instance.resolved for cid in ids]


def compare(
    instances: Sequence[InstanceEvidence], selectors: Sequence[str], skipped: Mapping[str, str] | None = None
) -> Comparison:
    """The table's numbers over `instances` (each with every candidate evaluated)."""
    count = len(instances)
    width = max((len(i.candidates) for i in instances), default=0)
    ks = range(1, width + 1)

    def mean(values: Sequence[float]) -> float:
        return sum(values) / count if count else 0.0

    random_curve = tuple(
        mean([len(i.resolved) / len(i.candidates) if i.candidates else 0.0 for i in instances]) for _ in ks
    )
    oracle_curve = tuple(
        mean([pass_at_k(len(i.candidates), len(i.resolved), k) for i in instances]) for k in ks
    )
    random = random_curve[-1] if random_curve else 0.0
    oracle = oracle_curve[-1] if oracle_curve else 0.0
    scores = []
    for name in selectors:
        orders = [_order(i, i.selections.get(name)) for i in instances]
        resolved = sum(bool(order and order[0]) for order in orders)
        rate = resolved / count if count else 0.0
        curve = tuple(mean([best_of_k(order, k) if order else 0.0 for order in orders]) for k in ks)
        gap = (rate - random) / (oracle - random) if oracle > random else None
        scores.append(
            SelectorScore(selector=name, resolved=resolved, rate=rate, gap_closed=gap, best_of_k=curve)
        )
    return Comparison(
        instances=tuple(i.instance_id for i in instances),
        skipped=dict(skipped or {}),
        random=random,
        oracle=oracle,
        random_curve=random_curve,
        oracle_curve=oracle_curve,
        selectors=tuple(scores),
    )


def plot_best_of_k(comparison: Comparison, path: Path) -> Path:
    """A PNG of the best-of-k curves: one line per selector, random and oracle dashed."""
    from matplotlib.figure import Figure  # imported here: plotting is the only user

    figure = Figure(figsize=(6.4, 4.2), dpi=100)
    axes = figure.subplots()
    ks = list(range(1, len(comparison.oracle_curve) + 1))
    axes.plot(ks, comparison.oracle_curve, "k--", label="oracle (pass@k)")
    axes.plot(ks, comparison.random_curve, ":", color="grey", label="random (expected)")
    for score in comparison.selectors:
        axes.plot(ks, score.best_of_k, marker="o", label=score.selector)
    axes.set_xticks(ks if len(ks) <= 20 else ks[:: max(1, len(ks) // 10)])
    axes.set_xlabel("k (candidates sampled)")
    axes.set_ylabel("resolved rate")
    axes.set_ylim(0, 1.02)
    axes.set_title(f"best-of-k over {len(comparison.instances)} instance(s)")
    axes.legend(loc="lower right", fontsize="small")
    axes.grid(alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path

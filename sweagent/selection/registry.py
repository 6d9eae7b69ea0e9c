"""Selector names: built-ins, the `sweagent.selectors` entry points, dotted paths, and chains `a>b`."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any, cast

from sweagent.errors import ConfigError, InfrastructureUnavailable, RegistryError
from sweagent.records import Candidate, Instance, Selection
from sweagent.registry import Registry
from sweagent.selection.protocol import (
    NEEDS,
    Evidence,
    Selector,
    SelectorContext,
    call_select,
    failed,
    ranked,
)

__all__ = ["SELECTORS", "ChainSelector", "build_selector", "chain_parts", "selector_needs"]

SELECTORS = Registry(
    "selector",
    {
        "random": "sweagent.selection.builtin:RandomSelector",
        "vote": "sweagent.selection.builtin:VoteSelector",
        "vote-weighted": "sweagent.selection.builtin:WeightedVoteSelector",
        "regression": "sweagent.selection.builtin:RegressionSelector",
        "consensus": "sweagent.selection.consensus:ConsensusSelector",
        "oracle": "sweagent.selection.builtin:OracleSelector",
        "model": "sweagent.selection.model_selector:ModelSelector",
        "state-machine": "sweagent.selection.state_machine:StateMachineSelector",
    },
    group="sweagent.selectors",
)


def chain_parts(spec: str) -> list[str]:
    """`vote>state-machine` -> [`vote`, `state-machine`]; ConfigError for an empty part."""
    parts = [part.strip() for part in spec.split(">")]
    if not all(parts):
        msg = f"selector {spec!r}: a chain is names joined by `>`, none of them empty"
        raise ConfigError(msg)
    return parts


def selector_needs(spec: str) -> frozenset[str]:
    """The evidence and resources the selector (every part of a chain) declares it needs."""
    needs: set[str] = set()
    for part in chain_parts(spec):
        declared: frozenset[str] = getattr(SELECTORS.resolve(part), "needs", frozenset())
        needs.update(name for name in declared if name in NEEDS)
    return frozenset(needs)


def _build_one(name: str, context: SelectorContext) -> Selector:
    target = SELECTORS.resolve(name)
    built: Any
    if inspect.isclass(target):
        constructor: Any = target
        takes_context = "context" in inspect.signature(constructor).parameters
        built = constructor(context=context) if takes_context else constructor()
    else:
        built = target
    if not callable(getattr(built, "select", None)):
        msg = f"selector {name!r} resolves to {target!r}, which has no select(instance, candidates, evidence)"
        raise RegistryError(msg)
    return cast(Selector, built)


def build_selector(spec: str, context: SelectorContext | None = None) -> Selector:
    """The selector `spec` names; in a chain `a>b`, `a` keeps its `config.top_k` best and `b` decides."""
    context = context or SelectorContext()
    parts = chain_parts(spec)
    selectors = [_build_one(part, context) for part in parts]
    if len(selectors) == 1:
        return selectors[0]
    return ChainSelector(spec, selectors, context.config.top_k)


class ChainSelector:
    """Each selector but the last keeps its top-k candidates; the last one decides among them.

    Scores rank the chosen candidate first, then the others in the order each stage left them, so a
    best-of-k estimate over subsets follows the chain's preferences.
    """

    def __init__(self, name: str, selectors: Sequence[Selector], top_k: int) -> None:
        self.name = name
        self.selectors = list(selectors)
        self.top_k = top_k

    async def select(
        self, instance: Instance, candidates: Sequence[Candidate], evidence: Evidence
    ) -> Selection:
        remaining = list(candidates)
        order: list[Candidate] = []  # candidates dropped by earlier stages, worst last
        notes = []
        result: Selection | None = None
        for position, selector in enumerate(self.selectors):
            label = getattr(selector, "name", type(selector).__name__)
            try:
                result = await call_select(selector, instance, remaining, evidence)
            except InfrastructureUnavailable:
                raise
            except Exception as err:  # a later link's crash must not cost the instance its submission
                result = failed(label, f"raised {type(err).__name__}: {err}")
            notes.append(f"{label}: {result.rationale}")
            if result.status != "selected":
                if not remaining:
                    return failed(self.name, f"{label} failed: {result.rationale}", result.scores)
                return self._fallback(remaining, order, notes, f"{label} failed: {result.rationale}", result)
            best = ranked(remaining, result.scores)
            if position < len(self.selectors) - 1:
                order = best[self.top_k :] + order
                remaining = best[: self.top_k]
            else:
                chosen = [c for c in remaining if c.id == result.candidate_id]
                order = chosen + [c for c in best if c.id != result.candidate_id] + order
        assert result is not None  # a chain has at least two parts
        return Selection(
            selector=self.name,
            candidate_id=result.candidate_id,
            status="selected",
            scores=_scores(order),
            rationale="; ".join(notes),
            trajectory=result.trajectory,
        )

    def _fallback(
        self,
        remaining: list[Candidate],
        order: list[Candidate],
        notes: list[str],
        why: str,
        result: Selection,
    ) -> Selection:
        """The earlier link's best (`remaining` is in its order), or the smallest diff when the first
        link failed: a chain submits whenever it has a candidate, and says that it fell back."""
        first = len(notes) == 1
        if first:
            remaining = ranked(remaining, {})
        taken = "the smallest diff (no earlier link)" if first else "the previous link's best"
        return Selection(
            selector=self.name,
            candidate_id=remaining[0].id,
            status="selected",
            scores=_scores(remaining + order),
            rationale="; ".join(notes),
            trajectory=result.trajectory,
            fallback=f"{why}; took {taken}",
        )


def _scores(order: Sequence[Candidate]) -> dict[str, float]:
    """Scores that rank `order` best first."""
    return {c.id: float(len(order) - index) for index, c in enumerate(order)}

"""Scaling curves: coverage and resolved rate against the number of samples and against iterations.

Both subsample what the run already holds, with no new model calls: with the first n samples (or
the turns up to k) only the candidates those produced exist, coverage asks whether any of them
resolves, and a selector's pick among them is re-derived from its stored choice and scores
(`chosen_among`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sweagent.reporting.loading import InstanceRun, RunData
from sweagent.reporting.metrics import (
    SampleOutcome,
    candidate_resolves,
    chosen_among,
    sample_outcomes,
    selector_names,
)

__all__ = ["Curve", "ScalingCurves", "scaling_curves"]

Available = Callable[[list[SampleOutcome]], list[str]]


@dataclass
class Curve:
    """Fractions of all instances at x = 1..len(values)."""

    label: str
    values: list[float]


@dataclass
class ScalingCurves:
    by_samples: list[Curve] = field(default_factory=list)
    by_iterations: list[Curve] = field(default_factory=list)
    iteration_instances: int = 0
    """Instances whose editing trajectories (with turns) are stored: the iteration curves need them."""


def scaling_curves(run: RunData) -> ScalingCurves:
    outcomes = {i.instance_id: sample_outcomes(i) for i in run.instances}
    curves = ScalingCurves()
    samples = max((len(o) for o in outcomes.values()), default=0)
    editing = [t for i in run.instances for n, t in i.trajectories.items() if n.startswith("editing-")]
    turns = max((len(t.turns) for t in editing), default=0)
    curves.iteration_instances = sum(any(o.final_turn for o in per) for per in outcomes.values())
    if samples:
        curves.by_samples = _curves(run, outcomes, samples, _first_samples)
    if turns:
        curves.by_iterations = _curves(run, outcomes, turns, _final_by_turn)
    return curves


def _first_samples(n: int) -> Available:
    # sample_outcomes lists samples in index order; a lost trajectory leaves a gap, not a slot.
    return lambda outcomes: _ids(outcomes[:n])


def _final_by_turn(k: int) -> Available:
    return lambda outcomes: _ids(o for o in outcomes if o.final_turn is not None and o.final_turn <= k)


def _ids(outcomes: Iterable[SampleOutcome]) -> list[str]:
    ids: list[str] = []
    for outcome in outcomes:
        if outcome.candidate_id and outcome.candidate_id not in ids:
            ids.append(outcome.candidate_id)
    return ids


def _curves(
    run: RunData,
    outcomes: dict[str, list[SampleOutcome]],
    size: int,
    available_at: Callable[[int], Available],
) -> list[Curve]:
    total = len(run.instances) or 1
    coverage = Curve("coverage (any candidate resolves)", [])
    selectors = {name: Curve(f"resolved: {name}", []) for name in selector_names(run)}
    for x in range(1, size + 1):
        pick = available_at(x)
        available = {i.instance_id: pick(outcomes[i.instance_id]) for i in run.instances}
        coverage.values.append(sum(_any_resolves(i, available[i.instance_id]) for i in run.instances) / total)
        for name, curve in selectors.items():
            hits = sum(_selected_resolves(i, name, available[i.instance_id]) for i in run.instances)
            curve.values.append(hits / total)
    return [coverage, *selectors.values()]


def _any_resolves(instance: InstanceRun, ids: list[str]) -> bool:
    return any(candidate_resolves(instance, cid) for cid in ids)


def _selected_resolves(instance: InstanceRun, selector: str, ids: list[str]) -> bool:
    selection = instance.selections.get(selector)
    return selection is not None and candidate_resolves(instance, chosen_among(selection, ids))

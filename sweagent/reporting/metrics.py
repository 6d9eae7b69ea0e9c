"""Per-instance facts and run-level metrics: coverage, resolved, selection accuracy, pass@k, cost."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from math import comb
from typing import Any

from sweagent.patches import candidate_id, normalize_patch
from sweagent.records import Selection, Trajectory
from sweagent.reporting.loading import InstanceRun, RunData
from sweagent.store import RESULTS_FILE

__all__ = [
    "SampleOutcome",
    "Summary",
    "candidate_resolves",
    "chosen_among",
    "covered",
    "instance_resolved",
    "mean_pass_at_k",
    "pass_at_k",
    "primary_selector",
    "resolved_by",
    "sample_outcomes",
    "selector_names",
    "summarize",
    "turn_became_final",
]

_SAMPLE = re.compile(r"^editing-(\d+)$")


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al., 2021): 1 - C(n-c, k) / C(n, k) for c correct of n samples."""
    if not 0 < k <= n or not 0 <= c <= n:
        msg = f"pass@k needs 0 < k <= n and 0 <= c <= n, got n={n} c={c} k={k}"
        raise ValueError(msg)
    return 1.0 - comb(n - c, k) / comb(n, k)


@dataclass(frozen=True)
class SampleOutcome:
    """One editing trajectory's final candidate and the turn (1-based) where its patch became final."""

    sample: int
    candidate_id: str | None
    final_turn: int | None
    resolved: bool


def turn_became_final(trajectory: Trajectory) -> int | None:
    """The first turn (1-based) from which the patch never changed again; None without a patch."""
    patches = [normalize_patch(t.patch or "") if (t.patch or "").strip() else "" for t in trajectory.turns]
    if not patches or not patches[-1]:
        return None
    turn = len(patches)
    while turn > 1 and patches[turn - 2] == patches[-1]:
        turn -= 1
    return turn


def sample_outcomes(instance: InstanceRun) -> list[SampleOutcome]:
    """Each editing sample in index order, from its trajectory file, else from candidates.json."""
    names = set(instance.trajectories) | set(instance.generation.trajectories if instance.generation else ())
    sources = [c.source for c in instance.generation.candidates] if instance.generation else []
    samples = sorted({int(m.group(1)) for name in [*names, *sources] if (m := _SAMPLE.match(name))})
    outcomes = []
    for sample in samples:
        trajectory = instance.trajectories.get(f"editing-{sample}")
        cid: str | None = None
        final_turn: int | None = None
        if trajectory is not None and trajectory.turns:
            final_turn = turn_became_final(trajectory)
            patch = trajectory.turns[-1].patch or ""
            cid = candidate_id(patch) if patch.strip() else None
        elif instance.generation is not None:
            source = f"editing-{sample}"
            cid = next((c.id for c in instance.generation.candidates if c.source == source), None)
        outcomes.append(SampleOutcome(sample, cid, final_turn, candidate_resolves(instance, cid)))
    return outcomes


def candidate_resolves(instance: InstanceRun, cid: str | None) -> bool:
    """The candidate was evaluated and resolves the instance."""
    evaluation = instance.evals.get(cid) if cid else None
    return evaluation is not None and evaluation.status == "resolved"


def covered(instance: InstanceRun) -> bool:
    """Some evaluated candidate of the instance resolves it."""
    return any(e.status == "resolved" and e.candidate_id for e in instance.evals.values())


def chosen_among(selection: Selection, available: Sequence[str]) -> str | None:
    """The selector's pick when only `available` candidates exist (in sample order).

    Its own choice when available; else the best-scored available candidate (earliest on ties);
    None when it failed or scored none of them.
    """
    if selection.status != "selected":
        return None
    if selection.candidate_id in available:
        return selection.candidate_id
    scored = [cid for cid in available if cid in selection.scores]
    return max(scored, key=lambda cid: (selection.scores[cid], -scored.index(cid)), default=None)


def resolved_by(instance: InstanceRun, selector: str) -> bool:
    """The selector's choice for the instance resolves it."""
    selection = instance.selections.get(selector)
    return (
        selection is not None
        and selection.status == "selected"
        and candidate_resolves(instance, selection.candidate_id)
    )


def selector_names(run: RunData) -> list[str]:
    return sorted({name for instance in run.instances for name in instance.selections})


def primary_selector(run: RunData) -> str | None:
    """The configured selector when the run has its selections, else the first one present."""
    names = selector_names(run)
    configured = run.config_value("selection.selector")
    if configured in names:
        return str(configured)
    return names[0] if names else None


def instance_resolved(run: RunData, instance: InstanceRun) -> bool:
    """Resolved per results.json when it lists the instance, else per the primary selector."""
    if instance.result is not None:
        return instance.result.get("status") == "resolved"
    selector = primary_selector(run)
    return selector is not None and resolved_by(instance, selector)


def mean_pass_at_k(run: RunData) -> list[float]:
    """pass@k for k = 1..N (N the fewest samples of any instance that has some), over all instances.

    Instances without samples count as unsolved.
    """
    counts = [(len(o), sum(s.resolved for s in o)) for o in map(sample_outcomes, run.instances)]
    sizes = [n for n, _ in counts if n]
    if not sizes or not run.instances:
        return []
    return [
        sum(pass_at_k(n, c, k) for n, c in counts if n) / len(run.instances) for k in range(1, min(sizes) + 1)
    ]


@dataclass
class Summary:
    instances: int
    with_candidates: int
    evaluated: int
    covered: int
    resolved: int
    resolved_source: str
    """Where `resolved` comes from: results.json or a selector's name."""
    selectors: dict[str, int] = field(default_factory=dict)
    """Resolved instances per selector."""
    pass_at_k: list[float] = field(default_factory=list)
    total_usage: dict[str, Any] = field(default_factory=dict)
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    trajectory_statuses: dict[str, Counter[str]] = field(default_factory=dict)
    result_statuses: Counter[str] = field(default_factory=Counter)
    """Instances per status in results.json."""
    candidate_statuses: Counter[str] = field(default_factory=Counter)
    """Evaluated candidates per status (eval/*.json): environment failures apart from wrong patches."""
    recalls: list[float] = field(default_factory=list)
    contexts: int = 0

    def accuracy(self, selector: str) -> float | None:
        """Selection accuracy: resolved / covered, None when nothing is covered."""
        return self.selectors[selector] / self.covered if self.covered else None

    def cost_per_resolved(self) -> float | None:
        cost = self.total_usage.get("cost")
        return float(cost) / self.resolved if self.resolved and cost is not None else None


def summarize(run: RunData) -> Summary:
    instances = run.instances
    summary = Summary(
        instances=len(instances),
        with_candidates=sum(bool(i.generation and i.generation.candidates) for i in instances),
        evaluated=sum(bool(i.evals) for i in instances),
        covered=sum(covered(i) for i in instances),
        resolved=sum(instance_resolved(run, i) for i in instances),
        resolved_source=RESULTS_FILE if run.results is not None else (primary_selector(run) or "none"),
        selectors={name: sum(resolved_by(i, name) for i in instances) for name in selector_names(run)},
        pass_at_k=mean_pass_at_k(run),
    )
    usage = run.usage or {}
    total = usage.get("total")
    summary.total_usage = dict(total) if isinstance(total, dict) else {}
    stages = usage.get("by_stage")
    summary.stages = dict(stages) if isinstance(stages, dict) else {}
    for instance in instances:
        for name, status in _trajectory_statuses(instance).items():
            summary.trajectory_statuses.setdefault(name.split("-")[0], Counter())[status] += 1
        if instance.result is not None:
            summary.result_statuses[str(instance.result.get("status"))] += 1
        summary.candidate_statuses.update(e.status for e in instance.evals.values())
        if instance.context is not None:
            summary.contexts += 1
            if instance.context.recall is not None:
                summary.recalls.append(instance.context.recall)
    return summary


def _trajectory_statuses(instance: InstanceRun) -> dict[str, str]:
    statuses = dict(instance.generation.trajectories) if instance.generation else {}
    statuses.update({name: t.status for name, t in instance.trajectories.items()})
    return statuses

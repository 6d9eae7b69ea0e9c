"""The report's tables as plain rows of text, shared by report.md and report.html."""

from __future__ import annotations

from dataclasses import dataclass

from sweagent.reporting.loading import RunData
from sweagent.reporting.metrics import (
    Summary,
    covered,
    instance_resolved,
    sample_outcomes,
    selector_names,
)
from sweagent.reporting.scaling import ScalingCurves

__all__ = ["Table", "report_tables"]

_SCALING_NOTE = {
    "samples": "With only the first n samples of each instance.",
    "iterations": "Each editing sample counted from the turn its final patch appeared"
    " ({n} of {total} instances have stored editing trajectories with a patch).",
}
_RESELECTION = (
    " A selector's pick among fewer candidates is its own choice when present, else its best-scored one."
)
USAGE_KEYS = (
    "calls",
    "prompt_tokens",
    "completion_tokens",
    "cached_tokens",
    "seconds",
    "cost",
    "cached_cost",
)


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[str]]
    note: str = ""


def _share(count: int, total: int) -> str:
    return f"{count} / {total} ({100 * count / total:.1f}%)" if total else f"{count} / 0"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _money(value: object) -> str:
    return "n/a" if value is None else f"${float(str(value)):.4f}"


def _number(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4f}" if abs(value) < 1000 else f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _cached(usage: dict[str, object] | None) -> str:
    if not usage:
        return "n/a"
    tokens = int(str(usage.get("cached_tokens", 0)))
    prompt = int(str(usage.get("prompt_tokens", 0)))
    share = f" ({100 * tokens / prompt:.1f}% of prompt tokens)" if prompt else ""
    return f"{_money(usage.get('cached_cost', 0.0))} for {tokens:,} tokens{share}"


def report_tables(run: RunData, summary: Summary, curves: ScalingCurves) -> list[Table]:
    """Every table of the report, in order."""
    total = summary.instances
    usage = summary.total_usage
    tokens = int(usage.get("prompt_tokens", 0)) + int(usage.get("completion_tokens", 0)) if usage else None
    recall = sum(summary.recalls) / len(summary.recalls) if summary.recalls else None
    tables = [
        Table(
            "Summary",
            ["metric", "value"],
            [
                ["instances", str(total)],
                ["instances with candidates", _share(summary.with_candidates, total)],
                ["instances evaluated", _share(summary.evaluated, total)],
                ["coverage (any candidate resolves)", _share(summary.covered, total)],
                [f"resolved (from {summary.resolved_source})", _share(summary.resolved, total)],
                ["tokens (prompt + completion)", "n/a" if tokens is None else f"{tokens:,}"],
                ["cost", _money(usage.get("cost")) if usage else "n/a"],
                ["of which cached prompt tokens", _cached(usage)],
                ["cost per resolved issue", _money(summary.cost_per_resolved())],
                [
                    "context recall (mean)",
                    f"{_percent(recall)} over {len(summary.recalls)} of {summary.contexts} contexts",
                ],
            ],
        ),
        Table(
            "Selection accuracy",
            ["selector", "resolved", "selection accuracy (resolved / covered)"],
            [[n, _share(r, total), _percent(summary.accuracy(n))] for n, r in summary.selectors.items()],
            "" if summary.selectors else "No selection/<selector>.json files.",
        ),
        Table(
            "pass@k (unbiased estimator over the editing samples)",
            ["k", "pass@k"],
            [[str(k), _percent(v)] for k, v in enumerate(summary.pass_at_k, 1)],
            (
                f"Averaged over all {total} instances (one without samples counts as unsolved), "
                "for k up to the fewest samples of an instance that has some."
                if summary.pass_at_k
                else "No editing samples."
            ),
        ),
    ]
    approximate = sum(bool((instance.result or {}).get("approximate")) for instance in run.instances)
    if approximate:
        tables[0].rows.append(["graded in APPROXIMATE environments (see below)", _share(approximate, total)])
    for title, series in (("samples", curves.by_samples), ("iterations", curves.by_iterations)):
        size = len(series[0].values) if series else 0
        tables.append(
            Table(
                f"Scaling with {title}",
                [title[:-1], *(curve.label for curve in series)],
                [[str(x + 1), *(_percent(c.values[x]) for c in series)] for x in range(size)],
                _SCALING_NOTE[title].format(n=curves.iteration_instances, total=total) + _RESELECTION
                if series
                else f"No data to scale over {title}.",
            )
        )
    tables.append(
        Table(
            "Usage per stage",
            ["stage", *USAGE_KEYS],
            [
                [stage, *(_number(values.get(key, 0)) for key in USAGE_KEYS)]
                for stage, values in _stages(summary)
            ],
            "" if summary.stages else "usage.json is missing or has no stages.",
        )
    )
    statuses = summary.trajectory_statuses
    tables.append(
        Table(
            "Trajectory statuses",
            ["kind", "status", "count"],
            [
                [kind, status, str(n)]
                for kind in sorted(statuses)
                for status, n in sorted(statuses[kind].items())
            ],
            "" if statuses else "No trajectories.",
        )
    )
    if summary.result_statuses:
        rows = [[status, str(n)] for status, n in sorted(summary.result_statuses.items())]
        tables.append(Table("Evaluation statuses (results.json)", ["status", "instances"], rows))
    if summary.candidate_statuses:
        rows = [[status, str(n)] for status, n in sorted(summary.candidate_statuses.items())]
        tables.append(Table("Candidate evaluation statuses (eval/)", ["status", "candidates"], rows))
    if approximate_table := _approximate_table(run):
        tables.append(approximate_table)
    if warnings_table := _setup_warnings_table(run):
        tables.append(warnings_table)
    tables.append(_instances_table(run))
    return tables


def _approximate_table(run: RunData) -> Table | None:
    """The instances results.json says were graded in an approximate environment, or None."""
    rows = []
    for instance in run.instances:
        result = instance.result or {}
        if not result.get("approximate"):
            continue
        environment = result.get("environment") or {}
        rows.append(
            [
                instance.instance_id,
                str(environment.get("provider", "?")),
                str(environment.get("python", "?")),
                str(environment.get("spec_python", "?")),
                "; ".join(str(note) for note in environment.get("notes", [])),
            ]
        )
    if not rows:
        return None
    header = ["instance", "provider", "Python", "spec's Python", "why"]
    note = (
        f"APPROXIMATE ENVIRONMENTS: {len(rows)} instance(s) were graded on another Python than "
        "SWE-bench's spec asks for; their grades may differ from the official harness's."
    )
    return Table("Approximate environments", header, rows, note)


def _setup_warnings_table(run: RunData) -> Table | None:
    """The instances whose grading tolerated a failed setup step (results.json), or None."""
    rows = [
        [instance.instance_id, str(warning)]
        for instance in run.instances
        for warning in (instance.result or {}).get("setup_warnings", [])
    ]
    if not rows:
        return None
    note = (
        "Setup steps that failed and were tolerated, as SWE-bench's eval script tolerates them (or a "
        "network the sandbox could not have): the grades stand, but a test may have run without what "
        "the step should have prepared."
    )
    return Table("Setup warnings", ["instance", "warning"], rows, note)


def _stages(summary: Summary) -> list[tuple[str, dict[str, object]]]:
    return [(stage, summary.stages[stage]) for stage in sorted(summary.stages)]


def _instances_table(run: RunData) -> Table:
    names = selector_names(run)
    rows = []
    for instance in run.instances:
        outcomes = sample_outcomes(instance)
        candidates = len(instance.generation.candidates) if instance.generation else 0
        picks = []
        for name in names:
            selection = instance.selections.get(name)
            picks.append("-" if selection is None else (selection.candidate_id or selection.status))
        rows.append(
            [
                instance.instance_id,
                str(len(outcomes)),
                str(candidates),
                f"{sum(o.resolved for o in outcomes)}",
                "yes" if covered(instance) else "no",
                "yes" if instance_resolved(run, instance) else "no",
                *picks,
            ]
        )
    header = ["instance", "samples", "candidates", "resolving samples", "covered", "resolved"]
    return Table("Instances", header + [f"pick: {n}" for n in names], rows)

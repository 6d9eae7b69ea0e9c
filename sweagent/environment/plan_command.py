"""`sweagent images plan`: which provider will serve each instance, or why none can; nothing is built.

One line per instance on stdout (provider, Python, exact or approximate, or the reasons), then a
table per repository on stderr and a last line `refused N of M`. The registry is asked over HTTP
(once per run whether it answers, then one manifest request per image); no Docker engine is needed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sweagent.config import EnvironmentConfig
from sweagent.environment.images_command import load_reporting
from sweagent.environment.providers import EnvironmentProviders, PlannedEnvironment
from sweagent.store import atomic_write_text

__all__ = ["plan_command", "plan_line", "plan_table", "refusal_reasons"]


def plan_line(planned: PlannedEnvironment) -> str:
    """`<id>  <provider>  Python X [(spec Y)]  exact|approximate`, or `<id>  refused  <reasons>`."""
    info = planned.environment
    if info is None:
        reasons = "; ".join(f"{name}: {reason}" for name, reason in planned.refused.items())
        return f"{planned.instance_id}  refused  {reasons}"
    python = f"Python {info.python or '?'}"
    if info.spec_python and info.spec_python != info.python:
        python += f" (spec {info.spec_python})"
    kind = "approximate" if info.approximate else "exact"
    line = f"{planned.instance_id}  {info.provider}  {python}  {kind}"
    if planned.refused:
        line += "  (" + "; ".join(f"{name}: {reason}" for name, reason in planned.refused.items()) + ")"
    return line


def plan_table(plan: Sequence[PlannedEnvironment]) -> Table:
    """Per repository: instances, served by official, built exact, built approximate, given, refused."""
    columns = ("official", "exact", "approx", "given", "refused")
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for planned in plan:
        info = planned.environment
        if info is None:
            column = "refused"
        elif info.provider == "build":
            column = "approx" if info.approximate else "exact"
        else:
            column = info.provider
        counts[planned.repo][column] += 1
    table = Table(title="environment plan per repository (exact, approx: built here)")
    table.add_column("repository", no_wrap=True)
    table.add_column("all", justify="right")
    for column in columns:
        table.add_column(column, justify="right")
    for repo in sorted(counts):
        row = counts[repo]
        table.add_row(repo, str(sum(row.values())), *(str(row[c]) for c in columns))
    total = Counter[str]()
    for row in counts.values():
        total.update(row)
    table.add_row("[bold]all[/bold]", str(len(plan)), *(str(total[c]) for c in columns))
    return table


def refusal_reasons(plan: Sequence[PlannedEnvironment]) -> Counter[str]:
    """The last provider's reason of each refused instance, without its instance-specific prefix."""
    reasons: Counter[str] = Counter()
    for planned in plan:
        if planned.environment is None and planned.refused:
            reason = list(planned.refused.values())[-1]
            reasons[reason.split("): ", 1)[-1] if reason.startswith(planned.instance_id) else reason] += 1
    return reasons


def plan_command(
    dataset: str,
    instances: list[str] | None,
    filter_: str | None,
    environment: EnvironmentConfig | None = None,
    *,
    json_out: Path | None = None,
    console: Console | None = None,
    out: Console | None = None,
) -> int:
    """Print the plan; 0 (refusals are an answer, not a failure), 2 for a dataset that cannot be read."""
    console = console or Console(stderr=True, soft_wrap=True)
    out = out or Console(soft_wrap=True, highlight=False, markup=False)
    loaded = load_reporting(console, dataset, instances, filter_)
    if loaded is None:
        return 2
    providers = EnvironmentProviders(environment)
    plan = [providers.plan(instance) for instance in loaded.instances]
    for planned in plan:
        out.print(plan_line(planned))
    console.print(plan_table(plan))
    for reason, count in refusal_reasons(plan).most_common(10):
        console.print(f"  {count:4d}  {reason}", highlight=False, markup=False)
    if json_out is not None:
        data = "[\n" + ",\n".join(p.model_dump_json() for p in plan) + "\n]\n"
        atomic_write_text(json_out, data)
    refused = sum(p.environment is None for p in plan)
    approximate = sum(p.environment is not None and p.environment.approximate for p in plan)
    out.print(f"refused {refused} of {len(plan)}; approximate {approximate}")
    return 0

"""The body of `sweagent import`, and the table `sweagent compare` prints (kept apart from `commands`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sweagent.datasets import load_dataset
from sweagent.datasets.repos import remembered_sources
from sweagent.errors import ConfigError
from sweagent.run_lock import holds_run_directory
from sweagent.selection.comparison import Comparison
from sweagent.selection.importing import import_predictions
from sweagent.selection.patch_checks import KINDS
from sweagent.store import RunStore

__all__ = ["compare_table", "shown_ks", "import_command"]


@holds_run_directory("sweagent import")
def import_command(
    predictions: Sequence[Path],
    dataset: str,
    run_dir: Path,
    *,
    repos_dir: Path | None = None,
    console: Console | None = None,
) -> int:
    """Merge other systems' predictions into the run's `candidates.json`, classifying every patch."""
    console = console or Console(stderr=True, soft_wrap=True)
    if not predictions:
        msg = "give at least one predictions file"
        raise ConfigError(msg)
    instances = {i.instance_id: i for i in load_dataset(dataset).instances}
    sources = remembered_sources(run_dir, repos_dir) if repos_dir else None
    summary = import_predictions(predictions, instances, RunStore(run_dir), sources=sources)
    for problem in summary.problems:
        console.print(f"[yellow]{problem}[/yellow]", highlight=False)
    table = Table(title="imported patches by kind")
    table.add_column("kind")
    table.add_column("patches", justify="right")
    for kind in KINDS:
        if summary.kinds[kind]:
            table.add_row(kind, str(summary.kinds[kind]))
    console.print(table)
    total = sum(summary.added.values())
    console.print(f"imported {total} new candidate(s) into {len(summary.added)} instance(s) of {run_dir}")
    return 1 if summary.problems else 0


def shown_ks(n: int) -> list[int]:
    """The k a table shows: 1, 2, 4, 8, ... and N, so it reads at 80 columns however large the pool."""
    ks, k = [], 1
    while k < n:
        ks.append(k)
        k *= 2
    return [*ks, n] if n else []


def compare_table(comparison: Comparison) -> Table:
    """Resolved rate, gap closed and best-of-k (at `shown_ks`) per selector, random and oracle around them."""
    ks = shown_ks(len(comparison.oracle_curve))
    table = Table(title=f"selectors over {len(comparison.instances)} evaluated instance(s)")
    for column in ("selector", "resolved", "gap", *(f"@{k}" for k in ks)):
        table.add_column(column, justify="left" if column == "selector" else "right")

    def at(curve: Sequence[float]) -> list[str]:
        return [f"{curve[k - 1]:.2f}" if k <= len(curve) else "-" for k in ks]

    has_gap = comparison.oracle > comparison.random
    table.add_row(
        "random (expected)",
        f"{comparison.random:.3f}",
        "0.00" if has_gap else "-",
        *at(comparison.random_curve),
    )
    for score in comparison.selectors:
        gap = "-" if score.gap_closed is None else f"{score.gap_closed:.2f}"
        table.add_row(score.selector, f"{score.rate:.3f}", gap, *at(score.best_of_k))
    table.add_row(
        "oracle (pass@k)",
        f"{comparison.oracle:.3f}",
        "1.00" if has_gap else "-",
        *at(comparison.oracle_curve),
    )
    return table

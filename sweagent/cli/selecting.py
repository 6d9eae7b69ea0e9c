"""`select`, `compare` and `import`: selection over stored candidates (sweagent/selection/commands.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from sweagent.cli.options import ConfigOptions, with_shared_options

__all__ = ["commands"]

commands = typer.Typer()

RunDataset = Annotated[str | None, typer.Option(help="Dataset of the run's instances (issue text)")]
RememberedRepos = Annotated[
    Path | None, typer.Option(help="Local repositories as DIR/<owner>/<name> (remembered by the run)")
]


@dataclass(frozen=True)
class _StoredRunGroup(ConfigOptions):
    """The options `select` and `compare` share: how to read the stored run."""

    dataset: RunDataset = None
    repos_dir: RememberedRepos = None

    def command_options(self) -> dict[str, Any]:
        """The keyword arguments of `select_command` and `compare_command` these options give."""
        return {
            "dataset": self.dataset,
            "repos_dir": self.repos_dir,
            "config_files": self.config or [],
            "overrides": self.override or [],
        }


@commands.command()
@with_shared_options(_StoredRunGroup)
def select(
    run_dir: Path,
    selector: Annotated[
        str | None,
        typer.Option(help="Name, dotted path or chain a>b (default: selection.selector)"),
    ] = None,
    force: Annotated[bool, typer.Option(help="Select again even where a selection is stored")] = False,
    *,
    shared: _StoredRunGroup,
) -> None:
    """Re-select over the stored candidates of a run."""
    from sweagent.selection.commands import select_command

    raise typer.Exit(select_command(run_dir, selector, force=force, **shared.command_options()))


@commands.command()
@with_shared_options(_StoredRunGroup)
def compare(
    run_dir: Path,
    selectors: Annotated[str, typer.Option(help="Comma-separated selector names")],
    *,
    shared: _StoredRunGroup,
) -> None:
    """Best-of-k table and plot per selector."""
    from sweagent.selection.commands import compare_command

    raise typer.Exit(compare_command(run_dir, selectors, **shared.command_options()))


@commands.command("import")
def import_(
    predictions: Annotated[list[Path], typer.Option(help="SWE-bench predictions files, one per system")],
    dataset: Annotated[str, typer.Option(help="Dataset the predictions answer")],
    run_dir: Annotated[Path, typer.Option(help="Run directory to create or extend")],
    repos_dir: Annotated[
        Path | None, typer.Option(help="Local repositories: patches are checked against the base commit")
    ] = None,
) -> None:
    """Import candidates from other systems' prediction files (system per record), classifying each."""
    from sweagent.selection.commands import import_command

    raise typer.Exit(import_command(predictions, dataset, run_dir, repos_dir=repos_dir))

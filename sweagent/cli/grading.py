"""`evaluate`, `validate` and `report`: grading and reporting (sweagent/evaluation, sweagent/reporting)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sweagent.cli import options as opt

if TYPE_CHECKING:
    from sweagent.evaluation.options import GradingOptions

__all__ = ["commands"]

commands = typer.Typer()

Timeout = Annotated[float, typer.Option(help="Seconds the setup and the tests may each take")]


@dataclass(frozen=True)
class _GradingOptionGroup(opt.ConfigOptions):
    """The options `evaluate` and `validate` share, which become one `GradingOptions`."""

    filter_: opt.Filter = None
    repos_dir: opt.ReposDir = None
    timeout: Timeout = 1800.0

    def options(self) -> GradingOptions:
        """These options, with the environments and network of the config."""
        from sweagent.evaluation.options import GradingOptions

        return GradingOptions(
            filter=self.filter_,
            repos_dir=self.repos_dir,
            timeout=self.timeout,
            environment=opt.environment(self.config, self.override),
            network=opt.grading_network(self.config, self.override),
        )


@commands.command()
@opt.with_shared_options(_GradingOptionGroup)
def evaluate(
    run_dir: Annotated[
        Path | None, typer.Argument(help="Run directory: reads its predictions.jsonl, writes results.json")
    ] = None,
    predictions: Annotated[
        Path | None, typer.Option(help="SWE-bench predictions file (JSON or JSONL)")
    ] = None,
    dataset: Annotated[str | None, typer.Option(help="Dataset file or name")] = None,
    instances: opt.InstanceIds = None,
    out_dir: Annotated[
        Path | None, typer.Option("--run-dir", help="Where results go (default: a new folder under runs/)")
    ] = None,
    *,
    shared: _GradingOptionGroup,
) -> None:
    """Grade candidates with FAIL_TO_PASS / PASS_TO_PASS."""
    from sweagent.evaluation import evaluate_command

    if run_dir and out_dir and run_dir != out_dir:
        opt.fail("give the run directory once (RUN_DIR or --run-dir)")
    code = evaluate_command(
        predictions,
        dataset,
        run_dir or out_dir,
        opt.instance_ids(instances),
        options=shared.options(),
    )
    raise typer.Exit(code)


@commands.command()
@opt.with_shared_options(_GradingOptionGroup)
def validate(
    dataset: opt.DatasetName,
    instances: opt.InstanceIds = None,
    run_dir: Annotated[
        Path | None, typer.Option(help="Where logs go (default: a new folder under runs/)")
    ] = None,
    *,
    shared: _GradingOptionGroup,
) -> None:
    """Gold patches must resolve and empty patches must not."""
    from sweagent.evaluation import validate_command

    code = validate_command(
        dataset,
        opt.instance_ids(instances),
        run_dir=run_dir,
        options=shared.options(),
    )
    raise typer.Exit(code)


@commands.command()
def report(run_dir: Path, html: Annotated[bool, typer.Option(help="Also write report.html")] = False) -> None:
    """Write report.md, plots and optionally report.html for a run."""
    from sweagent.reporting import report_command

    raise typer.Exit(report_command(run_dir, html))

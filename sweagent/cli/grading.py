"""`evaluate`, `validate` and `report`: grading and reporting (sweagent/evaluation, sweagent/reporting)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sweagent.cli import options as opt

if TYPE_CHECKING:
    from sweagent.evaluation.options import GradingOptions

__all__ = ["commands"]

commands = typer.Typer()

Timeout = Annotated[float, typer.Option(help="Seconds the setup and the tests may each take")]


_SHARED: dict[str, tuple[Any, Any]] = {
    "filter_": (opt.Filter, None),
    "repos_dir": (opt.ReposDir, None),
    "timeout": (Timeout, 1800.0),
    "config": (opt.ConfigFiles, None),
    "override": (opt.Overrides, None),
}
"""The options `evaluate` and `validate` share (one `GradingOptions`): name -> (type, default)."""


@commands.command()
@opt.with_shared_options(_SHARED)
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
    shared: dict[str, Any] | None = None,
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
        options=_grading(**(shared or {})),
    )
    raise typer.Exit(code)


@commands.command()
@opt.with_shared_options(_SHARED)
def validate(
    dataset: opt.DatasetName,
    instances: opt.InstanceIds = None,
    run_dir: Annotated[
        Path | None, typer.Option(help="Where logs go (default: a new folder under runs/)")
    ] = None,
    shared: dict[str, Any] | None = None,
) -> None:
    """Gold patches must resolve and empty patches must not."""
    from sweagent.evaluation import validate_command

    code = validate_command(
        dataset,
        opt.instance_ids(instances),
        run_dir=run_dir,
        options=_grading(**(shared or {})),
    )
    raise typer.Exit(code)


def _grading(
    filter_: str | None,
    repos_dir: Path | None,
    timeout: float,
    config: list[Path] | None,
    override: list[str] | None,
) -> GradingOptions:
    """The options `evaluate` and `validate` share, with the environments and network of the config."""
    from sweagent.evaluation.options import GradingOptions

    return GradingOptions(
        filter=filter_,
        repos_dir=repos_dir,
        timeout=timeout,
        environment=opt.environment(config, override),
        network=opt.grading_network(config, override),
    )


@commands.command()
def report(run_dir: Path, html: Annotated[bool, typer.Option(help="Also write report.html")] = False) -> None:
    """Write report.md, plots and optionally report.html for a run."""
    from sweagent.reporting import report_command

    raise typer.Exit(report_command(run_dir, html))

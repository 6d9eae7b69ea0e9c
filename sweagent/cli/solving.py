"""`run` and `solve`: the options they share become one `RunOptions` (see sweagent/run_options.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sweagent.cli.options import ConfigFiles, Filter, InstanceIds, Overrides, err_console

__all__ = ["commands"]

commands = typer.Typer()

Model = Annotated[
    str | None,
    typer.Option(help="Primary model (also the relevance model unless set); scripted:builtin to test"),
]
BaseUrl = Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint")]
Samples = Annotated[int | None, typer.Option(help="Parallel trajectories per instance")]
Iterations = Annotated[int | None, typer.Option(help="Turns per trajectory")]
Selector = Annotated[str | None, typer.Option(help="Selector name, dotted path, or chain a>b")]
RunDir = Annotated[Path | None, typer.Option(help="Run directory (default: a new one under runs/)")]
Force = Annotated[
    bool,
    typer.Option(help="Continue a run directory under a changed config (solve: also --apply when dirty)"),
]


def _shared(
    config: list[Path] | None,
    override: list[str] | None,
    model: str | None,
    base_url: str | None,
    samples: int | None,
    iterations: int | None,
    selector: str | None,
    run_dir: Path | None,
    force: bool,
) -> dict[str, Any]:
    """The fields of `RunOptions`, which both requests extend."""
    return {
        "config_files": tuple(config or ()),
        "overrides": tuple(override or ()),
        "model": model,
        "base_url": base_url,
        "samples": samples,
        "iterations": iterations,
        "selector": selector,
        "run_dir": run_dir,
        "force": force,
    }


@commands.command()
def run(
    dataset: Annotated[str, typer.Option(help="Dataset file or name (swe-mini)")],
    instances: InstanceIds = None,
    filter_: Filter = None,
    stages: Annotated[str | None, typer.Option(help="Subset of stages, e.g. context,generate")] = None,
    repos_dir: Annotated[Path | None, typer.Option(help="Folder of <owner>/<name> git repositories")] = None,
    strict: Annotated[bool, typer.Option(help="Stop at the first malformed record")] = False,
    config: ConfigFiles = None,
    override: Overrides = None,
    model: Model = None,
    base_url: BaseUrl = None,
    samples: Samples = None,
    iterations: Iterations = None,
    selector: Selector = None,
    run_dir: RunDir = None,
    force: Force = False,
) -> None:
    """Solve every selected instance of a dataset."""
    from sweagent.pipeline import RunRequest, run_command

    request = RunRequest(
        dataset=dataset,
        instances=tuple(i.strip() for i in (instances or "").split(",") if i.strip()),
        filter=filter_,
        stages=stages,
        repos_dir=repos_dir,
        strict=strict,
        **_shared(config, override, model, base_url, samples, iterations, selector, run_dir, force),
    )
    raise typer.Exit(run_command(request, err_console))


@commands.command()
def solve(
    repo: Annotated[Path, typer.Option(help="Local git repository (its HEAD commit is solved)")],
    issue: Annotated[str | None, typer.Option(help="Issue text")] = None,
    issue_file: Annotated[Path | None, typer.Option(help="File holding the issue text")] = None,
    test_cmd: Annotated[
        str | None, typer.Option(help="How the repository runs its tests ({tests}: files)")
    ] = None,
    apply: Annotated[bool, typer.Option(help="Apply the chosen patch to the working tree")] = False,
    branch: Annotated[str | None, typer.Option(help="Commit the patch on a new branch")] = None,
    image: Annotated[
        str | None, typer.Option(help="Environment image (default: the repo's Dockerfile or base)")
    ] = None,
    config: ConfigFiles = None,
    override: Overrides = None,
    model: Model = None,
    base_url: BaseUrl = None,
    samples: Samples = None,
    iterations: Iterations = None,
    selector: Selector = None,
    run_dir: RunDir = None,
    force: Force = False,
) -> None:
    """Resolve an issue in your own repository."""
    from sweagent.solve import SolveRequest, solve_command

    request = SolveRequest(
        repo=repo,
        issue=issue,
        issue_file=issue_file,
        test_cmd=test_cmd,
        apply=apply,
        branch=branch,
        image=image,
        **_shared(config, override, model, base_url, samples, iterations, selector, run_dir, force),
    )
    raise typer.Exit(solve_command(request, err_console))

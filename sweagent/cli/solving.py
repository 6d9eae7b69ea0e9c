"""`run` and `solve`: the options they share become one `RunOptions` (see sweagent/run_options.py)."""

from __future__ import annotations

import enum
import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from sweagent.cli.options import ConfigFiles, Filter, InstanceIds, Overrides, err_console

__all__ = ["commands"]

commands = typer.Typer()


class Executor(enum.StrEnum):
    """The values of `--executor` (config key `executor`)."""

    local = "local"
    ray = "ray"


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


_SHARED: dict[str, tuple[Any, Any]] = {
    "config": (ConfigFiles, None),
    "override": (Overrides, None),
    "model": (Model, None),
    "base_url": (BaseUrl, None),
    "samples": (Samples, None),
    "iterations": (Iterations, None),
    "selector": (Selector, None),
    "run_dir": (RunDir, None),
    "force": (Force, False),
}
"""The options `run` and `solve` share: name -> (annotation, default)."""


def _with_shared_options(command: Callable[..., None]) -> Callable[..., None]:
    """`command` with the shared options after its own; it gets them as `shared`, the `RunOptions` fields."""
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "shared"]
    added = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        for name, (annotation, default) in _SHARED.items()
    ]

    @functools.wraps(command)
    def with_options(**values: Any) -> None:
        config, override = values.pop("config"), values.pop("override")
        shared = {name: values.pop(name) for name in _SHARED if name in values}
        shared.update(config_files=tuple(config or ()), overrides=tuple(override or ()))
        command(**values, shared=shared)

    parameters = own + added
    with_options.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    with_options.__annotations__ = {p.name: p.annotation for p in parameters}
    return with_options


@commands.command()
@_with_shared_options
def run(
    dataset: Annotated[str, typer.Option(help="Dataset file or name (swe-mini)")],
    instances: InstanceIds = None,
    filter_: Filter = None,
    stages: Annotated[str | None, typer.Option(help="Subset of stages, e.g. context,generate")] = None,
    repos_dir: Annotated[Path | None, typer.Option(help="Folder of <owner>/<name> git repositories")] = None,
    strict: Annotated[bool, typer.Option(help="Stop at the first malformed record")] = False,
    executor: Annotated[
        Executor | None, typer.Option(help="Where instances run: local, or ray (tasks on a Ray cluster)")
    ] = None,
    ray_address: Annotated[
        str | None, typer.Option(help="Ray cluster to run on (e.g. auto, HOST:6379); implies --executor ray")
    ] = None,
    shared: dict[str, Any] | None = None,
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
        executor=executor.value if executor is not None else None,
        ray_address=ray_address,
        **(shared or {}),
    )
    raise typer.Exit(run_command(request, err_console))


@commands.command()
@_with_shared_options
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
    shared: dict[str, Any] | None = None,
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
        **(shared or {}),
    )
    raise typer.Exit(solve_command(request, err_console))

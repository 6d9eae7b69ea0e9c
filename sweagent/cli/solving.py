"""`run` and `solve`: the options they share become one `RunOptions` (see sweagent/run_options.py)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from sweagent.cli.options import (
    ConfigOptions,
    Filter,
    InstanceIds,
    err_console,
    field_values,
    instance_ids,
    with_shared_options,
)

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


@dataclass(frozen=True)
class _RunOptionGroup(ConfigOptions):
    """The options `run` and `solve` share: `RunOptions` fields (see sweagent/run_options.py)."""

    model: Model = None
    base_url: BaseUrl = None
    samples: Samples = None
    iterations: Iterations = None
    selector: Selector = None
    run_dir: RunDir = None
    force: Force = False

    def request_fields(self) -> dict[str, Any]:
        """The `RunOptions` fields of these options (the config files and overrides as tuples)."""
        values = field_values(self)
        config, override = values.pop("config"), values.pop("override")
        return {**values, "config_files": tuple(config or ()), "overrides": tuple(override or ())}


@dataclass(frozen=True)
class _RunArguments:
    """`run`'s own options: the dataset, which of its instances, and where they run (`RunRequest`)."""

    dataset: Annotated[str, typer.Option(help="Dataset file or name (swe-mini)")]
    instances: InstanceIds = None
    filter_: Filter = None
    stages: Annotated[str | None, typer.Option(help="Subset of stages, e.g. context,generate")] = None
    repos_dir: Annotated[Path | None, typer.Option(help="Folder of <owner>/<name> git repositories")] = None
    strict: Annotated[bool, typer.Option(help="Stop at the first malformed record")] = False
    executor: Annotated[
        Executor | None, typer.Option(help="Where instances run: local, or ray (tasks on a Ray cluster)")
    ] = None
    ray_address: Annotated[
        str | None, typer.Option(help="Ray cluster to run on (e.g. auto, HOST:6379); implies --executor ray")
    ] = None

    def request_fields(self) -> dict[str, Any]:
        """The `RunRequest` fields of these options (the instance ids as a tuple)."""
        return {**field_values(self), "instances": tuple(instance_ids(self.instances) or ())}


@dataclass(frozen=True)
class _SolveArguments:
    """`solve`'s own options: the repository, the issue, and what to do with the patch (`SolveRequest`)."""

    repo: Annotated[Path, typer.Option(help="Local git repository (its HEAD commit is solved)")]
    issue: Annotated[str | None, typer.Option(help="Issue text")] = None
    issue_file: Annotated[Path | None, typer.Option(help="File holding the issue text")] = None
    test_cmd: Annotated[
        str | None, typer.Option(help="How the repository runs its tests ({tests}: files)")
    ] = None
    apply: Annotated[bool, typer.Option(help="Apply the chosen patch to the working tree")] = False
    branch: Annotated[str | None, typer.Option(help="Commit the patch on a new branch")] = None
    image: Annotated[
        str | None, typer.Option(help="Environment image (default: the repo's Dockerfile or base)")
    ] = None


@commands.command()
@with_shared_options(_RunOptionGroup, own=_RunArguments)
def run(own: _RunArguments, *, shared: _RunOptionGroup) -> None:
    """Solve every selected instance of a dataset."""
    from sweagent.pipeline import RunRequest, run_command

    raise typer.Exit(run_command(RunRequest(**own.request_fields(), **shared.request_fields()), err_console))


@commands.command()
@with_shared_options(_RunOptionGroup, own=_SolveArguments)
def solve(own: _SolveArguments, *, shared: _RunOptionGroup) -> None:
    """Resolve an issue in your own repository."""
    from sweagent.solve import SolveRequest, solve_command

    raise typer.Exit(solve_command(SolveRequest(**field_values(own), **shared.request_fields()), err_console))

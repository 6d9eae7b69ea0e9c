"""`sweagent images build`: every selected instance's image from the configured providers (the
same order `sweagent images plan` shows), with progress and a closing table."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from docker import DockerClient
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sandbox.engine import connect
from sandbox.errors import SandboxError
from sweagent.config import EnvironmentConfig
from sweagent.datasets import LoadedDataset, RepoSources, load_dataset
from sweagent.environment.providers import EnvironmentProviders
from sweagent.errors import DatasetError, EnvironmentBuildError, UnsupportedInstance
from sweagent.records import EnvironmentInfo, Instance, Record

__all__ = ["ImageOutcome", "build_images", "build_images_command", "load_reporting", "outcomes_table"]


class ImageOutcome(Record):
    """What building one instance's image came to."""

    instance_id: str
    """The instance."""
    status: Literal["built", "unsupported", "failed"]
    """`built` (or found), `unsupported` (no base provides its environment; not a failure) or `failed`."""
    tag: str = ""
    """The image tag, when built."""
    reason: str = ""
    """Why not, when unsupported or failed."""
    environment: EnvironmentInfo | None = None
    """The provider that served it, its Python, whether approximate, and the providers refused."""


def build_images(
    instances: Sequence[Instance],
    *,
    client: DockerClient,
    sources: RepoSources | None = None,
    progress: Callable[[str], None] | None = None,
    done: Callable[[ImageOutcome], None] | None = None,
    providers: EnvironmentProviders | None = None,
) -> list[ImageOutcome]:
    """Pull or build (or find) each instance's image in turn; one outcome per instance, never an exception."""
    providers = providers or EnvironmentProviders(EnvironmentConfig(providers=["build"]))
    outcomes = []
    for instance in instances:
        try:
            info = providers.prepare(instance, client=client, sources=sources, progress=progress)
            outcome = ImageOutcome(
                instance_id=instance.instance_id, status="built", tag=info.image, environment=info
            )
        except UnsupportedInstance as err:
            outcome = ImageOutcome(instance_id=instance.instance_id, status="unsupported", reason=str(err))
        except EnvironmentBuildError as err:
            outcome = ImageOutcome(instance_id=instance.instance_id, status="failed", reason=str(err))
        outcomes.append(outcome)
        if done is not None:
            done(outcome)
    return outcomes


def outcomes_table(outcomes: Sequence[ImageOutcome]) -> Table:
    """Instance -> tag, or unsupported/failed with the reason (the first and last lines of it)."""
    table = Table(title="instance images")
    table.add_column("instance")
    table.add_column("status")
    table.add_column("provider")
    table.add_column("image or reason", overflow="fold")
    colours = {"built": "green", "unsupported": "yellow", "failed": "red"}
    for outcome in outcomes:
        lines = outcome.reason.strip().splitlines()
        reason = "\n".join(lines if len(lines) <= 6 else [*lines[:1], "...", *lines[-5:]])
        info = outcome.environment
        provider = (
            "-" if info is None else info.provider + (" [yellow]approximate[/]" if info.approximate else "")
        )
        table.add_row(
            outcome.instance_id,
            f"[{colours[outcome.status]}]{outcome.status}[/]",
            provider,
            outcome.tag or reason,
        )
    return table


def build_images_command(
    dataset: str,
    instances: list[str] | None,
    filter_: str | None,
    repos_dir: Path | None,
    *,
    environment: EnvironmentConfig | None = None,
    console: Console | None = None,
) -> int:
    """Build every selected instance's image; 0 when none failed (unsupported is not a failure), 1, or 2."""
    console = console or Console(stderr=True, soft_wrap=True)
    loaded = load_reporting(console, dataset, instances, filter_)
    if loaded is None:
        return 2
    try:
        client = connect()
    except SandboxError as err:
        console.print(f"error: {err}", highlight=False, markup=False)
        return 2
    sources = RepoSources(repos_dir=repos_dir)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[step]}"),
    )
    try:
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("images", total=len(loaded.instances), step="")
            outcomes = build_images(
                loaded.instances,
                client=client,
                sources=sources,
                progress=lambda step: bar.update(task, step=step[:80]),
                done=lambda _: bar.advance(task),
                providers=EnvironmentProviders(environment),
            )
    finally:
        client.close()
    console.print(outcomes_table(outcomes))
    counts = {
        status: sum(o.status == status for o in outcomes) for status in ("built", "unsupported", "failed")
    }
    console.print(
        f"built {counts['built']}, unsupported {counts['unsupported']}, failed {counts['failed']}",
        highlight=False,
    )
    return 1 if counts["failed"] else 0


def load_reporting(
    console: Console, dataset: str, instances: list[str] | None, filter_: str | None
) -> LoadedDataset | None:
    """The selected instances, each skipped one printed; None (after printing why) when unreadable."""
    try:
        loaded = load_dataset(dataset, instances=instances, filter=filter_)
    except DatasetError as err:
        console.print(f"error: {err}", highlight=False, markup=False)
        return None
    for problem in loaded.problems:
        console.print(f"skipped: {problem}", highlight=False, markup=False)
    return loaded

"""`sandbox exec`, `shell`, `cleanup` and `images build|plan`: sandboxes and their images."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sweagent.cli import options as opt

if TYPE_CHECKING:
    from sandbox.docker import DockerSandboxConfig
    from sweagent.config import RunConfig

__all__ = ["commands"]

commands = typer.Typer()
sandbox_app = typer.Typer(help="Run commands in a sandbox.", no_args_is_help=True)
images_app = typer.Typer(help="Build and list sandbox images.", no_args_is_help=True)
commands.add_typer(sandbox_app, name="sandbox")
commands.add_typer(images_app, name="images")

Image = Annotated[str | None, typer.Option(help="Image (default: the bookworm base image)")]
Network = Annotated[bool, typer.Option("--network", help="Allow network access")]


@images_app.command("build")
def images_build(
    dataset: opt.DatasetName,
    instances: opt.InstanceIds = None,
    filter_: opt.Filter = None,
    repos_dir: opt.ReposDir = None,
    config: opt.ConfigFiles = None,
    override: opt.Overrides = None,
) -> None:
    """Pull or build the instance images of a dataset, following `images plan`."""
    from sweagent.environment import build_images_command

    env = opt.environment(config, override)
    ids = opt.instance_ids(instances)
    raise typer.Exit(build_images_command(dataset, ids, filter_, repos_dir, environment=env))


@images_app.command("plan")
def images_plan(
    dataset: opt.DatasetName,
    instances: opt.InstanceIds = None,
    filter_: opt.Filter = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the plan as JSON here")] = None,
    config: opt.ConfigFiles = None,
    override: opt.Overrides = None,
) -> None:
    """Which provider serves each instance (Python, exact or approximate) or why none can; builds nothing."""
    from sweagent.environment.plan_command import plan_command

    env = opt.environment(config, override)
    raise typer.Exit(plan_command(dataset, opt.instance_ids(instances), filter_, env, json_out=json_out))


@sandbox_app.command("exec")
def sandbox_exec(
    command: Annotated[list[str], typer.Argument(help="The command (after --); one word is run by bash -c")],
    image: Image = None,
    dataset: Annotated[str | None, typer.Option(help="Dataset of --instance")] = None,
    instance: Annotated[str | None, typer.Option(help="Run in this instance's environment")] = None,
    timeout: Annotated[
        float | None, typer.Option(help="Wall-clock seconds (default: sandbox.timeout)")
    ] = None,
    network: Network = False,
    config: opt.ConfigFiles = None,
    override: opt.Overrides = None,
) -> None:
    """Run one command in a fresh sandbox and print its ExecResult as JSON."""
    from sweagent.sandboxes import run_once

    result = run_once(_sandbox_config(image, dataset, instance, network, config, override), command, timeout)
    typer.echo(result.model_dump_json(indent=2))
    if result.infra_error:
        raise typer.Exit(1)


@commands.command()
def shell(
    image: Image = None,
    dataset: Annotated[str | None, typer.Option(help="Dataset of the instance")] = None,
    instance: Annotated[str | None, typer.Option(help="Instance whose environment to enter")] = None,
    network: Network = False,
    config: opt.ConfigFiles = None,
    override: opt.Overrides = None,
) -> None:
    """Open an interactive shell in a fresh sandbox; it is removed when the shell exits."""
    from sweagent.sandboxes import open_shell

    raise typer.Exit(open_shell(_sandbox_config(image, dataset, instance, network, config, override)))


def _sandbox_config(
    image: str | None,
    dataset: str | None,
    instance: str | None,
    network: bool,
    config: list[Path] | None,
    override: list[str] | None,
) -> DockerSandboxConfig:
    """The sandbox of `shell` and `sandbox exec`: the instance's image when one is named, else `image`."""
    from sweagent.config import load_config
    from sweagent.sandboxes import docker_config

    loaded = load_config(config or [], override or [])
    image = _instance_image(dataset, instance, loaded) if dataset or instance else image
    return docker_config(loaded.sandbox, image, network=network)


def _instance_image(dataset: str | None, instance: str | None, config: RunConfig) -> str:
    """The (pulled or built if needed) image of one dataset instance, for `shell` and `sandbox exec`."""
    from sandbox.engine import connect
    from sweagent.datasets import load_dataset
    from sweagent.environment.providers import EnvironmentProviders

    if not (dataset and instance):
        opt.fail("give both --dataset and --instance (or --image)")
    record = load_dataset(dataset, instances=[instance]).get(instance)
    client = connect()
    try:
        providers = EnvironmentProviders(config.environment)
        info = providers.prepare(record, client=client, progress=lambda line: opt.err_console.print(line))
        if info.approximate:
            opt.err_console.print(f"[yellow]approximate environment:[/yellow] {'; '.join(info.notes)}")
        return info.image
    finally:
        client.close()


@commands.command("cleanup")
def cleanup_(
    images: Annotated[bool, typer.Option("--images", help="Also remove labelled images")] = False,
) -> None:
    """Remove the containers (and with --images, the images) this tool labelled."""
    from sweagent.sandboxes import remove_leftovers

    report = remove_leftovers(images=images)
    opt.err_console.print(f"removed {len(report.containers)} container(s), {len(report.images)} image(s)")

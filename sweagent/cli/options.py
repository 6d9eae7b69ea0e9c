"""What the command modules share: the consoles, option types, and refusing bad input."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sandbox.network import NetworkMode
    from sweagent.config import EnvironmentConfig

__all__ = [
    "ConfigFiles",
    "DatasetName",
    "Filter",
    "InstanceIds",
    "Overrides",
    "ReposDir",
    "environment",
    "err_console",
    "error_console",
    "fail",
    "instance_ids",
]

err_console = Console(stderr=True, soft_wrap=True)
"""Progress, tables and notes (silenced by `--quiet`)."""
error_console = Console(stderr=True, soft_wrap=True)
"""Errors: shown even with `--quiet`."""

Overrides = Annotated[list[str] | None, typer.Option("-o", "--override", help="key.path=value")]
ConfigFiles = Annotated[list[Path] | None, typer.Option("--config", help="YAML config file(s)")]
DatasetName = Annotated[str, typer.Option(help="Dataset file or name")]
InstanceIds = Annotated[str | None, typer.Option(help="Comma-separated instance ids")]
Filter = Annotated[str | None, typer.Option("--filter", help="Regex on instance ids")]
ReposDir = Annotated[Path | None, typer.Option(help="Local repositories as DIR/<owner>/<name>")]


def fail(message: str, code: int = 2) -> NoReturn:
    """Print `error: message` and exit with `code` (2: bad input)."""
    error_console.print(f"[red]error:[/red] {message}", highlight=False)
    raise typer.Exit(code)


def instance_ids(text: str | None) -> list[str] | None:
    """The ids of `--instances a,b` (None: every instance)."""
    return [i.strip() for i in text.split(",") if i.strip()] if text else None


def environment(config: list[Path] | None, override: list[str] | None) -> EnvironmentConfig:
    """The `environment` section of the config files and overrides (`-o environment.python=nearest`)."""
    from sweagent.config import load_config

    return load_config(config or [], override or []).environment


def grading_network(config: list[Path] | None, override: list[str] | None) -> NetworkMode:
    """`sandbox.network` when set, else `dropped`: the network grading gives the tests."""
    from sweagent.config import load_config
    from sweagent.sandboxes import use_network

    return use_network(load_config(config or [], override or []).sandbox, "dropped")

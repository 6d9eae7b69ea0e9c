"""What the command modules share: the consoles, option types, and refusing bad input."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sandbox.network import NetworkMode
    from sweagent.config import EnvironmentConfig

__all__ = [
    "ConfigFiles",
    "ConfigOptions",
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
    "with_shared_options",
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


@dataclass(frozen=True)
class ConfigOptions:
    """`--config` and `-o/--override`: the base of the option groups of `with_shared_options`."""

    config: ConfigFiles = None
    override: Overrides = None


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


def with_shared_options(group: type[ConfigOptions]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Decorates a command that shares a group of options with others: the fields of the dataclass
    `group` (option types with defaults) become options after the command's own, and the command
    gets their values as one `group` instance, its keyword-only parameter `shared`."""
    hints = typing.get_type_hints(group, include_extras=True)
    added = [
        inspect.Parameter(
            field.name, inspect.Parameter.KEYWORD_ONLY, default=field.default, annotation=hints[field.name]
        )
        for field in dataclasses.fields(group)
    ]
    names = [parameter.name for parameter in added]

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "shared"]

        @functools.wraps(command)
        def with_options(**values: Any) -> None:
            given = {name: values.pop(name) for name in names if name in values}
            command(**values, shared=group(**given))

        parameters = own + added
        with_options.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        with_options.__annotations__ = {p.name: p.annotation for p in parameters}
        return with_options

    return decorate

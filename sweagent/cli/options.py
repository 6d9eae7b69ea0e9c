"""What the command modules share: the consoles, option types, and refusing bad input."""

from __future__ import annotations

import dataclasses
import enum
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
    from _typeshed import DataclassInstance

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
    "field_values",
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


def field_values(group: DataclassInstance) -> dict[str, Any]:
    """The values of an option group (a dataclass) by the names the requests use: a trailing `_` of
    a name dropped (`filter_` is `filter`), a choice (an enum) as its value."""
    return {
        field.name.removesuffix("_"): _plain(getattr(group, field.name))
        for field in dataclasses.fields(group)
    }


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _options_of(group: type) -> list[inspect.Parameter]:
    """The fields of the dataclass `group` as keyword-only command parameters (a field without a
    default is a required option)."""
    hints = typing.get_type_hints(group, include_extras=True)
    return [
        inspect.Parameter(
            field.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default,
            annotation=hints[field.name],
        )
        for field in dataclasses.fields(group)
    ]


def with_shared_options(
    group: type[ConfigOptions], *, own: type | None = None
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Decorates a command that shares a group of options with others: the fields of the dataclass
    `group` (option types with defaults) become options after the command's own, and the command
    gets their values as one `group` instance, its keyword-only parameter `shared`.

    With `own`, a dataclass too, the command's own options are its fields (listed first) and the
    command gets them as one `own` instance, its parameter `own`, instead of one parameter each."""
    shared_options = _options_of(group)
    own_options = _options_of(own) if own is not None else []

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        parameters = inspect.signature(command, eval_str=True).parameters.values()
        kept = [p for p in parameters if p.name not in ("shared", "own")]

        @functools.wraps(command)
        def with_options(**values: Any) -> None:
            given = {p.name: values.pop(p.name) for p in shared_options if p.name in values}
            if own is not None:
                values["own"] = own(**{p.name: values.pop(p.name) for p in own_options if p.name in values})
            command(**values, shared=group(**given))

        listed = kept + own_options + shared_options
        with_options.__signature__ = inspect.Signature(listed)  # type: ignore[attr-defined]
        with_options.__annotations__ = {p.name: p.annotation for p in listed}
        return with_options

    return decorate

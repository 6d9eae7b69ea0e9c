"""`with_shared_options`: a command's own options and the shared ones, each handed over as one
dataclass instance, on a real typer app."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Annotated

import typer
from typer.testing import CliRunner

from sweagent.cli.options import ConfigOptions, field_values, with_shared_options


class Colour(enum.StrEnum):
    red = "red"
    blue = "blue"


@dataclass(frozen=True)
class Shared(ConfigOptions):
    level: Annotated[int, typer.Option(help="How deep")] = 1


@dataclass(frozen=True)
class Own:
    name: Annotated[str, typer.Option(help="Who")]
    filter_: Annotated[str | None, typer.Option("--filter", help="Which")] = None
    colour: Annotated[Colour | None, typer.Option(help="What colour")] = None


def app_recording(seen: list[tuple[Own, Shared]]) -> typer.Typer:
    app = typer.Typer()

    @app.command()
    @with_shared_options(Shared, own=Own)
    def paint(own: Own, *, shared: Shared) -> None:
        """Paint something."""
        seen.append((own, shared))

    @app.command()
    def other() -> None:
        """A second command, so that typer keeps command names."""

    return app


def test_own_and_shared_options_arrive_as_one_instance_each() -> None:
    seen: list[tuple[Own, Shared]] = []
    args = ["paint", "--name", "fence", "--filter", "x.*", "--colour", "blue", "--level", "3", "-o", "a=1"]
    result = CliRunner().invoke(app_recording(seen), args)
    assert result.exit_code == 0, result.output
    assert seen == [(Own("fence", "x.*", Colour.blue), Shared(override=["a=1"], level=3))]
    assert field_values(seen[0][0]) == {"name": "fence", "filter": "x.*", "colour": "blue"}


def test_a_field_without_default_is_a_required_option_and_own_options_come_first() -> None:
    seen: list[tuple[Own, Shared]] = []
    app = app_recording(seen)
    missing = CliRunner().invoke(app, ["paint", "--level", "2"])
    assert missing.exit_code == 2
    assert "--name" in missing.output
    assert seen == []
    help_text = CliRunner().invoke(app, ["paint", "--help"], env={"COLUMNS": "200"}).output
    order = [help_text.index(option) for option in ("--name", "--filter", "--colour", "--config", "--level")]
    assert order == sorted(order)

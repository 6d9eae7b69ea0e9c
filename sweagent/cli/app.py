"""The root command: global options (`--version`, `-v`, `-q`), the command groups, and exit codes."""

from __future__ import annotations

import logging
import signal
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer

from sandbox.errors import EngineUnavailable, SandboxError
from sweagent.cli import grading, sandboxing, selecting, serving, solving
from sweagent.cli.options import err_console, error_console, fail
from sweagent.errors import InfrastructureUnavailable, SweAgentError
from sweagent.logs import log_to_console

__all__ = ["EXIT_BAD_INPUT", "EXIT_INFRASTRUCTURE", "EXIT_INTERRUPTED", "EXIT_TERMINATED", "app", "main"]

DISTRIBUTION = "sweagent-scale"

EXIT_BAD_INPUT = 2
"""Bad input or config: an option, a config key, a dataset, a file."""
EXIT_INFRASTRUCTURE = 3
"""A service the command needs (Docker, a model endpoint, disk space) is unavailable."""
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143

app = typer.Typer(
    name="sweagent",
    help="Agentic SWE solver: parallel and serial test-time scaling, verified by execution.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for group in (solving, selecting, grading, serving, sandboxing):
    app.add_typer(group.commands)


def _print_version(value: bool) -> None:
    if value:
        try:
            typer.echo(f"sweagent {version(DISTRIBUTION)}")
        except PackageNotFoundError:
            fail(f"the {DISTRIBUTION} distribution is not installed, so it has no version")
        raise typer.Exit


@app.callback()
def global_options(
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="Also show INFO and DEBUG records")
    ] = False,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Show errors only")] = False,
    _version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit"),
    ] = False,
) -> None:
    """Agentic SWE solver: parallel and serial test-time scaling, verified by execution."""
    if verbose and quiet:
        fail("choose one of --verbose and --quiet")
    if verbose:
        log_to_console(err_console, logging.DEBUG)
    elif quiet:
        err_console.quiet = True
        log_to_console(error_console, logging.ERROR)


def _terminate_like_interrupt() -> list[int]:
    """SIGTERM unwinds like Ctrl-C, so a stopped run saves its usage and its sandboxes are removed;
    the list returned fills with the signal when it arrives (the exit code is then 143, not 130)."""
    received: list[int] = []

    def interrupt(signum: int, frame: object) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    return received


def main() -> None:
    """Console-script entry point: known errors become one line and exit code 2 (3: infrastructure)."""
    # A dependency may switch on INFO logging; a line per HTTP request drowns the progress tables.
    for name in ("httpx", "httpx2", "httpcore", "openai"):
        logging.getLogger(name).setLevel(logging.WARNING)
    log_to_console(err_console)
    terminated = _terminate_like_interrupt()
    try:
        app()  # typer turns KeyboardInterrupt into exit code 130
    except SystemExit as exit_:
        if terminated and exit_.code == EXIT_INTERRUPTED:
            raise SystemExit(EXIT_TERMINATED) from None
        raise
    except (InfrastructureUnavailable, EngineUnavailable) as err:
        error_console.print(f"[red]stopped:[/red] {err}", highlight=False)
        raise SystemExit(EXIT_INFRASTRUCTURE) from None
    except (SweAgentError, SandboxError) as err:
        error_console.print(f"[red]error:[/red] {err}", highlight=False)
        raise SystemExit(EXIT_BAD_INPUT) from None

"""A run's progress: the model stages report into, and the two ways it is shown (live, plain lines)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console

from sweagent.progress.live import LiveRenderer
from sweagent.progress.model import ProgressSnapshot, RunProgress, StageCounts, StageWork, outcome_summary
from sweagent.progress.plain import PlainRenderer

__all__ = [
    "LiveRenderer",
    "PlainRenderer",
    "ProgressSnapshot",
    "RunProgress",
    "StageCounts",
    "StageWork",
    "outcome_summary",
    "show_progress",
]


@contextmanager
def show_progress(progress: RunProgress, console: Console, *, interval: float = 30.0) -> Iterator[None]:
    """Show `progress` on `console` inside the block: a live table on a terminal, plain lines
    elsewhere (a summary every `interval` seconds), nothing when the console is quiet (`-q`)."""
    if console.quiet:
        yield
    elif console.is_terminal and not console.is_dumb_terminal:
        with LiveRenderer(progress, console):
            yield
    else:
        with PlainRenderer(progress, console, interval):
            yield

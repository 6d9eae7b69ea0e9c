"""Progress on a terminal: a rich `Live` table refreshed a few times a second below the log lines.

The table is transient: it disappears when the block ends, leaving the lines printed above it (log
records, an instance finishing a stage, notes) and one summary line. Lines go through the same
console, which rich prints above the live table, so they never garble it.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from sweagent.progress.model import ProgressEvent, ProgressSnapshot, RunProgress
from sweagent.progress.plain import clean, clock, shorten, summary_line, usage_text

__all__ = ["LiveRenderer", "progress_table"]

_SHOWN_RUNNING = 6
"""Instances named under the table; the others are counted."""


def progress_table(snapshot: ProgressSnapshot) -> RenderableType:
    """The stages' counts, what runs now, tokens, cost and elapsed time."""
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("stage")
    for column, style in (("waiting", "dim"), ("running", "cyan"), ("done", "green"), ("failed", "red")):
        table.add_column(column, justify="right", style=style)
    for stage, counts in snapshot.stages.items():
        table.add_row(stage, str(counts.waiting), str(counts.running), str(counts.done), str(counts.failed))
    running = [f"{iid} ({stage})" for iid, stage in snapshot.running[:_SHOWN_RUNNING]]
    more = len(snapshot.running) - len(running)
    lines = [Text(f"{usage_text(snapshot)} · {clock(snapshot.elapsed)}", style="dim")]
    if running:
        names = ", ".join(running) + (f" and {more} more" if more > 0 else "")
        lines.append(Text(f"running: {names}", style="dim", overflow="ellipsis", no_wrap=True))
    return Group(table, *lines)


class LiveRenderer:
    """The live table on `console` while the `with` block lasts (`refresh` times a second)."""

    def __init__(self, progress: RunProgress, console: Console, refresh: float = 4.0) -> None:
        self.progress = progress
        self.console = console
        self._live = Live(
            get_renderable=lambda: progress_table(progress.snapshot()),
            console=console,
            transient=True,
            refresh_per_second=refresh,
        )
        self._unsubscribe = lambda: None

    def __enter__(self) -> LiveRenderer:
        self._live.start()
        self._unsubscribe = self.progress.subscribe(self._on_event)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._unsubscribe()
        self._live.stop()
        label = "finished" if kind is None else "stopped"
        line = summary_line(self.progress.snapshot(), label)
        self.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def _on_event(self, event: ProgressEvent, snapshot: ProgressSnapshot) -> None:
        if event.kind == "stage_finished":
            style = {"error": "red", "stopped": "yellow"}.get(event.status, "green")
            detail = f"  {escape(shorten(event.text))}" if event.text.strip() else ""
            self.console.print(
                f"[{style}]{event.stage} {event.status}[/{style}] {escape(clean(event.instance_id))}{detail}",
                highlight=False,
                soft_wrap=True,
            )
        elif event.kind == "note":
            self.console.print(clean(event.text), markup=False, highlight=False, soft_wrap=True)

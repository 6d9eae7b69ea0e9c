"""Progress as plain lines, for a console that is not a terminal (a pipe, CI, a file).

One line when an instance starts or finishes a stage, with the stage's counts; a summary line every
`interval` seconds while the run lasts (a stage may go minutes without an event) and one at the end.
Lines hold no control characters: whatever an outcome's detail carried is replaced by spaces.
"""

from __future__ import annotations

import re
import threading
from types import TracebackType

from rich.console import Console

from sweagent.progress.model import ProgressEvent, ProgressSnapshot, RunProgress, StageCounts

__all__ = ["PlainRenderer", "amount", "clean", "clock", "event_line", "shorten", "summary_line", "usage_text"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_LINE_DETAIL = 160
"""Characters of an outcome's summary shown on its line."""


def clean(text: str) -> str:
    """`text` with each run of control characters replaced by one space."""
    return _CONTROL.sub(" ", text).strip()


def shorten(text: str, limit: int = _LINE_DETAIL) -> str:
    """`text` cleaned and cut to `limit` characters (the instance's `instance.log` has it whole)."""
    text = clean(text)
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def clock(seconds: float) -> str:
    """`H:MM:SS`."""
    whole = int(max(seconds, 0))
    return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


def amount(count: float) -> str:
    """`950`, `12.3k`, `4.56M`."""
    if count < 1000:
        return f"{count:g}"
    if count < 1_000_000:
        return f"{count / 1000:.1f}k"
    return f"{count / 1_000_000:.2f}M"


def counts_text(stage: str, counts: StageCounts) -> str:
    return (
        f"{stage} {counts.waiting} waiting, {counts.running} running, "
        f"{counts.done} done, {counts.failed} failed"
    )


def usage_text(snapshot: ProgressSnapshot) -> str:
    """`trajectories 2 running, 6 finished · tokens 12.3k (9 calls) · $0.04`."""
    usage = snapshot.usage
    tokens = amount(usage.prompt_tokens + usage.completion_tokens)
    return (
        f"trajectories {snapshot.trajectories_running} running, {snapshot.trajectories_finished} finished"
        f" · tokens {tokens} ({usage.calls} calls) · ${usage.cost:.2f}"
    )


def event_line(event: ProgressEvent, snapshot: ProgressSnapshot) -> str | None:
    """The line an event gets (None: it shows only in the counts)."""
    stamp = f"[{clock(snapshot.elapsed)}]"
    if event.kind == "note":
        return f"{stamp} {clean(event.text)}"
    if event.kind not in ("stage_started", "stage_finished"):
        return None
    counts = counts_text(event.stage, snapshot.stages.get(event.stage, StageCounts()))
    if event.kind == "stage_started":
        return f"{stamp} {event.stage} started {clean(event.instance_id)} · {counts}"
    summary = f" ({shorten(event.text)})" if event.text.strip() else ""
    return f"{stamp} {event.stage} {event.status} {clean(event.instance_id)}{summary} · {counts}"


def summary_line(snapshot: ProgressSnapshot, label: str = "progress") -> str:
    """Every stage's counts, trajectories, tokens and cost in one line."""
    stages = " | ".join(counts_text(stage, counts) for stage, counts in snapshot.stages.items())
    parts = [part for part in (stages, usage_text(snapshot)) if part]
    return f"[{clock(snapshot.elapsed)}] {label}: " + " · ".join(parts)


class PlainRenderer:
    """Writes the lines to `console` while the `with` block lasts, and a last summary line at its end."""

    def __init__(self, progress: RunProgress, console: Console, interval: float = 30.0) -> None:
        self.progress = progress
        self.console = console
        self.interval = interval
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="sweagent-progress", daemon=True)
        self._unsubscribe = lambda: None

    def __enter__(self) -> PlainRenderer:
        self._unsubscribe = self.progress.subscribe(self._on_event)
        self._ticker.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        self._ticker.join()
        self._unsubscribe()
        self._write(summary_line(self.progress.snapshot(), "finished" if kind is None else "stopped"))

    def _on_event(self, event: ProgressEvent, snapshot: ProgressSnapshot) -> None:
        line = event_line(event, snapshot)
        if line is not None:
            self._write(line)

    def _tick(self) -> None:
        while not self._stop.wait(self.interval):
            self._write(summary_line(self.progress.snapshot()))

    def _write(self, line: str) -> None:
        self.console.print(line, markup=False, highlight=False, emoji=False, soft_wrap=True)

"""Progress as plain lines when the console is not a terminal (never a control character), as a
transient live table on a terminal, and not at all when the console is quiet (`-q`)."""

from __future__ import annotations

import re
import time
from io import StringIO
from types import SimpleNamespace

from rich.console import Console

from sweagent.progress import LiveRenderer, PlainRenderer, RunProgress, show_progress
from sweagent.progress.live import progress_table
from sweagent.records import Usage

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def Outcome(status: str, **fields: object) -> SimpleNamespace:  # noqa: N802 - reads like the records
    return SimpleNamespace(status=status, **fields)


def _events(progress: RunProgress) -> None:
    with progress.working("astropy-1", "context") as work:
        work.finish(Outcome("done"))
    with progress.working("astropy-1", "generate") as work:
        progress.trajectory_started("astropy-1", "testing-0")
        progress.trajectory_finished("astropy-1", "testing-0", "done")
        work.finish(Outcome("done", candidates=2))
    with progress.working("flask-2", "context") as work:
        # Details come from subprocesses and exceptions: colours and newlines must not pass.
        work.finish(Outcome("error", detail="checkout failed:\n\x1b[31mfatal\x1b[0m\tbad ref"))
    progress.note("context windows: primary 32768 (served)")


def _progress() -> RunProgress:
    usage = Usage(prompt_tokens=12000, completion_tokens=345, calls=4, cost=0.0312)
    return RunProgress(["astropy-1", "flask-2"], ["context", "generate"], usage=lambda: usage)


def _plain_console() -> tuple[Console, StringIO]:
    out = StringIO()
    return Console(file=out, width=80, soft_wrap=True), out


def test_plain_lines_name_each_start_and_finish_with_counts() -> None:
    console, out = _plain_console()
    assert not console.is_terminal
    progress = _progress()
    with show_progress(progress, console):
        _events(progress)
    lines = out.getvalue().splitlines()

    assert lines[0] == "[0:00:00] context started astropy-1 · context 1 waiting, 1 running, 0 done, 0 failed"
    assert lines[1] == "[0:00:00] context done astropy-1 · context 1 waiting, 0 running, 1 done, 0 failed"
    assert lines[3] == (
        "[0:00:00] generate done astropy-1 (candidates=2) · generate 1 waiting, 0 running, 1 done, 0 failed"
    )
    assert lines[5].startswith("[0:00:00] context error flask-2 (checkout failed: [31mfatal [0m bad ref)")
    assert lines[6] == "[0:00:00] context windows: primary 32768 (served)"
    assert lines[-1] == (
        "[0:00:00] finished: context 0 waiting, 0 running, 1 done, 1 failed"
        " | generate 0 waiting, 0 running, 1 done, 0 failed"
        " · trajectories 0 running, 1 finished · tokens 12.3k (4 calls) · $0.03"
    )
    assert len(lines) == 8  # long lines are not wrapped: one event, one line


def test_plain_output_holds_no_control_characters() -> None:
    console, out = _plain_console()
    progress = _progress()
    with PlainRenderer(progress, console, interval=0.01):
        _events(progress)
        time.sleep(0.05)
    text = out.getvalue()
    assert "progress: context" in text  # the periodic summary line
    assert not CONTROL.search(text)
    assert "\x1b" not in text


def test_the_live_table_shows_counts_and_is_cleaned_up_on_a_terminal() -> None:
    out = StringIO()
    console = Console(file=out, width=100, force_terminal=True)
    progress = _progress()
    with show_progress(progress, console):
        _events(progress)
        console.print("a log line printed meanwhile")
        rendered = Console(file=StringIO(), width=100, record=True)
        rendered.print(progress_table(progress.snapshot()))
    table = rendered.export_text()
    assert "generate" in table
    assert "trajectories 0 running, 1 finished · tokens 12.3k (4 calls) · $0.03" in table
    text = out.getvalue()
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    assert "a log line printed meanwhile" in plain
    assert "context error flask-2" in plain  # finished instances are printed above the table
    assert "context windows: primary 32768 (served)" in plain
    # Transient: after the last summary line, nothing of the table is left below.
    assert plain.rstrip().splitlines()[-1].startswith("[0:00:00] finished: context 0 waiting")
    assert "\x1b[2K" in text  # the live region was erased


def test_the_live_renderer_on_a_console_that_is_not_a_terminal_prints_no_control_characters() -> None:
    console, out = _plain_console()
    progress = _progress()
    with LiveRenderer(progress, console):
        _events(progress)
    text = out.getvalue()
    assert "context error flask-2" in text
    assert not CONTROL.search(text)


def test_a_quiet_console_shows_nothing() -> None:
    console, out = _plain_console()
    console.quiet = True
    progress = _progress()
    with show_progress(progress, console):
        _events(progress)
    assert out.getvalue() == ""


def test_the_live_table_names_the_running_instances() -> None:
    progress = RunProgress([f"i{n}" for n in range(9)], ["generate"])
    for n in range(8):
        progress.stage_started(f"i{n}", "generate")
    rendered = Console(file=StringIO(), width=200, record=True)
    rendered.print(progress_table(progress.snapshot()))
    text = rendered.export_text()
    assert "running: i0 (generate), i1 (generate)" in text
    assert "and 2 more" in text

"""`sweagent report RUN_DIR [--html]`: report.md, plots/*.png and optionally report.html."""

from __future__ import annotations

import sys
from pathlib import Path

from sweagent.errors import StoreError
from sweagent.reporting.html_page import render_html
from sweagent.reporting.loading import load_run
from sweagent.reporting.markdown import render_markdown
from sweagent.reporting.metrics import summarize
from sweagent.reporting.plots import write_plots
from sweagent.reporting.scaling import scaling_curves
from sweagent.reporting.tables import report_tables
from sweagent.store import REPORT_HTML, REPORT_MD, atomic_write_text

__all__ = ["report_command", "write_report"]


def write_report(run_dir: Path, *, html: bool = False) -> list[Path]:
    """Write the report files into `run_dir` and return their paths."""
    run = load_run(run_dir)
    summary = summarize(run)
    curves = scaling_curves(run)
    plots = write_plots(run_dir / "plots", summary, curves)
    tables = report_tables(run, summary, curves)
    written = [run_dir / REPORT_MD, *plots.written.values()]
    atomic_write_text(written[0], render_markdown(run, tables, plots))
    if html:
        written.append(run_dir / REPORT_HTML)
        atomic_write_text(written[-1], render_html(run, tables, plots))
    return written


def report_command(run_dir: Path, html: bool) -> int:
    """The CLI body: 0 when written, 2 when `run_dir` is not a directory; StoreError when unwritable."""
    if not run_dir.is_dir():
        print(f"error: {run_dir} is not a run directory", file=sys.stderr)
        return 2
    try:
        written = write_report(run_dir, html=html)
    except OSError as err:
        msg = f"cannot write the report into {run_dir}: {err}"
        raise StoreError(msg) from err
    for path in written:
        print(f"wrote {path}", file=sys.stderr)
    return 0

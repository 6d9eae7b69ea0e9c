"""report.md: the tables, what is missing, and links to the plots."""

from __future__ import annotations

from sweagent.reporting.loading import RunData
from sweagent.reporting.plots import PLOTS, PlotSet
from sweagent.reporting.tables import Table

__all__ = ["markdown_cell", "render_markdown"]

_CELL_ESCAPES = str.maketrans(
    {"\\": "\\\\", "|": "\\|", "<": "&lt;", ">": "&gt;", "&": "&amp;", "`": "\\`", "\n": " "}
)


def markdown_cell(text: str) -> str:
    """Text that stays one literal table cell: no column breaks, no HTML, no code spans."""
    return text.translate(_CELL_ESCAPES)


def _table(table: Table) -> list[str]:
    lines = [f"## {table.title}", ""]
    if table.note:
        lines += [f"_{markdown_cell(table.note)}_", ""]
    if table.rows:
        lines.append("| " + " | ".join(markdown_cell(h) for h in table.header) + " |")
        lines.append("|" + "|".join("---" for _ in table.header) + "|")
        lines += ["| " + " | ".join(markdown_cell(c) for c in row) + " |" for row in table.rows]
        lines.append("")
    return lines


def render_markdown(run: RunData, tables: list[Table], plots: PlotSet) -> str:
    lines = [f"# Run report: {markdown_cell(run.root.name)}", ""]
    demo = run.demo_note()
    if demo:
        lines += [f"**{markdown_cell(demo)}**", ""]
    missing = run.missing()
    if missing:
        lines += ["**This run is incomplete or partly unreadable:**", ""]
        lines += [f"- {markdown_cell(note)}" for note in missing] + [""]
    for table in tables:
        lines += _table(table)
    lines += ["## Plots", ""]
    for plot in PLOTS:
        if plot.stem in plots.written:
            lines += [f"![{plot.title}](plots/{plot.stem}.png)", ""]
        else:
            reason = markdown_cell(plots.skipped.get(plot.stem, "unknown"))
            lines += [f"- {plot.title}: not drawn ({reason})", ""]
    return "\n".join(lines).rstrip("\n") + "\n"

"""report.html: one self-contained page (inline CSS and JS, plots as data URIs, no network).

The markup is in templates/*.html.j2, rendered with autoescaping on, so every text from a
repository or a model is escaped. The page's Content-Security-Policy allows no fetches at all and
only the one script whose hash it names, so even text that escaped escaping could not run code or
load anything.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from sweagent.reporting.html_instance import candidate_rows, diff_lines, shorten, sort_trajectories, turn_rows
from sweagent.reporting.loading import RunData
from sweagent.reporting.metrics import covered, instance_resolved
from sweagent.reporting.plots import PLOTS, PlotSet
from sweagent.reporting.tables import Table

__all__ = ["READY_ATTRIBUTE", "SCRIPT", "render_html"]

READY_ATTRIBUTE = "data-report-ready"
"""Set on <html> by the page's script (to the number of instances), so a test sees that it ran."""

SCRIPT = """
(function () {
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.instance"));
  var links = Array.prototype.slice.call(document.querySelectorAll("#index li"));
  var filter = document.getElementById("filter");
  var apply = function () {
    var query = filter.value.toLowerCase();
    var show = function (el) { return el.getAttribute("data-instance").toLowerCase().indexOf(query) >= 0; };
    sections.forEach(function (el) { el.hidden = !show(el); });
    links.forEach(function (el) { el.hidden = !show(el); });
  };
  filter.addEventListener("input", apply);
  // `report.html#filter=TEXT` opens the page already filtered (a link to some instances).
  if (location.hash.indexOf("#filter=") === 0) {
    filter.value = decodeURIComponent(location.hash.slice(8));
    apply();
  }
  var setAll = function (open) {
    document.querySelectorAll("details").forEach(function (el) { el.open = open; });
  };
  document.getElementById("expand").addEventListener("click", function () { setAll(true); });
  document.getElementById("collapse").addEventListener("click", function () { setAll(false); });
  document.getElementById("js-status").textContent = "interactive: " + sections.length + " instance(s)";
  document.documentElement.setAttribute("data-report-ready", String(sections.length));
})();
""".strip()


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
    return f"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-{digest}'"


@dataclass(frozen=True)
class _Plot:
    title: str
    data: str | None
    """The PNG as base64, or None when not drawn."""
    reason: str


def _plots(plots: PlotSet) -> list[_Plot]:
    shown = []
    for plot in PLOTS:
        path = plots.written.get(plot.stem)
        data = None if path is None else base64.b64encode(path.read_bytes()).decode("ascii")
        shown.append(_Plot(plot.title, data, plots.skipped.get(plot.stem, "")))
    return shown


def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("sweagent.reporting", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters.update(shorten=shorten, sort_trajectories=sort_trajectories)
    environment.globals.update(
        covered=covered, diff_lines=diff_lines, candidate_rows=candidate_rows, turn_rows=turn_rows
    )
    return environment


def render_html(run: RunData, tables: list[Table], plots: PlotSet) -> str:
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            name=run.root.name,
            csp=_csp(),
            script=Markup(SCRIPT),  # the page's own code, hashed into the CSP: inserted as is
            demo=run.demo_note(),
            missing=run.missing(),
            tables=tables,
            plots=_plots(plots),
            instances=[(i, instance_resolved(run, i)) for i in run.instances],
        )
    )

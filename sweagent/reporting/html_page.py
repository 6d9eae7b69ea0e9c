"""report.html: one self-contained page (inline CSS and JS, plots as data URIs, no network).

The page's Content-Security-Policy allows no fetches at all and only the one script whose hash it
names, so even text that escaped escaping could not run code or load anything.
"""

from __future__ import annotations

import base64
import hashlib

from sweagent.reporting.html_instance import esc, instance_section
from sweagent.reporting.loading import RunData
from sweagent.reporting.metrics import covered, instance_resolved
from sweagent.reporting.plots import PLOTS, PlotSet
from sweagent.reporting.tables import Table

__all__ = ["READY_ATTRIBUTE", "SCRIPT", "render_html"]

READY_ATTRIBUTE = "data-report-ready"
"""Set on <html> by the page's script (to the number of instances), so a test sees that it ran."""

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 2em 4em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; vertical-align: top; }
pre { background: #f6f6f6; padding: 6px; overflow-x: auto; white-space: pre-wrap; max-height: 40em; }
pre.diff span { display: block; }
.add { background: #e6ffed; } .del { background: #ffeef0; } .hunk { color: #6f42c1; } .meta { color: #666; }
details { margin: 4px 0 4px 1em; } summary { cursor: pointer; }
section.instance { border-top: 2px solid #888; margin-top: 2em; }
.absent, .missing { color: #a60; } .error { color: #b00; }
.status-resolved, .outcome-pass { color: #080; font-weight: bold; }
.status-unresolved, .outcome-fail { color: #b00; }
.outcome-broken, .outcome-timeout, .outcome-infra { color: #a60; }
#toolbar { position: sticky; top: 0; background: #fff; padding: 6px 0; border-bottom: 1px solid #ddd; }
img { max-width: 100%; }
""".strip()

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


def _table(table: Table) -> str:
    parts = [f"<h2>{esc(table.title)}</h2>"]
    if table.note:
        parts.append(f"<p class='absent'>{esc(table.note)}</p>")
    if table.rows:
        header = "".join(f"<th>{esc(h)}</th>" for h in table.header)
        rows = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in table.rows)
        parts.append(f"<table><tr>{header}</tr>{rows}</table>")
    return "".join(parts)


def _plots(plots: PlotSet) -> str:
    parts = ["<h2>Plots</h2>"]
    for stem, title in PLOTS.items():
        path = plots.written.get(stem)
        if path is None:
            parts.append(
                f"<p class='absent'>{esc(title)}: not drawn ({esc(plots.skipped.get(stem, ''))})</p>"
            )
            continue
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        parts.append(f'<figure><img alt="{esc(title)}" src="data:image/png;base64,{data}"></figure>')
    return "".join(parts)


def render_html(run: RunData, tables: list[Table], plots: PlotSet) -> str:
    missing = run.missing()
    notes = (
        "<h2>Missing</h2><ul class='missing'>" + "".join(f"<li>{esc(n)}</li>" for n in missing) + "</ul>"
        if missing
        else ""
    )
    demo = run.demo_note()
    if demo:
        notes = f"<p class='demo'><strong>{esc(demo)}</strong></p>" + notes
    index = "".join(
        f'<li data-instance="{esc(i.instance_id)}"><a href="#instance-{n}">{esc(i.instance_id)}</a>'
        f" · {'resolved' if instance_resolved(run, i) else 'covered' if covered(i) else 'not covered'}</li>"
        for n, i in enumerate(run.instances)
    )
    sections = "\n".join(
        instance_section(n, i, instance_resolved(run, i)) for n, i in enumerate(run.instances)
    )
    summary = "".join(_table(t) for t in tables)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{esc(_csp())}">
<title>Run report: {esc(run.root.name)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>Run report: {esc(run.root.name)}</h1>
<div id="toolbar">
<input id="filter" type="search" placeholder="filter instances">
<button id="expand" type="button">expand all</button>
<button id="collapse" type="button">collapse all</button>
<span id="js-status">static (script did not run)</span>
</div>
{notes}
{summary}
{_plots(plots)}
<h2>Instances</h2>
<ul id="index">{index}</ul>
{sections}
<script>{SCRIPT}</script>
</body>
</html>
"""

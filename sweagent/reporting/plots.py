"""PNG plots of a run (matplotlib, Agg backend): scaling curves, selection accuracy, cost per stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sweagent.reporting.metrics import Summary
from sweagent.reporting.scaling import Curve, ScalingCurves

__all__ = ["PLOTS", "PlotSet", "write_plots"]

PLOTS = {
    "scaling_samples": "Coverage and resolved rate against the number of samples",
    "scaling_iterations": "Coverage and resolved rate against iterations",
    "selection_accuracy": "Selection accuracy per selector",
    "cost_by_stage": "Cost and tokens per stage",
}
"""Plot file stem -> title, in report order."""


@dataclass
class PlotSet:
    written: dict[str, Path] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    """Plot stem -> why it was not drawn."""


def write_plots(directory: Path, summary: Summary, curves: ScalingCurves) -> PlotSet:
    """Draw every plot the data allows into `directory`; the others are skipped with a reason."""
    # A Figure on an Agg canvas, not pyplot: no global backend switch, no figure registry to leak.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    reasons = {
        "scaling_samples": None if curves.by_samples else "no editing samples stored",
        "scaling_iterations": None if curves.by_iterations else "no editing trajectory with a patch",
        "selection_accuracy": None
        if summary.selectors and summary.covered
        else "no selection or no coverage",
        "cost_by_stage": None if summary.stages else "usage.json is missing or has no stages",
    }
    plots = PlotSet()
    for stem, reason in reasons.items():
        if reason is not None:
            plots.skipped[stem] = reason
            (directory / f"{stem}.png").unlink(missing_ok=True)  # not a stale plot of an earlier report
            continue
        figure = Figure(figsize=(10, 4) if stem == "cost_by_stage" else (6.5, 4))
        FigureCanvasAgg(figure)
        if stem == "scaling_samples":
            _curves(figure.subplots(), curves.by_samples, "samples per instance", summary.pass_at_k)
        elif stem == "scaling_iterations":
            _curves(figure.subplots(), curves.by_iterations, "iteration the final patch appeared", [])
        elif stem == "selection_accuracy":
            _accuracy(figure.subplots(), summary)
        else:
            cost_axes, token_axes = figure.subplots(1, 2)
            _stages(cost_axes, token_axes, summary.stages)
        figure.suptitle(PLOTS[stem])
        figure.tight_layout()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{stem}.png"
        figure.savefig(path, dpi=100)
        plots.written[stem] = path
    return plots


def _curves(axes: Any, curves: list[Curve], xlabel: str, pass_at_k: list[float]) -> None:
    for number, curve in enumerate(curves):
        xs = range(1, len(curve.values) + 1)
        # Coverage bounds every resolved curve: drawn wide underneath so equal curves stay visible.
        style = {"linewidth": 5, "alpha": 0.4} if number == 0 else {"marker": "o"}
        axes.plot(xs, [100 * v for v in curve.values], label=curve.label, **style)
    if pass_at_k:
        xs = range(1, len(pass_at_k) + 1)
        axes.plot(xs, [100 * v for v in pass_at_k], linestyle="--", label="pass@k (unbiased)")
    axes.set_xlabel(xlabel)
    axes.set_ylabel("% of instances")
    axes.set_ylim(0, 105)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.grid(alpha=0.3)
    axes.legend(fontsize="small")


def _accuracy(axes: Any, summary: Summary) -> None:
    names = sorted(summary.selectors)
    values = [100 * (summary.accuracy(name) or 0.0) for name in names]
    bars = axes.bar(names, values, color="tab:blue")
    axes.bar_label(bars, labels=[f"{v:.1f}%" for v in values])
    axes.set_ylabel("resolved / covered (%)")
    axes.set_ylim(0, 110)
    axes.tick_params(axis="x", labelrotation=20)


def _stages(cost_axes: Any, token_axes: Any, stages: dict[str, dict[str, Any]]) -> None:
    names = sorted(stages)
    costs = [float(stages[name].get("cost", 0.0)) for name in names]
    prompt = [int(stages[name].get("prompt_tokens", 0)) for name in names]
    completion = [int(stages[name].get("completion_tokens", 0)) for name in names]
    bars = cost_axes.bar(names, costs, color="tab:green")
    cost_axes.bar_label(bars, labels=[f"${c:.4g}" for c in costs])
    cost_axes.set_ylabel("cost (USD)")
    token_axes.bar(names, prompt, label="prompt")
    token_axes.bar(names, completion, bottom=prompt, label="completion")
    token_axes.set_ylabel("tokens")
    token_axes.legend(fontsize="small")
    for axes in (cost_axes, token_axes):
        axes.tick_params(axis="x", labelrotation=20)

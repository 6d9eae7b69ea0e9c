"""PNG plots of a run (matplotlib, Agg backend): scaling curves, selection accuracy, cost per stage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sweagent.reporting.metrics import Summary
from sweagent.reporting.scaling import Curve, ScalingCurves

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["PLOTS", "Plot", "PlotSet", "write_plots"]


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

    plots = PlotSet()
    for plot in PLOTS:
        path = directory / f"{plot.stem}.png"
        reason = plot.missing(summary, curves)
        if reason is not None:
            plots.skipped[plot.stem] = reason
            path.unlink(missing_ok=True)  # not a stale plot of an earlier report
            continue
        figure = Figure(figsize=plot.size)
        FigureCanvasAgg(figure)
        plot.draw(figure, summary, curves)
        figure.suptitle(plot.title)
        figure.tight_layout()
        directory.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=100)
        plots.written[plot.stem] = path
    return plots


@dataclass(frozen=True)
class Plot:
    """One PNG of a report: what it shows, when the run's data allows it, and how it is drawn."""

    stem: str
    """The file is `plots/<stem>.png`."""
    title: str
    missing: Callable[[Summary, ScalingCurves], str | None]
    """Why the run's data does not allow the plot (None: it does)."""
    draw: Callable[[Figure, Summary, ScalingCurves], None]
    size: tuple[float, float] = (6.5, 4)
    """Inches, width by height."""


def _scaling_samples(figure: Figure, summary: Summary, curves: ScalingCurves) -> None:
    _curves(figure.subplots(), curves.by_samples, "samples per instance", summary.pass_at_k)


def _scaling_iterations(figure: Figure, summary: Summary, curves: ScalingCurves) -> None:
    _curves(figure.subplots(), curves.by_iterations, "iteration the final patch appeared", [])


def _selection_accuracy(figure: Figure, summary: Summary, curves: ScalingCurves) -> None:
    _accuracy(figure.subplots(), summary)


def _cost_by_stage(figure: Figure, summary: Summary, curves: ScalingCurves) -> None:
    cost_axes, token_axes = figure.subplots(1, 2)
    _stages(cost_axes, token_axes, summary.stages)


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


PLOTS = (
    Plot(
        "scaling_samples",
        "Coverage and resolved rate against the number of samples",
        lambda summary, curves: None if curves.by_samples else "no editing samples stored",
        _scaling_samples,
    ),
    Plot(
        "scaling_iterations",
        "Coverage and resolved rate against iterations",
        lambda summary, curves: None if curves.by_iterations else "no editing trajectory with a patch",
        _scaling_iterations,
    ),
    Plot(
        "selection_accuracy",
        "Selection accuracy per selector",
        lambda summary, curves: (
            None if summary.selectors and summary.covered else "no selection or no coverage"
        ),
        _selection_accuracy,
    ),
    Plot(
        "cost_by_stage",
        "Cost and tokens per stage",
        lambda summary, curves: None if summary.stages else "usage.json is missing or has no stages",
        _cost_by_stage,
        size=(10, 4),
    ),
)
"""The plots, in report order."""

"""Reports of a run directory: report.md, PNG plots and a self-contained report.html."""

from __future__ import annotations

from sweagent.reporting.command import report_command, write_report
from sweagent.reporting.loading import InstanceRun, RunData, load_run
from sweagent.reporting.metrics import Summary, pass_at_k, summarize
from sweagent.reporting.scaling import ScalingCurves, scaling_curves

__all__ = [
    "InstanceRun",
    "RunData",
    "ScalingCurves",
    "Summary",
    "load_run",
    "pass_at_k",
    "report_command",
    "scaling_curves",
    "summarize",
    "write_report",
]

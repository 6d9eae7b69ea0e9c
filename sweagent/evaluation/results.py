"""`results.json`: one graded status per instance and a summary, written atomically, read back typed."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import get_args

from rich.table import Table

from sweagent.errors import StoreError
from sweagent.records import EnvironmentInfo, EvalResult, EvalStatus, Record, TestCount
from sweagent.store import RESULTS_FILE, atomic_write_text

__all__ = [
    "InstanceResult",
    "Results",
    "ResultsSummary",
    "build_results",
    "read_results",
    "results_table",
    "write_results",
]

STATUSES: tuple[str, ...] = get_args(EvalStatus)
_STYLE = {"resolved": "green", "unresolved": "yellow", "unsupported": "dim"}


class InstanceResult(Record):
    """One instance's line of results.json."""

    status: EvalStatus
    """resolved, unresolved, patch_failed, env_failed, timeout, unsupported or error."""
    fail_to_pass: TestCount
    """FAIL_TO_PASS tests that passed, of how many."""
    pass_to_pass: TestCount
    """PASS_TO_PASS tests that passed, of how many."""
    candidate_id: str | None = None
    """The candidate graded (its eval JSON and log are `<instance>/eval/<candidate_id>.*`)."""
    detail: str = ""
    """Why, when the status is neither resolved nor unresolved (or the log was doubted)."""
    approximate: bool = False
    """Graded in an approximate environment (another Python than the spec's): not comparable with
    the official harness's grade."""
    environment: EnvironmentInfo | None = None
    """The environment graded in: provider, image, Python, why approximate, providers refused."""
    setup_warnings: tuple[str, ...] = ()
    """Setup steps that failed and were tolerated (as the official eval script does), and sandbox
    shortfalls (no `dropped` network here); the grade stands, but it is worth a look."""

    @classmethod
    def of(cls, result: EvalResult) -> InstanceResult:
        """The line results.json keeps of an evaluation."""
        approximate = result.environment is not None and result.environment.approximate
        return cls.model_validate(
            {name: getattr(result, name) for name in _KEPT} | {"approximate": approximate}
        )

    def as_result(self, instance_id: str) -> EvalResult:
        """The evaluation this line keeps, as far as it keeps it (no test names, no exit code)."""
        return EvalResult.model_validate(
            {name: getattr(self, name) for name in _KEPT} | {"instance_id": instance_id}
        )


_KEPT = ("status", "fail_to_pass", "pass_to_pass", "candidate_id", "detail", "environment", "setup_warnings")
"""The fields of an EvalResult that results.json keeps, under the same names."""


class ResultsSummary(Record):
    """Counts over all instances."""

    total: int
    """Instances in the file."""
    evaluated: int
    """Instances that could be evaluated: all but the unsupported ones."""
    resolved: int
    """Instances whose FAIL_TO_PASS and PASS_TO_PASS tests all passed."""
    resolved_rate: float
    """resolved / evaluated (0 when nothing was evaluated)."""
    statuses: dict[str, int]
    """How many instances ended with each status (every status is listed, zeros included)."""
    approximate: int = 0
    """Instances graded in an approximate environment (their grades may differ from the official ones)."""
    setup_warnings: int = 0
    """Instances whose grading tolerated a failed setup step (see each one's `setup_warnings`)."""


class Results(Record):
    """The whole of results.json."""

    instances: dict[str, InstanceResult]
    """Keyed by instance id."""
    summary: ResultsSummary
    """Counts over `instances`."""


def build_results(results: Iterable[EvalResult]) -> Results:
    """Results from per-instance evaluations (the last one of an instance wins)."""
    instances = {result.instance_id: InstanceResult.of(result) for result in results}
    statuses = dict.fromkeys(STATUSES, 0)
    for entry in instances.values():
        statuses[entry.status] += 1
    evaluated = len(instances) - statuses["unsupported"]
    resolved = statuses["resolved"]
    summary = ResultsSummary(
        total=len(instances),
        evaluated=evaluated,
        resolved=resolved,
        resolved_rate=round(resolved / evaluated, 4) if evaluated else 0.0,
        statuses=statuses,
        approximate=sum(entry.approximate for entry in instances.values()),
        setup_warnings=sum(bool(entry.setup_warnings) for entry in instances.values()),
    )
    return Results(instances=instances, summary=summary)


def write_results(run_dir: Path, results: Results) -> Path:
    path = run_dir / RESULTS_FILE
    atomic_write_text(path, results.model_dump_json(indent=2) + "\n")
    return path


def read_results(path: Path) -> Results:
    """results.json (or the run directory holding it), validated; StoreError naming the file if not."""
    if path.is_dir():
        path = path / RESULTS_FILE
    try:
        return Results.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        msg = f"cannot read {path} as results: {err}"
        raise StoreError(msg) from err


def results_table(results: Results, title: str = "evaluation") -> Table:
    """One row per instance, then the summary as the caption."""
    table = Table(title=title)
    for column in ("instance", "status", "FAIL_TO_PASS", "PASS_TO_PASS", "detail"):
        table.add_column(column, overflow="fold")
    for instance_id, entry in sorted(results.instances.items()):
        style = _STYLE.get(entry.status, "red")
        approximate = " [yellow](approximate env)[/yellow]" if entry.approximate else ""
        if entry.setup_warnings:
            approximate += f" [yellow]({len(entry.setup_warnings)} setup warning(s))[/yellow]"
        table.add_row(
            instance_id,
            f"[{style}]{entry.status}[/{style}]{approximate}",
            _count(entry.fail_to_pass),
            _count(entry.pass_to_pass),
            (entry.detail or "; ".join(entry.setup_warnings))[:120],
        )
    summary = results.summary
    table.caption = f"resolved {summary.resolved}/{summary.evaluated} ({summary.resolved_rate:.1%})" + (
        f", {summary.statuses['unsupported']} unsupported" if summary.statuses["unsupported"] else ""
    )
    if summary.approximate:
        table.caption += f", {summary.approximate} in approximate environments"
    if summary.setup_warnings:
        table.caption += f", {summary.setup_warnings} with setup warnings"
    return table


def _count(count: TestCount) -> str:
    return f"{count.passed}/{count.total}"

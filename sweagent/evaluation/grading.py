"""Grading a test log: this run's markers, swebench's log parser, FAIL_TO_PASS and PASS_TO_PASS.

The markers carry a random token made on the host after the patch is fixed, and the token never
enters the sandbox: the harness writes the markers around the output it collected. Nothing the
patch prints can therefore open or close the graded section. What it prints *inside* the section
is kept honest twice over: a test counts as passed only when no single line of the log reports it
failed, and a non-zero exit code with no failure in the log means the log is not believed.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sweagent.records import Instance, TestCount

__all__ = [
    "Grade",
    "LogParser",
    "Markers",
    "frame_log",
    "grade_log",
    "graded_section",
    "log_parser",
]

LogParser = Callable[[str], dict[str, str]]


@dataclass(frozen=True)
class Markers:
    """The start and end lines around one run's test output."""

    start: str
    end: str

    @classmethod
    def new(cls) -> Markers:
        token = secrets.token_hex(16)
        return cls(f">>>>> sweagent test output {token} start", f">>>>> sweagent test output {token} end")


@dataclass(frozen=True)
class Grade:
    """What a log says about an instance's tests."""

    status: Literal["resolved", "unresolved"]
    fail_to_pass: TestCount
    pass_to_pass: TestCount
    tests: dict[str, str] = field(default_factory=dict)
    detail: str = ""


@dataclass(frozen=True)
class _SpecView:
    # The few TestSpec fields swebench's parsers read (some JavaScript/Ruby ones use instance_id).
    instance_id: str
    repo: str
    version: str | None
    FAIL_TO_PASS: list[str]
    PASS_TO_PASS: list[str]


def log_parser(instance: Instance) -> LogParser | None:
    """swebench's parser for the instance's repository, as `log -> {test: status}`; None if it has none."""
    from swebench.harness.log_parsers import MAP_REPO_TO_PARSER

    parser: Any = MAP_REPO_TO_PARSER.get(instance.repo)
    if parser is None:
        return None
    spec = _SpecView(
        instance.instance_id,
        instance.repo,
        instance.version,
        list(instance.FAIL_TO_PASS),
        list(instance.PASS_TO_PASS),
    )
    return lambda log: dict(parser(log, spec))


def frame_log(markers: Markers, output: str, exit_code: int | None) -> str:
    """The graded part of a saved log: the test command's output between the markers, then its exit code."""
    body = output if output.endswith("\n") or not output else output + "\n"
    return f"{markers.start}\n{body}{markers.end}\nexit code: {exit_code}\n"


def graded_section(log: str, markers: Markers) -> str | None:
    """The text between the markers; None unless each marker occurs exactly once, start first."""
    if log.count(markers.start) != 1 or log.count(markers.end) != 1:
        return None
    _, _, rest = log.partition(markers.start)
    section, found, _ = rest.partition(markers.end)
    return section if found else None


def grade_log(
    instance: Instance, parser: LogParser, log: str, markers: Markers, exit_code: int | None
) -> Grade:
    """Grade FAIL_TO_PASS and PASS_TO_PASS from a framed log; anything doubtful is not resolved.

    The counting and the resolved decision are swebench's (`get_eval_tests_report`,
    `get_resolution_status`); what they are given is what this run's checks let through.
    """
    from swebench.harness.constants import FAIL_TO_PASS, PASS_TO_PASS, ResolvedStatus, TestStatus
    from swebench.harness.grading import get_eval_tests_report, get_resolution_status, test_failed

    section = graded_section(log, markers)
    if section is None:
        return _ungraded(instance, "the test output markers are missing or repeated: the log is not graded")
    statuses = parser(section)
    failed_somewhere = _reported_failing(parser, section.splitlines())
    for bare, status in _described_tests(parser, section.splitlines()):
        statuses.setdefault(bare, status)
        if test_failed(bare, {bare: status}):
            failed_somewhere.add(bare)
    failed_somewhere -= {name for name in failed_somewhere if _PROGRESS.match(name)}
    graded = statuses | dict.fromkeys(failed_somewhere, TestStatus.FAILED.value)
    expected = {FAIL_TO_PASS: list(instance.FAIL_TO_PASS), PASS_TO_PASS: list(instance.PASS_TO_PASS)}
    report = get_eval_tests_report(graded, expected)
    counts = (
        TestCount(passed=len(report[FAIL_TO_PASS]["success"]), total=len(instance.FAIL_TO_PASS)),
        TestCount(passed=len(report[PASS_TO_PASS]["success"]), total=len(instance.PASS_TO_PASS)),
    )
    grade_tests = {
        test: graded.get(test, "MISSING") for test in (*instance.FAIL_TO_PASS, *instance.PASS_TO_PASS)
    }
    if not statuses:
        detail = (
            f"no test results found in the output (exit code {exit_code}): does the test command "
            f"print what swebench's parser for {instance.repo} reads?"
        )
        return Grade("unresolved", *counts, tests=grade_tests, detail=detail)
    if exit_code != 0 and not any(test_failed(test, statuses) for test in statuses):
        detail = (
            f"the test command exited {exit_code} but its log reports no failure: the log is not believed"
        )
        return Grade("unresolved", *counts, tests=grade_tests, detail=detail)
    resolved = get_resolution_status(report) == ResolvedStatus.FULL.value
    return Grade("resolved" if resolved else "unresolved", *counts, tests=grade_tests)


_BARE_TEST = re.compile(r"^\S+ \([\w.]+\)$")
_PROGRESS = re.compile(r"^\[\s*\d+%\]$")
"""pytest's progress column (`[100%]`), which swebench's parser takes for a test name on a line such as
`PASSED   [100%]` (a test's own output ended without a newline). Some official PASS_TO_PASS lists
name it; its status is the parser's (the last such line), as in the official grading, since no
candidate can forge a real test's result through it."""


def _described_tests(parser: LogParser, lines: Sequence[str]) -> list[tuple[str, str]]:
    """unittest's verbose results that name a test by its docstring, under the test's own name.

    At verbosity 2 unittest prints `name (module.Class)`, then the docstring's first line with the
    status (`Checks X. ... ok`), and swebench's parser keys that status by the docstring line. Where
    the official records name the test `name (module.Class)` instead (its docstring differs in the
    official checkout, or the official Python printed none), the same status under the test's own
    name grades it as the official harness did. Each result line is parsed on its own, so two tests
    sharing a docstring line keep their own statuses.
    """
    found: list[tuple[str, str]] = []
    for bare, described in zip(lines, lines[1:], strict=False):
        bare, described = bare.strip(), described.strip()
        if not _BARE_TEST.match(bare) or " ... " not in described:
            continue
        try:
            statuses = parser(described)
        except Exception:  # noqa: BLE001, S112 - a parser made for whole logs may trip on a lone line
            continue
        found.extend((bare, status) for status in statuses.values())
    return found


def _reported_failing(parser: LogParser, lines: Iterable[str]) -> set[str]:
    """Tests that any single line reports as failed, so a later forged PASSED line cannot hide them."""
    from swebench.harness.grading import test_failed

    failing: set[str] = set()
    for line in lines:
        if not line.strip():
            continue
        try:
            statuses = parser(line)
        except Exception:  # noqa: BLE001, S112 - a parser made for whole logs may trip on a lone line
            continue
        failing.update(test for test in statuses if test_failed(test, statuses))
    return failing


def _ungraded(instance: Instance, detail: str) -> Grade:
    return Grade(
        "unresolved",
        TestCount(passed=0, total=len(instance.FAIL_TO_PASS)),
        TestCount(passed=0, total=len(instance.PASS_TO_PASS)),
        detail=detail,
    )

"""Regression evidence: which existing tests belong to the touched modules, and how their runs count."""

from __future__ import annotations

import asyncio

from selection_fixtures import INSTANCE, candidate

from sweagent.selection import Evidence, RegressionRun, build_selector, call_select
from sweagent.selection.regression import find_tests, parse_counts

TRACKED = [
    "pkg/calc.py",
    "pkg/ops.py",
    "tests/test_calc.py",
    "tests/ops_test.py",
    "tests/test_other.py",
    "setup.py",
]


def test_tests_of_touched_modules_are_found_by_name() -> None:
    assert find_tests(TRACKED, ["pkg/calc.py"]) == ["tests/test_calc.py"]
    assert find_tests(TRACKED, ["pkg/ops.py", "pkg/calc.py"]) == ["tests/ops_test.py", "tests/test_calc.py"]
    assert find_tests(TRACKED, ["tests/test_other.py"]) == ["tests/test_other.py"]  # a touched test runs
    assert find_tests(TRACKED, ["setup.cfg", "pkg/__init__.py"]) == []


def test_pytest_and_unittest_summaries_are_counted() -> None:
    assert parse_counts("== 3 failed, 10 passed, 1 error in 0.5s ==") == (10, 4)
    assert parse_counts("....\n----\nRan 5 tests in 0.01s\n\nFAILED (failures=1, errors=2)\n") == (2, 3)
    assert parse_counts("Ran 4 tests in 0.0s\n\nOK\n") == (4, 0)
    assert parse_counts("ModuleNotFoundError: No module named 'pytest'") == (0, 0)


def test_regression_prefers_fewest_failures_and_fails_without_tests() -> None:
    good, bad, broken = candidate("good"), candidate("bad"), candidate("broken")
    runs = {
        good.id: RegressionRun(exit_code=0, passed=4, tests=("t.py",)),
        bad.id: RegressionRun(exit_code=1, passed=3, failed=1, tests=("t.py",)),
        broken.id: RegressionRun(exit_code=2, failed=0, tests=("t.py",)),
    }
    chosen = asyncio.run(
        call_select(build_selector("regression"), INSTANCE, [bad, broken, good], Evidence(regression=runs))
    )
    assert chosen.candidate_id == good.id
    assert chosen.scores[broken.id] < chosen.scores[bad.id] < chosen.scores[good.id]
    none = {good.id: RegressionRun(exit_code=None)}
    result = asyncio.run(
        call_select(build_selector("regression"), INSTANCE, [good], Evidence(regression=none))
    )
    assert (result.status, result.rationale) == ("failed", "no existing tests found for the touched modules")

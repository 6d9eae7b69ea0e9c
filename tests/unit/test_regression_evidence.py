"""Regression evidence: which existing tests belong to the touched modules, and how their runs count."""

from __future__ import annotations

import asyncio

from selection_fixtures import INSTANCE, candidate

from sweagent.records import Instance
from sweagent.selection import Evidence, RegressionRun, build_selector, call_select
from sweagent.selection.regression import find_tests, parse_counts, regression_command

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


def _lite_like(repo: str, version: str) -> Instance:
    return Instance(
        instance_id=f"{repo.replace('/', '__')}-1", repo=repo, version=version, base_commit="0" * 40,
        problem_statement="p",
    )  # fmt: skip


def test_auto_runs_the_repositorys_own_test_command() -> None:
    # sympy's tests run under bin/test (no pytest in its environments); Django's runner takes modules.
    assert "bin/test" in regression_command(_lite_like("sympy/sympy", "1.1"), "auto")
    assert regression_command(_lite_like("sympy/sympy", "1.1"), "auto").endswith("{tests}")
    django = regression_command(_lite_like("django/django", "3.0"), "auto")
    assert django.startswith("./tests/runtests.py")
    assert django.endswith("{modules}")
    local = Instance(instance_id="local__x", repo="/tmp/x", base_commit="0" * 40, problem_statement="p")
    assert regression_command(local, "auto") == "python3 -m pytest -q -p no:cacheprovider {tests}"
    assert regression_command(local, "make check {tests}") == "make check {tests}"


def test_sympy_and_django_summaries_are_counted() -> None:
    assert parse_counts("= tests finished: 40 passed, 2 failed, 1 expected to fail, in 3.1 seconds =") == (
        40,
        2,
    )
    assert parse_counts("Ran 12 tests in 0.4s\n\nFAILED (failures=1, errors=1)") == (10, 2)

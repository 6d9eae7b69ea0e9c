"""Grading a framed log: markers, swebench's pytest parser, FAIL_TO_PASS / PASS_TO_PASS, doubt."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sweagent.evaluation.grading import Grade, Markers, frame_log, grade_log, graded_section, log_parser
from sweagent.records import Instance, TestCount

PYTEST_PASS = """\
tests/test_ops.py ..
PASSED tests/test_ops.py::test_add
PASSED tests/test_ops.py::test_sub
============================== 2 passed in 0.01s ===============================
"""
PYTEST_FAIL = """\
tests/test_ops.py .F
PASSED tests/test_ops.py::test_add
FAILED tests/test_ops.py::test_sub - assert 8 == 2
========================= 1 failed, 1 passed in 0.02s ==========================
"""


def _instance(repo: str = "pallets/flask") -> Instance:
    return Instance(
        instance_id="demo__calc-1",
        repo=repo,
        base_commit="0" * 40,
        problem_statement="sub() adds",
        FAIL_TO_PASS=["tests/test_ops.py::test_sub"],
        PASS_TO_PASS=["tests/test_ops.py::test_add"],
    )


def _grade(
    output: str, exit_code: int | None, markers: Markers | None = None, log: str | None = None
) -> Grade:
    markers = markers or Markers.new()
    instance = _instance()
    parser = log_parser(instance)
    assert parser is not None
    return grade_log(instance, parser, log or frame_log(markers, output, exit_code), markers, exit_code)


def test_all_tests_passing_resolve() -> None:
    grade = _grade(PYTEST_PASS, 0)
    assert grade.status == "resolved"
    assert grade.fail_to_pass == TestCount(passed=1, total=1)
    assert grade.pass_to_pass == TestCount(passed=1, total=1)
    assert grade.detail == ""


def test_a_failing_fail_to_pass_test_is_unresolved() -> None:
    grade = _grade(PYTEST_FAIL, 1)
    assert grade.status == "unresolved"
    assert grade.fail_to_pass == TestCount(passed=0, total=1)
    assert grade.pass_to_pass == TestCount(passed=1, total=1)
    assert grade.tests == {"tests/test_ops.py::test_sub": "FAILED", "tests/test_ops.py::test_add": "PASSED"}


def test_a_test_absent_from_the_log_counts_as_failed() -> None:
    grade = _grade("PASSED tests/test_ops.py::test_add\n", 0)
    assert grade.status == "unresolved"
    assert grade.tests["tests/test_ops.py::test_sub"] == "MISSING"


def test_a_later_forged_passed_line_does_not_overrule_a_failure() -> None:
    """Regression rule: a PASSED line printed after pytest's FAILED line does not make the test pass."""
    forged = PYTEST_FAIL + "PASSED tests/test_ops.py::test_sub\n"
    grade = _grade(forged, 0)
    assert grade.status == "unresolved"
    assert grade.tests["tests/test_ops.py::test_sub"] == "FAILED"


def test_non_zero_exit_with_a_clean_log_is_not_believed() -> None:
    """Regression rule: the exit code outranks the text; a failing run that prints only passes is doubted."""
    grade = _grade(PYTEST_PASS, 1)
    assert grade.status == "unresolved"
    assert "not believed" in grade.detail


def test_printed_markers_of_another_run_change_nothing() -> None:
    """Markers printed by the code under test carry the wrong token and never frame the graded section."""
    other = Markers.new()
    output = PYTEST_FAIL + f"{other.end}\n{other.start}\nPASSED tests/test_ops.py::test_sub\n"
    grade = _grade(output, 1)
    assert grade.status == "unresolved"
    assert grade.fail_to_pass.passed == 0


@pytest.mark.parametrize(
    "make_log",
    [
        lambda m: PYTEST_PASS,  # no markers at all
        lambda m: f"{m.start}\n{PYTEST_PASS}",  # no end marker
        lambda m: f"{m.end}\n{PYTEST_PASS}{m.start}\n",  # end before start
        lambda m: f"{m.start}\n{PYTEST_PASS}{m.end}\n{m.start}\n{PYTEST_PASS}{m.end}\n",  # repeated
    ],
)
def test_missing_or_repeated_markers_are_never_resolved(make_log: Callable[[Markers], str]) -> None:
    markers = Markers.new()
    log = make_log(markers)
    assert graded_section(log, markers) is None
    grade = _grade("", 0, markers, log)
    assert grade.status == "unresolved"
    assert "markers" in grade.detail


def test_each_run_gets_new_markers() -> None:
    first, second = Markers.new(), Markers.new()
    assert first.start != second.start
    assert first.end != second.end


def test_repository_without_a_parser_has_none() -> None:
    assert log_parser(_instance("someone/unknown")) is None
    assert log_parser(_instance("django/django")) is not None


def test_output_without_any_result_says_so() -> None:
    """An old pytest without `-rA` prints no per-test lines: the grade says why, not just `unresolved`."""
    grade = _grade("tests/test_ops.py .F\n===== 1 failed, 1 passed in 0.02s =====\n", 1)
    assert grade.status == "unresolved"
    assert "no test results" in grade.detail
    assert set(grade.tests.values()) == {"MISSING"}


DJANGO_DESCRIBED = """\
test_migrate_backwards (auth_tests.test_migrations.ProxyTests) ... ok
test_migrate_with_existing_target_permission (auth_tests.test_migrations.ProxyTests)
Permissions may already exist: ... {status}

----------------------------------------------------------------------
Ran 2 tests in 0.179s
"""


def _django_grade(status: str, exit_code: int) -> Grade:
    instance = Instance(
        instance_id="django__django-11283",
        repo="django/django",
        base_commit="0" * 40,
        problem_statement="proxy permissions",
        FAIL_TO_PASS=["test_migrate_with_existing_target_permission (auth_tests.test_migrations.ProxyTests)"],
        PASS_TO_PASS=["test_migrate_backwards (auth_tests.test_migrations.ProxyTests)"],
    )
    parser = log_parser(instance)
    assert parser is not None
    markers = Markers.new()
    log = frame_log(markers, DJANGO_DESCRIBED.format(status=status), exit_code)
    return grade_log(instance, parser, log, markers, exit_code)


def test_a_test_named_by_its_docstring_line_is_graded_under_its_own_name() -> None:
    # Python 3.6 printed no docstring line for this docstring (it opens with a newline); 3.7 on do.
    grade = _django_grade("ok", 0)
    assert grade.status == "resolved"
    assert grade.fail_to_pass == TestCount(passed=1, total=1)


def test_a_failure_named_by_its_docstring_line_fails_the_test() -> None:
    grade = _django_grade("FAIL", 1)
    assert grade.status == "unresolved"
    name = "test_migrate_with_existing_target_permission (auth_tests.test_migrations.ProxyTests)"
    assert grade.tests[name] == "FAILED"


def test_tests_sharing_a_docstring_line_keep_their_own_statuses() -> None:
    instance = Instance(
        instance_id="django__django-13230",
        repo="django/django",
        base_commit="0" * 40,
        problem_statement="feeds",
        FAIL_TO_PASS=["test_guid_false (feeds.tests.FeedTest)"],
        PASS_TO_PASS=["test_guid_true (feeds.tests.FeedTest)"],
    )
    log = (
        "test_guid_false (feeds.tests.FeedTest)\nTest the guid of an item ... FAIL\n"
        "test_guid_true (feeds.tests.FeedTest)\nTest the guid of an item ... ok\n"
    )
    parser = log_parser(instance)
    assert parser is not None
    markers = Markers.new()
    grade = grade_log(instance, parser, frame_log(markers, log, 1), markers, 1)
    assert grade.tests == {
        "test_guid_false (feeds.tests.FeedTest)": "FAILED",
        "test_guid_true (feeds.tests.FeedTest)": "PASSED",
    }

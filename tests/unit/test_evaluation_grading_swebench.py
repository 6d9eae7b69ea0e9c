"""The resolved decision is swebench's own report, behind this run's checks of the log."""

from __future__ import annotations

from sweagent.evaluation.grading import Markers, frame_log, grade_log, log_parser
from sweagent.records import Instance, TestCount


def _grade(output: str, fail_to_pass: list[str], pass_to_pass: list[str]) -> tuple[str, TestCount, TestCount]:
    instance = Instance(
        instance_id="demo__calc-1",
        repo="pallets/flask",
        base_commit="0" * 40,
        problem_statement="sub() adds",
        FAIL_TO_PASS=fail_to_pass,
        PASS_TO_PASS=pass_to_pass,
    )
    parser = log_parser(instance)
    assert parser is not None
    markers = Markers.new()
    grade = grade_log(instance, parser, frame_log(markers, output, 0), markers, 0)
    return grade.status, grade.fail_to_pass, grade.pass_to_pass


def test_some_but_not_all_fail_to_pass_tests_passing_is_unresolved() -> None:
    """swebench calls this a partial resolution; only a full one counts as resolved."""
    output = "PASSED t.py::test_a\nFAILED t.py::test_b - boom\nPASSED t.py::test_c\n"
    status, f2p, p2p = _grade(output, ["t.py::test_a", "t.py::test_b"], ["t.py::test_c"])
    assert (status, f2p, p2p) == ("unresolved", TestCount(passed=1, total=2), TestCount(passed=1, total=1))


def test_a_skipped_test_counts_neither_way_as_in_swebench() -> None:
    """swebench's report leaves a skipped test out of both success and failure, so it cannot block."""
    output = "SKIPPED t.py::test_a\nPASSED t.py::test_b\nPASSED t.py::test_c\n"
    status, f2p, p2p = _grade(output, ["t.py::test_a", "t.py::test_b"], ["t.py::test_c"])
    assert (status, f2p, p2p) == ("resolved", TestCount(passed=1, total=2), TestCount(passed=1, total=1))


def test_pytest_progress_column_is_graded_as_the_official_parser_reads_it() -> None:
    """pytest-5227's PASS_TO_PASS names `[100%]`: lines whose test output ended without a newline leave
    the status word and the progress column alone; the official grading keeps the last such status."""
    output = "FAILED                                   [100%]\nPASSED t.py::test_a\nPASSED      [100%]\n"
    status, _, p2p = _grade(output, ["t.py::test_a"], ["[100%]"])
    assert (status, p2p) == ("resolved", TestCount(passed=1, total=1))


def test_a_real_test_reported_failing_once_stays_failed() -> None:
    """The progress column is the only name exempt: a test a line reports failing cannot be forged back."""
    output = "FAILED t.py::test_b - boom\nPASSED t.py::test_a\nPASSED t.py::test_b\n"
    status, _, p2p = _grade(output, ["t.py::test_a"], ["t.py::test_b"])
    assert (status, p2p) == ("unresolved", TestCount(passed=0, total=1))

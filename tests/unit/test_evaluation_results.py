"""results.json: the shape DESIGN.md gives, a summary, a round trip, and a table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from sweagent.errors import StoreError
from sweagent.evaluation.results import build_results, read_results, results_table, write_results
from sweagent.records import EvalResult, EvalStatus, TestCount


def _result(instance_id: str, status: EvalStatus, f2p: tuple[int, int] = (0, 1)) -> EvalResult:
    return EvalResult(
        instance_id=instance_id,
        candidate_id="abc",
        status=status,
        fail_to_pass=TestCount(passed=f2p[0], total=f2p[1]),
        pass_to_pass=TestCount(passed=2, total=2),
        detail="" if status in {"resolved", "unresolved"} else f"{status} because",
    )


RESULTS = [
    _result("a__a-1", "resolved", (1, 1)),
    _result("a__a-2", "unresolved"),
    _result("b__b-1", "patch_failed"),
    _result("b__b-2", "unsupported"),
]


def test_results_json_has_the_designed_shape(tmp_path: Path) -> None:
    path = write_results(tmp_path, build_results(RESULTS))
    data = json.loads(path.read_text())
    assert set(data) == {"instances", "summary"}
    assert data["instances"]["a__a-1"]["status"] == "resolved"
    assert data["instances"]["a__a-1"]["fail_to_pass"] == {"passed": 1, "total": 1}
    assert data["instances"]["a__a-2"]["pass_to_pass"] == {"passed": 2, "total": 2}
    summary = data["summary"]
    assert summary["total"] == 4
    assert summary["evaluated"] == 3
    assert summary["resolved"] == 1
    assert summary["resolved_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert summary["statuses"] == {
        "resolved": 1,
        "unresolved": 1,
        "patch_failed": 1,
        "env_failed": 0,
        "timeout": 0,
        "unsupported": 1,
        "error": 0,
    }


def test_results_read_back_equal(tmp_path: Path) -> None:
    results = build_results(RESULTS)
    write_results(tmp_path, results)
    assert read_results(tmp_path) == results
    assert read_results(tmp_path / "results.json") == results


def test_a_foreign_file_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "results.json").write_text('{"instances": {"x": {"status": "great"}}}')
    with pytest.raises(StoreError, match=r"results\.json"):
        read_results(tmp_path)


def test_nothing_evaluated_has_rate_zero() -> None:
    summary = build_results([_result("x", "unsupported")]).summary
    assert summary.evaluated == 0
    assert summary.resolved_rate == 0.0


def test_table_lists_every_instance_and_the_summary() -> None:
    console = Console(width=200, record=True)
    console.print(results_table(build_results(RESULTS)))
    text = console.export_text()
    for instance_id in ("a__a-1", "a__a-2", "b__b-1", "b__b-2"):
        assert instance_id in text
    assert "patch_failed because" in text
    assert "resolved 1/3" in text
    assert "1 unsupported" in text

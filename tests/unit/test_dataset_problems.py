"""A malformed record gets one line naming it and the field; the others still load unless strict."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sweagent.datasets import load_dataset
from sweagent.errors import DatasetError

GOOD = {
    "instance_id": "owner__repo-1",
    "repo": "owner/repo",
    "base_commit": "a" * 40,
    "problem_statement": "It breaks.",
    "FAIL_TO_PASS": '["tests/test_a.py::test_one"]',
    "PASS_TO_PASS": ["tests/test_a.py::test_two"],
}


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _record(**changes: object) -> str:
    return json.dumps({**GOOD, **changes})


def test_bad_json_line_is_named_by_line_number(tmp_path: Path) -> None:
    path = _write(tmp_path, [_record(), '{"instance_id": "broken",', _record(instance_id="owner__repo-2")])
    loaded = load_dataset(path)
    assert [i.instance_id for i in loaded.instances] == ["owner__repo-1", "owner__repo-2"]
    assert len(loaded.problems) == 1
    assert loaded.problems[0].startswith("record at line 2: not valid JSON")


def test_missing_field_names_record_and_field(tmp_path: Path) -> None:
    broken = {key: value for key, value in GOOD.items() if key != "base_commit"}
    broken["instance_id"] = "owner__repo-9"
    path = _write(tmp_path, [_record(), json.dumps(broken)])
    loaded = load_dataset(path)
    assert len(loaded.instances) == 1
    assert loaded.problems == ("record owner__repo-9 (line 2): field base_commit: missing",)


def test_wrong_type_names_record_field_and_value(tmp_path: Path) -> None:
    path = _write(tmp_path, [_record(instance_id="owner__repo-3", base_commit=123)])
    (problem,) = load_dataset(path).problems
    assert problem.startswith("record owner__repo-3 (line 1): field base_commit:")
    assert "valid string" in problem
    assert "123" in problem


def test_test_list_that_is_not_json_is_a_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, [_record(FAIL_TO_PASS="[not json")])
    (problem,) = load_dataset(path).problems
    assert problem.startswith("record owner__repo-1 (line 1): field FAIL_TO_PASS:")


def test_non_object_row_and_bad_source_pin_are_problems(tmp_path: Path) -> None:
    path = _write(tmp_path, ["[1, 2]", _record(source={"type": "sdist", "package": "flask"})])
    problems = load_dataset(path).problems
    assert problems[0] == "record at line 1: not a JSON object but list"
    assert problems[1].startswith("record owner__repo-1 (line 2): field source:")
    assert "version" in problems[1]


def test_duplicate_instance_id_keeps_the_first(tmp_path: Path) -> None:
    path = _write(tmp_path, [_record(problem_statement="first"), _record(problem_statement="second")])
    loaded = load_dataset(path)
    assert [i.problem_statement for i in loaded.instances] == ["first"]
    assert loaded.problems == (
        "record owner__repo-1 (line 2): field instance_id: duplicate of line 1; the first one is kept",
    )


def test_strict_raises_with_the_first_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, [_record(), "nonsense", _record(instance_id="x", repo=None)])
    with pytest.raises(DatasetError) as caught:
        load_dataset(path, strict=True)
    message = str(caught.value)
    assert message.startswith(f"dataset {path}: record at line 2: not valid JSON")
    assert message.endswith("(and 1 more problems)")


def test_strict_accepts_a_clean_file(tmp_path: Path) -> None:
    path = _write(tmp_path, [_record(), _record(instance_id="owner__repo-2")])
    assert len(load_dataset(path, strict=True).instances) == 2


def test_json_list_items_are_named_by_position(tmp_path: Path) -> None:
    path = tmp_path / "data.json"
    path.write_text(json.dumps([GOOD, {**GOOD, "instance_id": "owner__repo-2", "problem_statement": 5}]))
    (problem,) = load_dataset(path).problems
    assert problem.startswith("record owner__repo-2 (item 2): field problem_statement:")

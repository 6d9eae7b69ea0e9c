"""`instances` and `filter` select records; unknown ids and invalid regexes are clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sweagent.datasets import load_dataset
from sweagent.errors import DatasetError

IDS = ["pallets__flask-1", "pallets__flask-2", "pytest-dev__pytest-3"]


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    rows = [
        {"instance_id": i, "repo": i.split("__")[0] + "/x", "base_commit": "b" * 40, "problem_statement": "p"}
        for i in IDS
    ]
    rows.append({"instance_id": "broken__x-4", "repo": "broken/x"})
    path = tmp_path / "data.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_instances_select_in_file_order(dataset: Path) -> None:
    loaded = load_dataset(dataset, instances=["pytest-dev__pytest-3", "pallets__flask-1"])
    assert [i.instance_id for i in loaded.instances] == ["pallets__flask-1", "pytest-dev__pytest-3"]


def test_unknown_instance_is_named(dataset: Path) -> None:
    with pytest.raises(DatasetError, match="instances not in the dataset: nope__x-1$"):
        load_dataset(dataset, instances=["pallets__flask-1", "nope__x-1"])


def test_asking_for_a_malformed_instance_points_at_its_problem(dataset: Path) -> None:
    with pytest.raises(DatasetError, match=r"malformed \(see its problem line\): broken__x-4"):
        load_dataset(dataset, instances=["broken__x-4"])


def test_filter_is_a_regex_searched_in_the_id(dataset: Path) -> None:
    loaded = load_dataset(dataset, filter=r"flask-\d")
    assert [i.instance_id for i in loaded.instances] == IDS[:2]


def test_filter_and_instances_combine(dataset: Path) -> None:
    loaded = load_dataset(dataset, instances=IDS[1:], filter="flask")
    assert [i.instance_id for i in loaded.instances] == ["pallets__flask-2"]


def test_invalid_regex_is_a_clear_error(dataset: Path) -> None:
    with pytest.raises(DatasetError, match=r"invalid --filter regex 'flask-\(': missing \)"):
        load_dataset(dataset, filter="flask-(")


def test_filter_matching_nothing_is_an_error(dataset: Path) -> None:
    with pytest.raises(DatasetError, match="matches none of the 3 instances"):
        load_dataset(dataset, filter="django")


def test_get_finds_by_id(dataset: Path) -> None:
    loaded = load_dataset(dataset)
    assert loaded.get("pallets__flask-2").repo == "pallets/x"
    with pytest.raises(DatasetError, match="no instance nope"):
        loaded.get("nope")

"""SWE-bench predictions files in each of their shapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sweagent.datasets.predictions import read_predictions
from sweagent.errors import DatasetError

ROWS: list[dict[str, str | None]] = [
    {"instance_id": "a__a-1", "model_name_or_path": "m", "model_patch": "diff --git a/x b/x\n"},
    {"instance_id": "a__a-2", "model_name_or_path": "m", "model_patch": None},
]


def test_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "preds.jsonl"
    path.write_text("\n".join(json.dumps(row) for row in ROWS) + "\n\n")
    predictions = read_predictions(path)
    assert [p.instance_id for p in predictions] == ["a__a-1", "a__a-2"]
    assert predictions[0].model_patch.startswith("diff --git")
    assert predictions[1].model_patch == ""


def test_json_list_and_object_keyed_by_id(tmp_path: Path) -> None:
    listed = tmp_path / "preds.json"
    listed.write_text(json.dumps(ROWS))
    keyed = tmp_path / "keyed.json"
    keyed.write_text(json.dumps({row["instance_id"]: {k: v for k, v in row.items() if k != "instance_id"}
                                 for row in ROWS}))  # fmt: skip
    assert read_predictions(listed) == read_predictions(keyed)


def test_a_bad_record_names_its_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "preds.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n" + json.dumps({"model_patch": ""}) + "\n")
    with pytest.raises(DatasetError, match=r"line 2: field instance_id"):
        read_predictions(path)


def test_a_missing_file_is_a_dataset_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="cannot read predictions file"):
        read_predictions(tmp_path / "absent.jsonl")

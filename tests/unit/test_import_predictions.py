"""`import`: other systems' predictions files become candidates of a run, one source per system."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selection_fixtures import patch

from sweagent.errors import DatasetError
from sweagent.patches import candidate_id
from sweagent.records import GenerationResult, Instance
from sweagent.selection.commands import import_command
from sweagent.selection.importing import read_predictions

DATASET_ROWS = [
    {"instance_id": "demo__calc-1", "repo": "demo/calc", "base_commit": "0" * 40, "problem_statement": "p1"},
    {"instance_id": "demo__calc-2", "repo": "demo/calc", "base_commit": "0" * 40, "problem_statement": "p2"},
]


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_predictions_of_two_systems_merge_into_the_run(tmp_path: Path) -> None:
    dataset = _write(tmp_path / "data.jsonl", DATASET_ROWS)
    fix, other = patch("fix"), patch("other")
    a = _write(
        tmp_path / "a.jsonl",
        [
            {"instance_id": "demo__calc-1", "model_name_or_path": "agentless", "model_patch": fix},
            {"instance_id": "demo__calc-2", "model_name_or_path": "agentless", "model_patch": None},
        ],
    )
    # System B found the same fix (with trailing blanks) and another one, and names an unknown instance.
    b = _write(
        tmp_path / "b.jsonl",
        [
            {
                "instance_id": "demo__calc-1",
                "model_name_or_path": "",
                "model_patch": fix.replace("\n", "  \n"),
            },
            {"instance_id": "demo__calc-1", "model_name_or_path": "", "model_patch": other},
            {"instance_id": "nope", "model_name_or_path": "", "model_patch": other},
        ],
    )
    run = tmp_path / "run"
    assert import_command([a, b], str(dataset), run) == 1  # the unknown instance is reported
    result = GenerationResult.model_validate_json((run / "demo__calc-1" / "candidates.json").read_text())
    assert [(c.id, c.source) for c in result.candidates] == [
        (candidate_id(fix), "import:agentless"),
        (candidate_id(other), "import:b"),
    ]
    assert not (run / "demo__calc-2").exists()  # an empty patch is no candidate
    instance = Instance.model_validate_json((run / "demo__calc-1" / "instance.json").read_text())
    assert instance.problem_statement == "p1"
    # Importing again adds nothing.
    assert import_command([a], str(dataset), run) == 0
    again = GenerationResult.model_validate_json((run / "demo__calc-1" / "candidates.json").read_text())
    assert again == result


def test_json_list_and_object_forms_are_read_and_bad_records_named(tmp_path: Path) -> None:
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([{"instance_id": "x", "model_patch": "p"}]), encoding="utf-8")
    keyed = tmp_path / "keyed.json"
    keyed.write_text(json.dumps({"x": {"model_patch": "p", "model_name_or_path": "s"}}), encoding="utf-8")
    assert read_predictions(listed)[0].instance_id == "x"
    assert read_predictions(keyed)[0].model_name_or_path == "s"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"model_patch": "p"}\n', encoding="utf-8")
    with pytest.raises(DatasetError, match="record 0"):
        read_predictions(bad)

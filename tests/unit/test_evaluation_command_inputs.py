"""`evaluate` refuses bad input with one clear error before it touches Docker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sweagent.errors import DatasetError
from sweagent.evaluation import FixedImageProvider, GradingOptions, evaluate_command
from sweagent.records import Instance

PROVIDER = FixedImageProvider(image="never-used:none", command="true")
OPTIONS = GradingOptions(provider=PROVIDER)


def _dataset(tmp_path: Path) -> str:
    instance = Instance(
        instance_id="a__a-1", repo="pallets/flask", base_commit="0" * 40, problem_statement="x"
    )
    path = tmp_path / "dataset.jsonl"
    path.write_text(instance.model_dump_json() + "\n")
    return str(path)


def test_needs_predictions_or_a_run_dir(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="run directory or --predictions"):
        evaluate_command(None, _dataset(tmp_path), None, options=OPTIONS)


def test_needs_a_dataset(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="--dataset"):
        evaluate_command(tmp_path / "preds.jsonl", None, None, options=OPTIONS)


def test_a_run_dir_without_predictions_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"predictions\.jsonl"):
        evaluate_command(None, _dataset(tmp_path), tmp_path / "run", options=OPTIONS)


def test_predictions_for_other_instances_only_are_refused(tmp_path: Path) -> None:
    predictions = tmp_path / "preds.json"
    predictions.write_text(json.dumps([{"instance_id": "z__z-9", "model_patch": ""}]))
    with pytest.raises(DatasetError, match="no prediction matches"):
        evaluate_command(
            predictions,
            _dataset(tmp_path),
            None,
            options=GradingOptions(provider=PROVIDER, runs_root=tmp_path / "runs"),
        )
    assert not (tmp_path / "runs").exists()  # nothing was started

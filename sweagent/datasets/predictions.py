"""SWE-bench predictions files: a JSON list (or object keyed by id) or JSONL of
`instance_id`, `model_name_or_path`, `model_patch`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from sweagent.errors import DatasetError, field_path, one_line

__all__ = ["Prediction", "read_predictions"]


class Prediction(BaseModel):
    """One system's patch for one instance."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    instance_id: str
    """The instance the patch answers."""
    model_name_or_path: str = ""
    """Which system produced it."""
    model_patch: str = ""
    """The unified diff; empty (or null in the file) means no change."""

    @field_validator("model_patch", "model_name_or_path", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value


def read_predictions(path: Path) -> list[Prediction]:
    """Every prediction of the file, in order; DatasetError naming the file and record when one is bad."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        msg = f"cannot read predictions file {path}: {err}"
        raise DatasetError(msg) from err
    rows = _rows(path, text)
    predictions = []
    for where, row in rows:
        try:
            predictions.append(Prediction.model_validate(row))
        except ValidationError as err:
            problem = err.errors()[0]
            field = field_path(problem["loc"], "record")
            msg = f"predictions file {path}, {where}: field {field}: {one_line(problem['msg'])}"
            raise DatasetError(msg) from None
    return predictions


def _rows(path: Path, text: str) -> list[tuple[str, Any]]:
    try:
        data = json.loads(text)
    except ValueError:
        data = None
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rows.append((f"line {number}", json.loads(line)))
            except ValueError as err:
                msg = f"predictions file {path}, line {number}: not JSON ({err})"
                raise DatasetError(msg) from None
        return rows
    if isinstance(data, dict) and data and all(isinstance(value, dict) for value in data.values()):
        # SWE-bench also accepts {instance_id: prediction}.
        return [(f"record {key}", {"instance_id": key, **value} if isinstance(value, dict) else value)
                for key, value in data.items()]  # fmt: skip
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        msg = f"predictions file {path}: expected a JSON list or JSONL records, got {type(data).__name__}"
        raise DatasetError(msg)
    return [(f"record {index}", row) for index, row in enumerate(data)]

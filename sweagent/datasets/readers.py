"""Raw rows from dataset files and the Hugging Face hub, each labelled for error messages."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sweagent.errors import DatasetError

__all__ = ["HUB_PROBE_TIMEOUT", "HUB_URL", "RawRow", "read_file", "read_hub"]

HUB_PROBE_TIMEOUT = 5.0
"""Seconds to wait for the hub before saying it is unreachable (the `datasets` package retries ~23 s)."""

HUB_URL = "https://huggingface.co/api/datasets/"


@dataclass(frozen=True)
class RawRow:
    """One record as read, before validation; `row` is None when it could not be parsed at all."""

    where: str
    """`line 3`, `item 3` or `row 3`: how a reader finds it in the source."""
    row: Any
    error: str = ""


def read_file(path: Path) -> Iterator[RawRow]:
    """Rows of a `.json` (a list), `.jsonl` or `.parquet` file."""
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        return _read_jsonl(path)
    if suffix == ".json":
        return _read_json_list(path)
    if suffix == ".parquet":
        return _read_parquet(path)
    msg = f"dataset {path}: unknown file type {suffix or '(none)'}; expected .json, .jsonl or .parquet"
    raise DatasetError(msg)


def _read_jsonl(path: Path) -> Iterator[RawRow]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"line {number}"
            try:
                yield RawRow(where, json.loads(line))
            except json.JSONDecodeError as err:
                yield RawRow(where, None, f"not valid JSON ({err.msg} at column {err.colno})")


def _read_json_list(path: Path) -> Iterator[RawRow]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        msg = f"dataset {path}: not valid JSON ({err.msg} at line {err.lineno}, column {err.colno})"
        raise DatasetError(msg) from None
    if not isinstance(data, list):
        msg = f"dataset {path}: a .json dataset must be a list of records, got {type(data).__name__}"
        raise DatasetError(msg)
    for number, row in enumerate(data, start=1):
        yield RawRow(f"item {number}", row)


def _read_parquet(path: Path) -> Iterator[RawRow]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        msg = f"dataset {path}: reading parquet needs pyarrow (pip install pyarrow)"
        raise DatasetError(msg) from None
    try:
        table = pq.read_table(path)
    except Exception as err:  # pyarrow raises several unrelated types for a bad file
        msg = f"dataset {path}: not a readable parquet file ({err})"
        raise DatasetError(msg) from None
    for number, row in enumerate(table.to_pylist(), start=1):
        yield RawRow(f"row {number}", row)


def read_hub(
    name: str, split: str, timeout: float = HUB_PROBE_TIMEOUT, hub_url: str = HUB_URL
) -> Iterator[RawRow]:
    """Rows of a Hugging Face dataset, failing fast with one line when the hub cannot be used."""
    try:
        import datasets
    except ImportError:
        msg = f"dataset {name}: loading from the Hugging Face hub needs the `hf` extra (pip install datasets)"
        raise DatasetError(msg) from None
    offline = os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0") or os.environ.get(
        "HF_DATASETS_OFFLINE", ""
    ) not in ("", "0")
    if not offline:
        _probe_hub(hub_url + name, name, timeout)
    try:
        loaded = datasets.load_dataset(name, split=split)
    except Exception as err:  # the hub and its cache raise many unrelated types
        msg = f"dataset {name} (split {split}): the Hugging Face hub could not provide it: {err}"
        raise DatasetError(msg) from None
    for number, row in enumerate(loaded, start=1):
        yield RawRow(f"row {number}", dict(row))


def _probe_hub(url: str, name: str, timeout: float) -> None:
    request = urllib.request.Request(url, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return
    except urllib.error.HTTPError as err:
        err.close()
        if err.code in (401, 403, 404):
            msg = f"dataset {name}: the Hugging Face hub has no such dataset (HTTP {err.code})"
            raise DatasetError(msg) from None
        reason = f"HTTP {err.code}"
    except (urllib.error.URLError, OSError) as err:
        reason = str(getattr(err, "reason", err))
    msg = (
        f"dataset {name}: the Hugging Face hub is unreachable ({reason}); use a local .jsonl/.json/.parquet "
        "file, or set HF_HUB_OFFLINE=1 to read a copy already in the hub cache"
    )
    raise DatasetError(msg)

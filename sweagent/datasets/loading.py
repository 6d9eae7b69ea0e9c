"""`load_dataset`: SWE-bench records from a file, a bundled name or the hub, validated one by one."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sweagent.datasets.readers import RawRow, read_file, read_hub
from sweagent.datasets.sdist import SdistPin
from sweagent.errors import DatasetError, field_path, one_line
from sweagent.records import Instance, Record

__all__ = ["BUNDLED_DATASETS", "LoadedDataset", "bundled_dataset_names", "load_dataset"]

BUNDLED_DATASETS = {"swe-mini": "swe-mini.jsonl", "swe-lite-offline": "swe-lite-offline.jsonl"}
"""Names the CLI knows, mapped to files shipped in `sweagent/datasets/data/`."""

_HUB_NAME = re.compile(r"(?P<name>[A-Za-z0-9][\w.-]*/[\w.-]+)(?::(?P<split>[\w.-]+))?")
_FILE_SUFFIXES = (".json", ".jsonl", ".parquet")
_FIELDS = frozenset(Instance.model_fields)


class LoadedDataset(Record):
    """The records that loaded, and one line per record that did not."""

    name: str
    """The dataset as the user named it."""
    instances: tuple[Instance, ...]
    """Valid records, selected by `instances`/`filter`, in file order."""
    problems: tuple[str, ...] = ()
    """One line per malformed or duplicated record, naming the record and the field."""
    ignored_fields: tuple[str, ...] = ()
    """Columns present in the data that sweagent does not use (e.g. `difficulty`)."""

    def get(self, instance_id: str) -> Instance:
        """The instance with this id; DatasetError when absent."""
        for instance in self.instances:
            if instance.instance_id == instance_id:
                return instance
        msg = f"dataset {self.name}: no instance {instance_id}"
        raise DatasetError(msg)


def bundled_dataset_names() -> list[str]:
    return sorted(BUNDLED_DATASETS)


def load_dataset(
    spec: str | Path,
    *,
    instances: Sequence[str] | None = None,
    filter: str | None = None,
    strict: bool = False,
) -> LoadedDataset:
    """Load a dataset: a .json/.jsonl/.parquet path, a bundled name (`swe-mini`) or `owner/name[:split]`."""
    name = str(spec)
    pattern = _compile_filter(filter)
    with ExitStack() as stack:
        rows = list(_rows(name, stack))
    valid, problems, broken_ids, ignored = _validate(rows)
    if strict and problems:
        msg = f"dataset {name}: {problems[0]}" + (
            f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        )
        raise DatasetError(msg)
    selected = _select(name, valid, broken_ids, instances, pattern)
    return LoadedDataset(
        name=name, instances=tuple(selected), problems=tuple(problems), ignored_fields=tuple(sorted(ignored))
    )


def _compile_filter(filter_: str | None) -> re.Pattern[str] | None:
    if filter_ is None:
        return None
    try:
        return re.compile(filter_)
    except re.error as err:
        msg = f"invalid --filter regex {filter_!r}: {err}"
        raise DatasetError(msg) from None


def _rows(name: str, stack: ExitStack) -> Iterable[RawRow]:
    if name in BUNDLED_DATASETS:
        resource = resources.files("sweagent.datasets") / "data" / BUNDLED_DATASETS[name]
        if not resource.is_file():
            msg = f"dataset {name}: bundled file {BUNDLED_DATASETS[name]} is missing from this installation"
            raise DatasetError(msg)
        return read_file(stack.enter_context(resources.as_file(resource)))
    path = Path(name).expanduser()
    if path.is_file():
        return read_file(path)
    if path.exists():
        msg = f"dataset {name}: is a directory, expected a .json, .jsonl or .parquet file"
        raise DatasetError(msg)
    if path.suffix.lower() in _FILE_SUFFIXES:
        msg = f"dataset {name}: no such file"
        raise DatasetError(msg)
    match = _HUB_NAME.fullmatch(name)
    if match:
        return read_hub(match["name"], match["split"] or "test")
    known = ", ".join(bundled_dataset_names())
    msg = f"dataset {name}: not a file, a bundled dataset ({known}) or a hub name such as owner/name[:split]"
    raise DatasetError(msg)


def _validate(rows: Iterable[RawRow]) -> tuple[list[Instance], list[str], set[str], set[str]]:
    valid: list[Instance] = []
    problems: list[str] = []
    broken_ids: set[str] = set()
    ignored: set[str] = set()
    first_seen: dict[str, str] = {}
    for raw in rows:
        label = _label(raw)
        if raw.error:
            problems.append(f"{label}: {raw.error}")
            continue
        if not isinstance(raw.row, dict):
            problems.append(f"{label}: not a JSON object but {type(raw.row).__name__}")
            continue
        known = {key: value for key, value in raw.row.items() if key in _FIELDS}
        ignored.update(key for key in raw.row if key not in _FIELDS)
        try:
            instance = Instance.model_validate(known)
            SdistPin.from_source(instance.source)
        except ValidationError as err:
            problems.append(f"{label}: {_describe(err)}")
            broken_ids.add(str(raw.row.get("instance_id")))
            continue
        except DatasetError as err:
            problems.append(f"{label}: field source: {err}")
            broken_ids.add(instance.instance_id)
            continue
        if instance.instance_id in first_seen:
            problems.append(
                f"{label}: field instance_id: duplicate of {first_seen[instance.instance_id]}; "
                "the first one is kept"
            )
            continue
        first_seen[instance.instance_id] = raw.where
        valid.append(instance)
    return valid, problems, broken_ids, ignored


def _label(raw: RawRow) -> str:
    instance_id = raw.row.get("instance_id") if isinstance(raw.row, dict) else None
    if isinstance(instance_id, str) and instance_id:
        return f"record {instance_id if instance_id.isprintable() else repr(instance_id)} ({raw.where})"
    return f"record at {raw.where}"


def _describe(err: ValidationError) -> str:
    parts = []
    for error in err.errors():
        field = field_path(error["loc"], "(record)")
        message = one_line(error["msg"].removeprefix("Value error, "))
        text = "missing" if error["type"] == "missing" else message
        if error["type"] != "missing":
            text += f" (got {_short(error['input'])})"
        parts.append(f"field {field}: {text}")
    return "; ".join(parts)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _select(
    name: str,
    valid: list[Instance],
    broken_ids: set[str],
    wanted: Sequence[str] | None,
    pattern: re.Pattern[str] | None,
) -> list[Instance]:
    selected = valid
    if wanted is not None:
        present = {instance.instance_id for instance in valid}
        broken = [i for i in wanted if i not in present and i in broken_ids]
        unknown = [i for i in wanted if i not in present and i not in broken_ids]
        if broken or unknown:
            parts = [f"not in the dataset: {', '.join(unknown)}"] if unknown else []
            parts += [f"malformed (see its problem line): {', '.join(broken)}"] if broken else []
            msg = f"dataset {name}: instances {'; '.join(parts)}"
            raise DatasetError(msg)
        chosen = set(wanted)
        selected = [instance for instance in selected if instance.instance_id in chosen]
    if pattern is not None:
        selected = [instance for instance in selected if pattern.search(instance.instance_id)]
        if not selected:
            msg = f"dataset {name}: --filter {pattern.pattern!r} matches none of the {len(valid)} instances"
            raise DatasetError(msg)
    return selected

"""The run directory: where each artifact lives, atomic writes, and "is this stage done?"."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from sweagent.errors import StoreError

__all__ = ["RunStore", "atomic_write_text", "read_json", "safe_name"]

R = TypeVar("R", bound=BaseModel)


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` so a reader sees either the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes files owner-only; artifacts are meant to be shared
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path) -> object:
    """Parse a JSON artifact, naming the file when it is unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        msg = f"cannot read {path}: {err}"
        raise StoreError(msg) from err


def safe_name(name: str) -> str:
    """A file-system-safe version of an id (instance ids contain `/` only in odd datasets)."""
    cleaned = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)
    if not cleaned or cleaned.startswith("."):
        cleaned = "_" + cleaned
    return cleaned


class RunStore:
    """Paths and typed reads and writes inside one run directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def instance_dir(self, instance_id: str) -> Path:
        return self.root / safe_name(instance_id)

    def path(self, instance_id: str, artifact: str) -> Path:
        """The path of an artifact such as `context.json` or `trajectories/testing-0.json`."""
        return self.instance_dir(instance_id) / artifact

    def done(self, instance_id: str, artifact: str) -> bool:
        """A stage is done when its artifact exists (it is only ever written whole)."""
        return self.path(instance_id, artifact).is_file()

    def write(self, instance_id: str, artifact: str, record: BaseModel) -> Path:
        path = self.path(instance_id, artifact)
        atomic_write_text(path, record.model_dump_json(indent=2) + "\n")
        return path

    def read(self, instance_id: str, artifact: str, record_type: type[R]) -> R:
        path = self.path(instance_id, artifact)
        try:
            return record_type.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            msg = f"cannot read {path} as {record_type.__name__}: {err}"
            raise StoreError(msg) from err

    def write_json(self, relative: str, data: object) -> Path:
        """Write a run-level JSON file such as `results.json`."""
        path = self.root / relative
        atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
        return path

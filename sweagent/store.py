"""The run directory: where each artifact lives, atomic writes, and "is this stage done?"."""

from __future__ import annotations

import errno
import json
import logging
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from sweagent.errors import DiskFull, StoreError

__all__ = [
    "CANDIDATES_ARTIFACT",
    "COMPARE_FILE",
    "CONFIG_FILE",
    "CONTEXT_ARTIFACT",
    "ENVIRONMENT_ARTIFACT",
    "IMPORTS_ARTIFACT",
    "INSTANCE_ARTIFACT",
    "MATRIX_ARTIFACT",
    "PREDICTIONS_FILE",
    "REGRESSION_ARTIFACT",
    "REPORT_HTML",
    "REPORT_MD",
    "RESULTS_FILE",
    "RunStore",
    "SCAN_ARTIFACT",
    "USAGE_FILE",
    "VALIDATION_FILE",
    "atomic_write_text",
    "eval_artifact",
    "no_space",
    "observed_writes",
    "quarantine",
    "read_json",
    "safe_name",
    "selection_artifact",
    "trajectory_artifact",
]

R = TypeVar("R", bound=BaseModel)

logger = logging.getLogger(__name__)

# What a run directory holds: every artifact's name is spelled here and nowhere else.
# Per run, relative to runs/<run_id>/:
CONFIG_FILE = "config.yaml"
USAGE_FILE = "usage.json"
RESULTS_FILE = "results.json"
PREDICTIONS_FILE = "predictions.jsonl"
COMPARE_FILE = "compare.json"
VALIDATION_FILE = "validation.json"
REPORT_MD = "report.md"
REPORT_HTML = "report.html"
# Per instance, relative to runs/<run_id>/<instance_id>/:
INSTANCE_ARTIFACT = "instance.json"
"""The instance record, kept with imported candidates so `select` can run without the dataset."""
ENVIRONMENT_ARTIFACT = "environment.json"
CONTEXT_ARTIFACT = "context.json"
SCAN_ARTIFACT = "context_scan.json"
CANDIDATES_ARTIFACT = "candidates.json"
IMPORTS_ARTIFACT = "imports.json"
MATRIX_ARTIFACT = "test_matrix.json"
REGRESSION_ARTIFACT = "regression.json"


def trajectory_artifact(kind: str, sample: int) -> str:
    """Where the `kind` trajectory (testing, editing) of parallel sample `sample` is saved."""
    return f"trajectories/{kind}-{sample}.json"


def selection_artifact(selector: str) -> str:
    """Where a selector's (or chain's) `Selection` is saved."""
    return f"selection/{safe_name(selector)}.json"


def eval_artifact(candidate_id: str, suffix: str = ".json") -> str:
    """Where a candidate's `EvalResult` (or, with suffix ".log", its test log) is saved."""
    return f"eval/{candidate_id}{suffix}"


_NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT})


def no_space(err: OSError, path: Path) -> DiskFull | None:
    """`DiskFull` naming `path` when `err` is the file system running out of space, else None."""
    if err.errno not in _NO_SPACE:
        return None
    msg = f"cannot write {path}: no space left on device; free space and run the same command again to resume"
    return DiskFull(msg)


WriteObserver = Callable[[Path, str], None]
"""Told `(path, text)` after each whole write (the Ray executor ships a worker's writes to the driver)."""

_observers: list[WriteObserver] = []
_observers_lock = threading.Lock()


@contextmanager
def observed_writes(observer: WriteObserver) -> Iterator[None]:
    """Call `observer` after every `atomic_write_text` in this process inside the block.

    Process-wide on purpose, like a logging handler: stages write from worker threads that do not
    inherit a context. An observer that raises fails the write's caller, as a failed write would."""
    with _observers_lock:
        _observers.append(observer)
    try:
        yield
    finally:
        with _observers_lock:
            _observers.remove(observer)


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` so a reader sees either the old file or the whole new one; a full disk
    raises `DiskFull` naming the file, and leaves neither a temporary file nor a truncated artifact.
    Observers (`observed_writes`) are told once the file is in place."""
    try:
        _write_then_rename(path, text)
    except OSError as err:
        full = no_space(err, path)
        if full is None:
            raise
        raise full from err
    with _observers_lock:
        observers = tuple(_observers)
    for observer in observers:
        observer(path, text)


def _write_then_rename(path: Path, text: str) -> None:
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


def quarantine(path: Path, reason: str) -> Path:
    """Move a damaged artifact aside as `<name>.damaged` (kept for a post-mortem) and log why."""
    moved = path.with_name(path.name + ".damaged")
    try:
        path.replace(moved)
    except FileNotFoundError:
        return moved  # another reader moved it first
    logger.warning(
        "damaged artifact %s (%s): moved to %s; it will be redone where a stage needs it",
        path,
        reason[:300],
        moved.name,
    )
    return moved


def _ends_whole(path: Path) -> bool:
    """Whether a JSON artifact is whole: its last line closes it, or else it parses."""
    try:
        with path.open("rb") as handle:
            handle.seek(max(0, path.stat().st_size - 256))
            tail = handle.read().rstrip()
        if tail.rsplit(b"\n", 1)[-1] in (b"}", b"]"):
            return True
        json.loads(path.read_text(encoding="utf-8"))  # not the indented form, or cut: parse it all
    except OSError:
        return True  # gone or unreadable now: the reader that needs it says so
    except ValueError:
        return False
    return True


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
        self._checked: set[tuple[str, int, int]] = set()

    def instance_dir(self, instance_id: str) -> Path:
        return self.root / safe_name(instance_id)

    def path(self, instance_id: str, artifact: str) -> Path:
        """The path of an artifact such as `context.json` or `trajectories/testing-0.json`."""
        return self.instance_dir(instance_id) / artifact

    def done(self, instance_id: str, artifact: str) -> bool:
        """A stage is done when its artifact exists whole. Artifacts are only ever written whole, so
        one that does not parse was damaged from outside (a disk fault, an editor, a copy cut short):
        it is reported by name and moved aside, and the stage is redone."""
        path = self.path(instance_id, artifact)
        return path.is_file() and self._intact(path)

    def _intact(self, path: Path) -> bool:
        if path.suffix != ".json":
            return True
        try:
            stat = path.stat()
            key = (str(path), stat.st_mtime_ns, stat.st_size)
            if key in self._checked:
                return True
            json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return False
        except (OSError, ValueError) as err:
            quarantine(path, f"{type(err).__name__}: {err}")
            return False
        self._checked.add(key)
        return True

    def sweep(self, instance_ids: Iterable[str]) -> list[Path]:
        """Move aside, and report by name, each JSON artifact of the instances that was cut short.

        A file that no later stage reads again (the relevance scan's cache, a trajectory of a finished
        generation) would otherwise stay unreadable without a word. Artifacts are written whole as
        indented JSON, whose last line is a closing bracket: only a file ending otherwise is parsed
        whole. The damaged paths.
        """
        damaged = []
        for instance_id in instance_ids:
            folder = self.instance_dir(instance_id)
            for path in sorted(folder.rglob("*.json")) if folder.is_dir() else ():
                if not _ends_whole(path):
                    quarantine(path, "cut short: it does not end where a whole artifact ends")
                    damaged.append(path)
        return damaged

    def write(self, instance_id: str, artifact: str, record: BaseModel) -> Path:
        path = self.path(instance_id, artifact)
        atomic_write_text(path, record.model_dump_json(indent=2) + "\n")
        return path

    def read(self, instance_id: str, artifact: str, record_type: type[R]) -> R:
        """The artifact as `record_type`; one that does not validate is moved aside (so the next
        run redoes it) and raised as `StoreError` naming the file."""
        path = self.path(instance_id, artifact)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            msg = f"cannot read {path} as {record_type.__name__}: {err}"
            raise StoreError(msg) from err
        try:
            return record_type.model_validate_json(text)
        except ValueError as err:
            moved = quarantine(path, f"not a valid {record_type.__name__}: {err}")
            msg = (
                f"damaged artifact {path} (not a valid {record_type.__name__}; moved to {moved.name}): {err}"
            )
            raise StoreError(msg) from err

    def load(self, instance_id: str, artifact: str, record_type: type[R]) -> R | None:
        """The artifact when it exists whole and valid; None when it must be (re)done. A damaged one
        is moved aside and reported by name, never trusted."""
        if not self.done(instance_id, artifact):
            return None
        try:
            return self.read(instance_id, artifact, record_type)
        except StoreError:
            if self.path(instance_id, artifact).exists():
                raise  # unreadable for another reason (permissions): say so rather than redo
            return None

    def write_json(self, relative: str, data: object) -> Path:
        """Write a run-level JSON file such as `results.json`."""
        path = self.root / relative
        atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
        return path

"""Artifacts of instances that run elsewhere: seeded from the run directory, shipped back as written.

A worker runs an instance in a private folder laid out like a run directory. It is seeded with the
instance's artifacts from the driver's run directory (so a resumed or retried instance continues from
its saved turns), and every artifact written there is sent, as it is written, to an `ArtifactSink`
next to the run directory, which writes it in place. No file system is shared: a worker that dies
has already handed over every turn it saved.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

from sweagent.errors import StoreError
from sweagent.logs import INSTANCE_LOG
from sweagent.store import atomic_write_text, observed_writes, safe_name

__all__ = ["ArtifactSink", "instance_files", "relative_artifact", "seed", "shipped_writes"]

logger = logging.getLogger(__name__)

Send = Callable[[str, str], None]
"""Hands `(relative path, text)` of one written artifact to the run directory's side."""


def relative_artifact(relative: str) -> PurePosixPath:
    """`relative` as a path inside an instance's folder of a run directory; StoreError otherwise.

    Run-level files (`usage.json`, `predictions.jsonl`) are the driver's to write, and nothing may
    climb out of the run directory."""
    path = PurePosixPath(relative)
    if path.is_absolute() or ".." in path.parts or len(path.parts) < 2 or path.parts[0].startswith("."):
        msg = f"refused artifact path {relative!r}: not inside an instance's folder of the run directory"
        raise StoreError(msg)
    return path


def _kept(path: Path) -> bool:
    """Whether a file of an instance's folder is an artifact to seed (not a temporary or damaged one)."""
    return not path.name.startswith(".") and not path.name.endswith(".damaged") and path.name != INSTANCE_LOG


def instance_files(run_dir: Path, instance_id: str) -> dict[str, bytes]:
    """The artifacts of an instance in `run_dir`, by path relative to `run_dir`."""
    folder = run_dir / safe_name(instance_id)
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(run_dir).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and _kept(path)
    }


def seed(root: Path, files: Mapping[str, bytes]) -> None:
    """Lay `files` (from `instance_files`) out under `root`, a worker's private run directory."""
    for relative, data in files.items():
        path = root / relative_artifact(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@contextmanager
def shipped_writes(root: Path, send: Send) -> Iterator[None]:
    """Inside the block, send every artifact written under `root`'s instance folders to `send`,
    after it is in place locally; the write's caller waits for `send` (so a saved turn is handed over
    before the next one starts). Run-level files under `root` stay local."""
    base = root.resolve()

    def observe(path: Path, text: str) -> None:
        try:
            relative = path.resolve().relative_to(base)
        except ValueError:
            return  # not this worker's run directory (a build context, a cache)
        if len(relative.parts) >= 2:
            send(relative.as_posix(), text)

    with observed_writes(observe):
        yield


class ArtifactSink:
    """The run directory's side: writes shipped artifacts, hands out seeds, relays progress and usage.

    Runs as one Ray actor on the driver's node (any object with these methods would do); its calls
    from one caller run in order, so an instance's artifacts land in the order they were written."""

    def __init__(self, run_dir: str, usage: dict[str, Any] | None = None) -> None:
        self.run_dir = Path(run_dir)
        self._usage = usage
        self._events: list[Any] = []
        self._lock = threading.Lock()

    def snapshot(self, instance_id: str) -> dict[str, bytes]:
        """The instance's artifacts as they are now: a task's starting point."""
        return instance_files(self.run_dir, instance_id)

    def write(self, relative: str, text: str) -> None:
        """Write one shipped artifact whole into the run directory."""
        atomic_write_text(self.run_dir / relative_artifact(relative), text)

    def append(self, relative: str, text: str) -> None:
        """Append to a log of an instance (its `instance.log`)."""
        path = self.run_dir / relative_artifact(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)

    def post(self, event: object) -> None:
        """Keep a progress event of a task for the driver to replay."""
        with self._lock:
            self._events.append(event)

    def drain(self) -> list[Any]:
        """The progress events posted since the last drain, in order."""
        with self._lock:
            events, self._events = self._events, []
        return events

    def usage(self) -> dict[str, Any] | None:
        """The run's usage.json document as of the last update (a task's budget starts from it)."""
        return self._usage

    def set_usage(self, usage: dict[str, Any]) -> None:
        self._usage = usage

    def flush(self) -> None:
        """Returns once every call the same caller made before it has run."""

"""Cheap reset: find what an execution changed and undo only that.

The sandbox user can write only below a few roots (paths it owns and world-writable directories:
the repository, its home, /tmp, ...). Once per image, a throw-away container lists those roots and
every path below them (the baseline). At reset, one script inside the container kills leftover
processes, lists the roots again, deletes what the baseline lacks, and reports what the baseline
has but the container lost and what changed since the last reset (by ctime, which no user can set).
Those few paths are copied back from a created-but-never-started container of the image.

`docker diff` would give the same answer, but the overlay2 driver of Debian's engine computes it by
walking the whole image (about a second per call), which is what a fresh container costs.
"""

from __future__ import annotations

import io
import posixpath
import tarfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import docker.errors
from docker import DockerClient
from docker.models.containers import Container

from sandbox.engine import exec_script, labels
from sandbox.errors import SandboxClosed, SandboxError
from sandbox.scripts import BASELINE_SCRIPT, SECTION, STATE_DIR

__all__ = ["Baseline", "PristineImage", "RestorePlan", "plan_restore", "top_most"]

Members = list[tuple[tarfile.TarInfo, bytes | None]]


@dataclass(frozen=True)
class Baseline:
    """What the sandbox user could write to in the pristine image, and the modes of its directories."""

    roots: tuple[str, ...]
    listing: bytes
    """NUL-separated, sorted (C locale) paths below the roots, as `sort -z` orders them."""
    dir_modes: dict[str, str]

    def state_archive(self) -> bytes:
        """A tar putting the roots and listing into the container's state directory (root only)."""
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            state = tarfile.TarInfo(STATE_DIR.lstrip("/"))
            state.type, state.mode = tarfile.DIRTYPE, 0o700
            tar.addfile(state)
            for name, data in (("roots", "\0".join(self.roots).encode() + b"\0"), ("baseline", self.listing)):
                info = tarfile.TarInfo(f"{STATE_DIR.lstrip('/')}/{name}")
                info.size, info.mode = len(data), 0o600
                tar.addfile(info, io.BytesIO(data))
        return buffer.getvalue()


@dataclass(frozen=True)
class RestorePlan:
    """What to copy back from the image to undo an execution (added paths are already gone)."""

    trees: tuple[str, ...]
    """Top-most deleted paths, copied back with everything below them."""
    entries: tuple[str, ...]
    """Changed files and links, and directories whose mode changed (their own entry only)."""


def _has_ancestor_in(path: str, paths: set[str]) -> bool:
    parent = posixpath.dirname(path)
    while parent not in ("/", ""):
        if parent in paths:
            return True
        parent = posixpath.dirname(parent)
    return False


def top_most(paths: Iterable[str]) -> list[str]:
    """The paths that have no ancestor among `paths`, sorted."""
    unique = set(paths)
    return sorted(p for p in unique if not _has_ancestor_in(p, unique))


def plan_restore(
    deleted: Iterable[str], changed: Iterable[tuple[str, str, str]], baseline: Baseline
) -> RestorePlan:
    """Plan from the deleted paths and the changed (type, mode, path) entries of one reset listing."""
    trees = top_most(deleted)
    restored = set(trees)
    entries = []
    for kind, mode, path in changed:
        if path in restored or _has_ancestor_in(path, restored):
            continue
        if kind != "d" or baseline.dir_modes.get(path, mode) != mode:
            entries.append(path)
    return RestorePlan(trees=tuple(trees), entries=tuple(sorted(entries)))


class PristineImage:
    """The image's original files, read through a created, never started, container; cached per path."""

    def __init__(self, client: DockerClient, image: str) -> None:
        self._client = client
        self.image = image
        self._container: Container | None = None
        self._cache: dict[str, Members] = {}
        self._baseline: Baseline | None = None
        self._lock = threading.Lock()

    def baseline(self, untouched: str | None = None) -> Baseline:
        """The writable roots and their listing, taken once: in container `untouched` (started from
        the image, nothing run in it yet) when given, else in a throw-away container of the image."""
        with self._lock:
            if self._baseline is None:
                self._baseline = self._take_baseline(untouched)
            return self._baseline

    def _take_baseline(self, untouched: str | None) -> Baseline:
        if untouched is not None:
            code, output, error = exec_script(self._client, untouched, BASELINE_SCRIPT)
        else:
            code, output, error = self._baseline_in_new_container()
        if code != 0 or output.count(SECTION) != 2:
            detail = error.decode(errors="replace")[-300:]
            msg = f"listing the writable paths of {self.image} failed: {detail}"
            raise SandboxError(msg)
        roots_part, listing, modes_part = output.split(SECTION)
        modes = {}
        for item in modes_part.split(b"\0"):
            if item:
                mode, _, path = item.decode("utf-8", errors="surrogateescape").partition(" ")
                modes[path] = mode
        roots = tuple(r.decode("utf-8", errors="surrogateescape") for r in roots_part.split(b"\0") if r)
        return Baseline(roots=roots, listing=listing, dir_modes=modes)

    def _baseline_in_new_container(self) -> tuple[int | None, bytes, bytes]:
        try:
            container = self._client.containers.run(
                self.image, ["sleep", "infinity"], detach=True, init=True, network_mode="none",
                labels=labels("baseline"),
            )  # fmt: skip
        except docker.errors.APIError as err:
            msg = f"starting a container of {self.image} to list its writable paths failed: {err}"
            raise SandboxError(msg) from err
        try:
            return exec_script(self._client, str(container.id), BASELINE_SCRIPT)
        finally:
            container.remove(force=True)

    def _pristine(self) -> Container:
        if self._container is None:
            self._container = self._client.containers.create(
                self.image, command=["true"], labels=labels("pristine"), network_disabled=True
            )
        return self._container

    def _members(self, path: str) -> Members:
        with self._lock:
            if path in self._cache:
                return self._cache[path]
            try:
                stream, _ = self._pristine().get_archive(path)
            except docker.errors.NotFound as err:
                if "no such container" in str(err).lower():
                    # Removed under us (a cleanup, a wiped engine): a fault to retry, not an empty path.
                    self._container = None
                    msg = f"the pristine container of {self.image} is gone: {err}"
                    raise SandboxClosed(msg) from err
                self._cache[path] = []  # not in the image: nothing to put back
                return []
            members: Members = []
            prefix = posixpath.dirname(path).lstrip("/")
            with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
                for info in tar.getmembers():
                    handle = tar.extractfile(info) if info.isfile() else None
                    content = handle.read() if handle is not None else None
                    info.name = posixpath.join(prefix, info.name)
                    if info.islnk():  # hard links are named relative to the archive's root
                        info.linkname = posixpath.join(prefix, info.linkname)
                    members.append((info, content))
            self._cache[path] = members
            return members

    def archive(self, plan: RestorePlan) -> bytes:
        """One tar, rooted at /, of the image's version of the plan's entries (alone) and trees (whole)."""
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            # Entries first: a directory the user replaced by a link comes back before the trees below it.
            for path in plan.entries:
                for info, content in self._members(path)[:1]:
                    tar.addfile(info, io.BytesIO(content) if content is not None else None)
            for path in plan.trees:
                for info, content in self._members(path):
                    tar.addfile(info, io.BytesIO(content) if content is not None else None)
        return buffer.getvalue()

    def restore(self, container: Container, plan: RestorePlan) -> None:
        """Copy the image's version of the plan's paths into `container`."""
        if not (plan.trees or plan.entries):
            return
        try:
            container.put_archive("/", self.archive(plan))
        except docker.errors.APIError as err:
            msg = f"restoring files into container {container.short_id} failed: {err.explanation or err}"
            raise SandboxError(msg) from err

    def close(self) -> None:
        """Remove the pristine container."""
        if self._container is not None:
            try:
                self._container.remove(force=True)
            except docker.errors.NotFound:
                pass
            self._container = None
        self._cache.clear()

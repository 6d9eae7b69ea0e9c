"""The Sandbox protocol: where a command runs, not what an agent does there."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from sandbox.result import ExecResult

__all__ = ["Sandbox"]


@runtime_checkable
class Sandbox(Protocol):
    """An isolated copy of a repository's environment that can be run in and reset cheaply."""

    workdir: str
    """Absolute path, inside the sandbox, of the repository (the default working directory)."""

    def exec(
        self,
        cmd: str | Sequence[str],
        timeout: float | None = None,
        *,
        env: Mapping[str, str] | None = None,
        workdir: str | None = None,
    ) -> ExecResult:
        """Run `cmd` (a shell string or an argv list) and return its result; never raises for the command."""
        ...

    def write_file(self, path: str, content: str | bytes) -> None:
        """Write a file (path relative to workdir, or absolute inside the sandbox)."""
        ...

    def read_file(self, path: str) -> bytes:
        """Read a file (path relative to workdir, or absolute inside the sandbox)."""
        ...

    def apply_patch(self, patch: str) -> ExecResult:
        """Apply a unified diff to the repository with `git apply`; the result says whether it applied."""
        ...

    def diff(self) -> str:
        """`git diff` of the repository against its base commit, new files included."""
        ...

    def reset(self) -> None:
        """Return to the pristine base state, restoring only what changed."""
        ...

    def close(self) -> None:
        """Release every resource; safe to call twice."""
        ...

"""The repository files an edit reads and writes: inside a sandbox, or in a local folder."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from sandbox.protocol import Sandbox
from sandbox.transient import check_infra

__all__ = ["LocalFiles", "RepoFiles", "SandboxFiles"]


class RepoFiles(Protocol):
    """Files of one repository, named by paths relative to its root."""

    def read(self, path: str) -> bytes | None:
        """The file's bytes, or None when it does not exist."""
        ...

    def write(self, path: str, data: bytes) -> None:
        """Create or overwrite the file, making parent folders as needed."""
        ...

    def escapes(self, paths: Sequence[str]) -> list[str]:
        """Those of `paths` whose real location (symbolic links followed) is outside the repository."""
        ...


class SandboxFiles:
    """The repository at a sandbox's working directory."""

    def __init__(self, sandbox: Sandbox) -> None:
        self._sandbox = sandbox

    def read(self, path: str) -> bytes | None:
        try:
            return self._sandbox.read_file(path)
        except FileNotFoundError:
            return None

    def write(self, path: str, data: bytes) -> None:
        self._sandbox.write_file(path, data)

    def escapes(self, paths: Sequence[str]) -> list[str]:
        if not paths:
            return []
        # An engine fault is raised as such (SandboxFault, retried), not as a path problem.
        result = check_infra(self._sandbox.exec(["realpath", "-m", "--", ".", *paths], timeout=60))
        resolved = result.stdout.splitlines()
        if result.exit_code != 0 or len(resolved) != len(paths) + 1:
            msg = f"resolving paths in the sandbox failed: {result.stderr.strip() or result.stdout.strip()}"
            raise OSError(msg)
        root = resolved[0].rstrip("/") + "/"
        return [
            path for path, real in zip(paths, resolved[1:], strict=True) if not (real + "/").startswith(root)
        ]


class LocalFiles:
    """The repository in a folder of this machine."""

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()

    def read(self, path: str) -> bytes | None:
        target = self._root / path
        return target.read_bytes() if target.is_file() else None

    def write(self, path: str, data: bytes) -> None:
        target = self._root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def escapes(self, paths: Sequence[str]) -> list[str]:
        root = str(self._root) + os.sep
        return [path for path in paths if not (os.path.realpath(self._root / path) + os.sep).startswith(root)]

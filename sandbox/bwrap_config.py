"""The configuration of the bubblewrap backend, which builds a `BwrapSandbox`."""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sandbox.bwrap_command import parse_memory
from sandbox.result import DEFAULT_OUTPUT_LIMIT

if TYPE_CHECKING:
    from sandbox.bwrap import BwrapSandbox

__all__ = ["BwrapSandboxConfig"]


class BwrapSandboxConfig(BaseModel):
    """How to build a `BwrapSandbox`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["bwrap"] = "bwrap"
    """Discriminator of the sandbox config union."""
    source: Path
    """Host directory of the repository (`.git` a directory, HEAD the base commit); copied, never changed."""
    workdir: str = "/testbed"
    """Absolute path of the repository inside the sandbox; the host's directory of that name is hidden."""
    memory: str = "4g"
    """Address-space limit of each process (RLIMIT_AS), Docker-style: 4g, 512m, or bytes."""
    file_size: str = "2g"
    """Largest file a process may write (RLIMIT_FSIZE), as `memory`; total disk use is not capped."""
    pids: int = Field(default=1024, ge=16)
    """Processes (and threads) the sandbox's user may run at once (RLIMIT_NPROC in its user namespace)."""
    network: bool = False
    """Share the host's network; by default the sandbox sees only its own loopback."""
    env: dict[str, str] = Field(default_factory=dict)
    """Variables set inside the sandbox (over PATH, HOME=/tmp and LANG)."""
    pass_env: list[str] = Field(default_factory=list)
    """Host variables copied in by name when set; nothing else of the host environment enters."""
    timeout: float = Field(default=300.0, gt=0)
    """Default wall-clock seconds per execution."""
    output_limit: int = Field(default=DEFAULT_OUTPUT_LIMIT, ge=2)
    """Bytes of stdout (and of stderr) kept per execution: the head and tail halves."""
    uid: int = Field(default=1000, ge=1)
    """Uid of commands inside; when sweagent runs as root, bubblewrap itself runs as this host uid."""
    gid: int = Field(default=1000, ge=1)
    """Gid of commands inside, as `uid`."""
    bwrap_path: str = "bwrap"
    """The bubblewrap executable: a name looked up on PATH, or a path."""
    scratch_dir: Path | None = None
    """Where the private copy is made; None means the system's temporary directory."""

    @field_validator("memory", "file_size")
    @classmethod
    def _memory_parses(cls, value: str) -> str:
        parse_memory(value)
        return value

    @field_validator("workdir")
    @classmethod
    def _workdir_is_mountable(cls, value: str) -> str:
        normal = posixpath.normpath(value)
        top = normal.split("/")[1] if normal.startswith("/") else ""
        if top in ("", "proc", "dev", "tmp"):
            msg = f"workdir must be an absolute path outside /proc, /dev and /tmp, not {value!r}"
            raise ValueError(msg)
        return normal

    def build(self) -> BwrapSandbox:
        """Copy the source and check that bubblewrap works; raises EngineUnavailable if it cannot."""
        from sandbox.bwrap import BwrapSandbox  # the sandbox module imports this one

        return BwrapSandbox(self)

"""What one execution produced, and the bounded buffer that collects its output."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["DEFAULT_OUTPUT_LIMIT", "ExecResult", "OutputBuffer"]

DEFAULT_OUTPUT_LIMIT = 64 * 1024


class ExecResult(BaseModel):
    """The outcome of one command in a sandbox; never raised, always returned."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    exit_code: int | None
    """The process's exit code; None when it never finished (killed at timeout, infrastructure error)."""
    stdout: str = ""
    """Decoded with errors replaced; truncated in the middle with a note when over the limit."""
    stderr: str = ""
    """As stdout."""
    duration: float = 0.0
    """Wall-clock seconds from start to the end of output collection."""
    timed_out: bool = False
    """The wall-clock timeout fired and the whole process group was killed; output is partial."""
    oom_killed: bool = False
    """The kernel killed a process of this execution for exceeding the memory limit."""
    infra_error: str | None = None
    """The sandbox itself failed (engine down, container gone, image missing): not the command's fault."""
    stdout_bytes: int = 0
    """Bytes the command wrote to stdout, before truncation."""
    stderr_bytes: int = 0
    """Bytes the command wrote to stderr, before truncation."""

    @property
    def ok(self) -> bool:
        """The command ran to completion and exited 0."""
        return self.exit_code == 0 and not self.timed_out and self.infra_error is None


class OutputBuffer:
    """Keeps the first and last `limit // 2` bytes of a stream and counts the rest."""

    def __init__(self, limit: int = DEFAULT_OUTPUT_LIMIT) -> None:
        self.limit = limit
        self.total = 0
        self._head = bytearray()
        self._tail = bytearray()

    def write(self, chunk: bytes) -> None:
        self.total += len(chunk)
        half = self.limit // 2
        room = half - len(self._head)
        if room > 0:
            self._head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self._tail += chunk
            if len(self._tail) > 2 * half:  # trim rarely: amortized O(1) per byte
                del self._tail[: len(self._tail) - half]

    def text(self) -> str:
        """The kept bytes decoded with errors replaced, with a note saying how much was cut."""
        half = self.limit // 2
        tail = bytes(self._tail[-half:]) if half else b""
        cut = self.total - len(self._head) - len(tail)
        if cut <= 0:
            return bytes(self._head + self._tail).decode("utf-8", errors="replace")
        head = bytes(self._head).decode("utf-8", errors="replace")
        note = f"\n[... {cut} bytes cut from the middle of {self.total} bytes of output ...]\n"
        return head + note + tail.decode("utf-8", errors="replace")

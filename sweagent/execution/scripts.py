"""Run reproduction tests in pooled sandboxes: on the original code or with a candidate applied.

Each run borrows a pristine sandbox, applies the patch (if any), writes the script outside the
repository (so it never enters a diff), runs it from the repository root, and gives the sandbox
back, which resets it. Sandboxes are synchronous; the async wrappers run them in worker threads,
at most as many at once as the pool holds.
"""

from __future__ import annotations

import asyncio
import functools
import shlex
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import KW_ONLY, dataclass, field
from typing import Literal, Protocol

from sandbox.protocol import Sandbox
from sandbox.result import ExecResult
from sandbox.transient import RetryPolicy, SandboxFault, check_infra, retry_transient
from sweagent.edits.blocks import EditBlock, apply_edit
from sweagent.edits.repo_files import SandboxFiles
from sweagent.records import Record

__all__ = [
    "SCRIPT_PATH",
    "PatchFailed",
    "PooledRunner",
    "SandboxLender",
    "ScriptRun",
    "ScriptRunner",
    "verdict_of",
]

SCRIPT_PATH = "/tmp/sweagent_reproduction_test.py"
"""Where a test script is written inside the sandbox: outside the repository."""

Verdict = Literal["issue present", "fixed", "broken test", "timed out", "infrastructure error"]


class SandboxLender(Protocol):
    """Lends a pristine sandbox for the length of a `with` block (`sandbox.pool.SandboxPool`)."""

    def acquire(self, timeout: float | None = None) -> AbstractContextManager[Sandbox]: ...


class PatchFailed(RuntimeError):
    """A stored patch no longer applies to the pristine repository (it should always apply)."""


class ScriptRun(Record):
    """One run of a test script."""

    exit_code: int | None
    output: str
    """stdout then stderr, each truncated in the middle by the sandbox when over its limit."""
    timed_out: bool = False
    infra_error: str | None = None
    duration: float = 0.0

    @property
    def verdict(self) -> Verdict:
        return verdict_of(self.exit_code, timed_out=self.timed_out, infra_error=self.infra_error)


def verdict_of(exit_code: int | None, *, timed_out: bool = False, infra_error: str | None = None) -> Verdict:
    """What an exit code means for a reproduction test: 2 issue present, 0 fixed, other broken."""
    if infra_error is not None:
        return "infrastructure error"
    if timed_out:
        return "timed out"
    if exit_code == 2:
        return "issue present"
    return "fixed" if exit_code == 0 else "broken test"


@dataclass(eq=False)
class PooledRunner:
    """What every runner of test scripts holds: the sandboxes it borrows, how it runs a script, how
    many at once, and how long engine faults are retried."""

    pool: SandboxLender
    _: KW_ONLY
    timeout: float = 120.0
    """Seconds a script may run before it is killed."""
    command: str = "python3"
    """The interpreter a script is run with."""
    concurrency: int = 4
    """Scripts run at once."""
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    """How long engine faults are retried."""


class ScriptRunner(PooledRunner):
    """Runs scripts and applies edits in sandboxes lent by `pool`."""

    @functools.cached_property
    def _slots(self) -> asyncio.Semaphore:
        return asyncio.Semaphore(self.concurrency)

    def run(self, script: str, patch: str = "") -> ScriptRun:
        """Run `script` on the original code, or with `patch` applied; engine faults are retried.

        A fault that persists past the retry policy gives a run with `infra_error` set.
        """

        def attempt() -> ExecResult:
            with self.pool.acquire() as box:
                _apply(box, patch)
                box.write_file(SCRIPT_PATH, script)
                return check_infra(
                    box.exec(f"{self.command} {shlex.quote(SCRIPT_PATH)}", timeout=self.timeout)
                )

        try:
            return _script_run(retry_transient(attempt, self.retry, "running a test script"))
        except SandboxFault as err:
            return ScriptRun(exit_code=None, output="", infra_error=str(err))

    def edit(self, patch: str, blocks: Sequence[EditBlock]) -> str:
        """The diff after applying `blocks` on top of `patch`; EditError when they do not apply."""

        def attempt() -> str:
            with self.pool.acquire() as box:
                _apply(box, patch)
                apply_edit(blocks, SandboxFiles(box))
                return box.diff()

        return retry_transient(attempt, self.retry, "applying an edit")

    async def run_async(self, script: str, patch: str = "") -> ScriptRun:
        async with self._slots:
            return await asyncio.to_thread(self.run, script, patch)

    async def edit_async(self, patch: str, blocks: Sequence[EditBlock]) -> str:
        async with self._slots:
            return await asyncio.to_thread(self.edit, patch, blocks)


def _apply(box: Sandbox, patch: str) -> None:
    if not patch.strip():
        return
    applied = check_infra(box.apply_patch(patch))
    if applied.exit_code != 0:
        msg = f"a stored patch did not apply to the pristine repository: {applied.stderr.strip()[:500]}"
        raise PatchFailed(msg)


def _script_run(result: ExecResult) -> ScriptRun:
    output = result.stdout
    if result.stderr:
        output = f"{output}\n[stderr]\n{result.stderr}" if output else result.stderr
    return ScriptRun(
        exit_code=result.exit_code,
        output=output,
        timed_out=result.timed_out,
        infra_error=result.infra_error,
        duration=result.duration,
    )

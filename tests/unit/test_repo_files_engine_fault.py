"""Resolving an edit's paths when the engine fails the command raises the engine's fault.

Invariant: an execution the engine could not run (`infra_error`) is a SandboxFault, which callers
retry, never an ordinary error that would end the trajectory as `error` (the engine-restart test
found `realpath` runs that died with their container reported as a path problem).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from sandbox.result import ExecResult
from sandbox.transient import SandboxFault, is_transient
from sweagent.edits.repo_files import SandboxFiles


class EngineGone:
    """A sandbox whose engine answers no command (as while the Docker engine restarts)."""

    workdir = "/testbed"

    def exec(
        self,
        cmd: str | Sequence[str],
        timeout: float | None = None,
        *,
        env: Mapping[str, str] | None = None,
        workdir: str | None = None,
    ) -> ExecResult:
        return ExecResult(
            exit_code=None, stdout="", stderr="", duration=0.0, infra_error="connection refused"
        )


def test_an_engine_fault_while_resolving_paths_is_a_transient_sandbox_fault() -> None:
    files = SandboxFiles(EngineGone())  # type: ignore[arg-type]
    with pytest.raises(SandboxFault, match="connection refused") as raised:
        files.escapes(["pkg/calc.py"])
    assert is_transient(raised.value)

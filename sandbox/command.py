"""The `exec` front the sandbox backends share: arguments normalised into one `Command`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sandbox.result import ExecResult

__all__ = ["Command", "CommandRunner"]


@dataclass(frozen=True)
class Command:
    """One command as a backend runs it, with every default already filled in."""

    argv: list[str]
    """The program and its arguments (a shell string arrives as `bash -c STRING`)."""
    timeout: float
    """Wall-clock seconds the command may take."""
    env: Mapping[str, str]
    """Variables added to the sandbox's environment for this command."""
    workdir: str
    """Absolute path, inside the sandbox, the command starts in."""


class CommandRunner:
    """Base of the backends' `exec`: it builds the `Command` and hands it to `_run_command`."""

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
        """Run `cmd` (a bash string or an argv list), by default for `_default_timeout()` seconds in
        `workdir`; never raises for the command."""
        command = Command(
            argv=["bash", "-c", cmd] if isinstance(cmd, str) else list(cmd),
            timeout=self._default_timeout() if timeout is None else timeout,
            env=dict(env or {}),
            workdir=workdir or self.workdir,
        )
        return self._run_command(command)

    def _default_timeout(self) -> float:
        """Wall-clock seconds a command may take when `exec` is given no timeout."""
        raise NotImplementedError

    def _run_command(self, command: Command) -> ExecResult:
        """Run a normalised command; each backend says how (and checks it is still open)."""
        raise NotImplementedError

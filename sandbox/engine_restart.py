"""Restart a Docker engine that scripts/bootstrap.sh started: a fault-injection TEST TOOL.

bootstrap.sh starts the engine as `nohup dockerd >LOG_DIR/dockerd.log 2>&1 &` when none answers
(no init system manages it). `BootstrappedEngine.find()` recognises that daemon by its output file
and `restart()` does what its operator would: SIGTERM, wait until it has exited (its containers
stop with it), start it again the same way with the same arguments, working directory and
environment, and wait until the engine answers. An engine started otherwise (systemd, Docker
Desktop, another host) is never touched: `find()` says why it will not restart it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from sandbox.engine import connect
from sandbox.errors import EngineUnavailable

__all__ = ["BootstrappedEngine", "NotRestartable"]

PID_FILE = Path("/var/run/docker.pid")
"""Where dockerd writes its pid (its default `--pidfile`)."""
LOG_NAME = "dockerd.log"
"""The file bootstrap.sh sends the daemon's output to."""


class NotRestartable(RuntimeError):
    """The engine was not started by bootstrap.sh (or cannot be signalled from here)."""


@dataclass(frozen=True)
class BootstrappedEngine:
    """The running `dockerd` that bootstrap.sh started, and how to start it again."""

    pid: int
    argv: tuple[str, ...]
    cwd: str
    environ: dict[str, str]
    log: Path

    @classmethod
    def find(cls) -> BootstrappedEngine:
        """The bootstrap-started daemon; NotRestartable saying why when there is none."""
        pid = _daemon_pid()
        proc = Path(f"/proc/{pid}")
        try:
            log = (proc / "fd" / "1").readlink()
            argv = tuple(a.decode() for a in (proc / "cmdline").read_bytes().split(b"\0") if a)
            pairs = [
                i.decode(errors="replace").partition("=")
                for i in (proc / "environ").read_bytes().split(b"\0")
            ]
            environ = {name: value for name, _, value in pairs if name}
            cwd = str((proc / "cwd").readlink())
        except OSError as err:
            msg = f"cannot inspect dockerd (pid {pid}): {err} (restarting it needs root)"
            raise NotRestartable(msg) from err
        if log.name != LOG_NAME:
            msg = f"dockerd (pid {pid}) writes to {log}, not bootstrap.sh's {LOG_NAME}: managed otherwise"
            raise NotRestartable(msg)
        return cls(pid=pid, argv=argv, cwd=cwd, environ=environ, log=log)

    def restart(self, timeout: float = 120.0) -> BootstrappedEngine:
        """Stop the daemon, start it again as bootstrap.sh does, wait for it to answer; the new one."""
        deadline = time.monotonic() + timeout
        _signal(self.pid, signal.SIGTERM)
        while _running(self.pid):
            if time.monotonic() > deadline:
                _signal(self.pid, signal.SIGKILL)
                deadline = time.monotonic() + 30
            time.sleep(0.1)
        # As bootstrap.sh: `nohup dockerd ... &` from a shell, output appended to the same log; its
        # own session, so nothing that signals this process group reaches the engine.
        subprocess.run(
            ["sh", "-c", 'log=$1; shift; nohup "$@" >>"$log" 2>&1 &', "sh", str(self.log), *self.argv],
            cwd=self.cwd,
            env=self.environ,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            check=True,
        )
        wait_until_answering(max(deadline - time.monotonic(), 30.0))
        return BootstrappedEngine.find()


def wait_until_answering(timeout: float) -> None:
    """Return once the engine answers a ping; EngineUnavailable after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            connect(timeout=10).close()
        except EngineUnavailable:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
        else:
            return


def _daemon_pid() -> int:
    """The pid the daemon wrote to its pid file; else the one top-level `dockerd` process."""
    try:
        written = int(PID_FILE.read_text().strip())
    except (OSError, ValueError):
        written = 0
    if written and _comm(written) == "dockerd" and _running(written):
        return written
    named = {pid for pid in _pids() if _comm(pid) == "dockerd"}
    # The daemon re-executes itself for some work (unpacking archives): those children are not it.
    found = [pid for pid in named if _parent(pid) not in named]
    if len(found) != 1:
        msg = f"expected one dockerd process, found {len(found)}"
        raise NotRestartable(msg)
    return found[0]


def _pids() -> list[int]:
    return [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it exited meanwhile
        os.kill(pid, signum)


def _parent(pid: int) -> int:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat.rpartition(")")[2].split()[1])


def _running(pid: int) -> bool:
    """Whether `pid` is alive (an exited process not yet reaped counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")

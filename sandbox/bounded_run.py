"""Run a host process with a wall-clock deadline, collecting its output into bounded buffers."""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence

from sandbox.result import ExecResult, OutputBuffer

__all__ = ["run_bounded"]

_CHUNK = 1 << 20
_DRAIN_AFTER_KILL = 5.0
"""Seconds to keep reading after the kill: the pipes close as soon as the killed processes are gone."""


def run_bounded(
    argv: Sequence[str],
    *,
    timeout: float | None,
    output_limit: int,
    env: Mapping[str, str],
    user: int | None = None,
    group: int | None = None,
) -> ExecResult:
    """Run `argv` in its own session; at the deadline SIGKILL its whole process group and keep partial output.

    stdout and stderr are read concurrently with a selector, so neither pipe can fill and block the
    child, and each goes through an `OutputBuffer`, so a gigabyte of output costs `output_limit` bytes.
    """
    started = time.monotonic()
    deadline = None if timeout is None else started + timeout
    # user/group (root only) are applied by subprocess's C code between fork and exec: no preexec_fn,
    # which is unsafe when other threads run.
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env),
        start_new_session=True,
        close_fds=True,
        user=user,
        group=group,
        extra_groups=None if user is None else [],
    )
    buffers = {"stdout": OutputBuffer(output_limit), "stderr": OutputBuffer(output_limit)}
    timed_out = False
    with selectors.DefaultSelector() as selector:
        assert proc.stdout is not None
        assert proc.stderr is not None
        selector.register(proc.stdout, selectors.EVENT_READ, buffers["stdout"])
        selector.register(proc.stderr, selectors.EVENT_READ, buffers["stderr"])
        while selector.get_map():
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                if timed_out:  # the pipes outlived the drain period: stop reading, do not hang
                    break
                timed_out = True
                _kill_group(proc)
                deadline = now + _DRAIN_AFTER_KILL
            wait = None if deadline is None else max(deadline - now, 0.0)
            for key, _ in selector.select(wait):
                chunk = os.read(key.fd, _CHUNK)
                if chunk:
                    key.data.write(chunk)
                else:
                    selector.unregister(key.fileobj)
    proc.stdout.close()
    proc.stderr.close()
    if timed_out:
        _kill_group(proc)
    exit_code = proc.wait()
    return ExecResult(
        exit_code=None if timed_out else _shell_style(exit_code),
        stdout=buffers["stdout"].text(),
        stderr=buffers["stderr"].text(),
        duration=time.monotonic() - started,
        timed_out=timed_out,
        stdout_bytes=buffers["stdout"].total,
        stderr_bytes=buffers["stderr"].total,
    )


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    # The child leads its own session, so its pid is the group id; a pid namespace behind it dies
    # with its init (bubblewrap), which the kernel kills along with everything inside.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _shell_style(returncode: int) -> int:
    """A child killed by signal N reports 128 + N, as a shell (and bubblewrap) would."""
    return 128 - returncode if returncode < 0 else returncode

"""One writer per run directory: a second command that would write it refuses, naming the holder.

The lock is an advisory `flock` on `<run_dir>/.sweagent.lock`, which the kernel releases when the
holder exits however it exits (`kill -9` included), so a killed run never leaves it stuck. The file
itself stays; while held it names the holder (pid, host, command, start time).
"""

from __future__ import annotations

import fcntl
import functools
import inspect
import json
import os
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ParamSpec, TypeVar

from sweagent.errors import RunDirectoryBusy

__all__ = ["LOCK_FILE", "hold_run_directory", "holds_run_directory"]

P = ParamSpec("P")
T = TypeVar("T")

LOCK_FILE = ".sweagent.lock"


def _holder(path: Path) -> str:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(data["started"])))
        return f"`{data['command']}` (pid {data['pid']} on {data['host']}, since {started})"
    except (OSError, ValueError, KeyError, TypeError):
        return "another sweagent process (it has not written its name yet)"


@contextmanager
def hold_run_directory(run_dir: Path, command: str) -> Iterator[None]:
    """Hold `run_dir` for `command` inside the block; `RunDirectoryBusy` if another process holds it."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            msg = (
                f"run directory {run_dir} is in use by {_holder(path)}; wait for it to end or stop it "
                "(a stopped or killed holder releases the directory at once)"
            )
            raise RunDirectoryBusy(msg) from None
        holder = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": command,
            "started": time.time(),
        }
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(holder).encode(), 0)
        except OSError:
            pass  # a full disk: the lock holds all the same; only the holder's name is missing
        yield
    finally:
        os.close(fd)


def holds_run_directory(command: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Run the decorated command holding its `run_dir` argument, when that directory exists."""

    def decorate(function: Callable[P, T]) -> Callable[P, T]:
        signature = inspect.signature(function)

        @functools.wraps(function)
        def holding(*args: P.args, **kwargs: P.kwargs) -> T:
            run_dir = signature.bind(*args, **kwargs).arguments.get("run_dir")
            if run_dir is None or not Path(run_dir).is_dir():
                return function(*args, **kwargs)  # nothing to share yet; the command says what is wrong
            with hold_run_directory(Path(run_dir), command):
                return function(*args, **kwargs)

        return holding

    return decorate

"""Where the package's log records go: warnings to the console (`-v`: all, `-q`: errors), INFO and
above to the run's `run.log`, and those made while working on an instance also to that instance's
`<run_dir>/<instance_id>/instance.log`.

Library code only calls `logging.getLogger(__name__)`; the command line decides the handlers.
"""

from __future__ import annotations

import errno
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from sweagent.store import safe_name

__all__ = [
    "INSTANCE_LOG",
    "RUN_LOG",
    "ConsoleHandler",
    "current_instance",
    "instance_scope",
    "log_to_console",
    "run_log",
]

RUN_LOG = "run.log"
"""The log file a run leaves in its directory."""
INSTANCE_LOG = "instance.log"
"""The log file each instance's directory gets: the records made while working on it."""

_INSTANCE: ContextVar[str | None] = ContextVar("sweagent_instance", default=None)

_STYLES = {logging.WARNING: "yellow", logging.ERROR: "red", logging.CRITICAL: "red"}
_NO_SPACE = (errno.ENOSPC, errno.EDQUOT)
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
PACKAGES = ("sweagent", "sandbox")
"""Whose records the console and `run.log` get (the sandbox's say which engine faults were retried)."""


class ConsoleHandler(logging.Handler):
    """One line per record on a rich console, `warning: ...` in colour."""

    def __init__(self, console: Console, level: int = logging.WARNING) -> None:
        super().__init__(level)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        try:
            style = _STYLES.get(record.levelno, "cyan")
            label = record.levelname.lower()
            self.console.print(f"[{style}]{label}:[/{style}] {escape(record.getMessage())}", highlight=False)
        except Exception:  # a broken console must not break the run
            self.handleError(record)


def log_to_console(console: Console, level: int = logging.WARNING) -> None:
    """Send the packages' records at `level` and above to `console`, instead of where an earlier
    call sent them (`-v` lowers the level to DEBUG, `-q` raises it to ERROR)."""
    for logger in map(logging.getLogger, PACKAGES):
        for handler in [h for h in logger.handlers if isinstance(h, ConsoleHandler)]:
            logger.removeHandler(handler)
        logger.addHandler(ConsoleHandler(console, level))
        logger.setLevel(min(logger.level or logging.INFO, logging.INFO, level))
        # A dependency may configure the root logger on import (swebench calls basicConfig at INFO):
        # the package's records go to our handlers only, or every INFO line would reach the console.
        logger.propagate = False


class _RunLogHandler(logging.FileHandler):
    """`run.log`, which stops growing (rather than printing a traceback per record) on a full disk:
    the artifact write that meets the same fault stops the run with a one-line message."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        if isinstance(sys.exc_info()[1], OSError) and getattr(sys.exc_info()[1], "errno", None) in _NO_SPACE:
            return
        super().handleError(record)


def current_instance() -> str | None:
    """The instance the current task or thread works on (see `instance_scope`), None outside any."""
    return _INSTANCE.get()


@contextmanager
def instance_scope(instance_id: str) -> Iterator[None]:
    """Records made inside the block (in this task or thread, and in tasks and `asyncio.to_thread`
    calls started from it) also go to the instance's `instance.log`."""
    token = _INSTANCE.set(instance_id)
    try:
        yield
    finally:
        _INSTANCE.reset(token)


class _InstanceLogHandler(logging.Handler):
    """Appends each record made inside an `instance_scope` to `<run_dir>/<instance_id>/instance.log`.

    The file is opened per record: a run may work on hundreds of instances, and none is kept open."""

    def __init__(self, run_dir: Path) -> None:
        super().__init__(logging.INFO)
        self.run_dir = run_dir
        self.setFormatter(logging.Formatter(_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        instance_id = _INSTANCE.get()
        if instance_id is None:
            return
        try:
            folder = self.run_dir / safe_name(instance_id)
            folder.mkdir(parents=True, exist_ok=True)
            with (folder / INSTANCE_LOG).open("a", encoding="utf-8") as log:
                log.write(self.format(record) + "\n")
        except OSError as err:
            if err.errno not in _NO_SPACE:  # a full disk stops the run elsewhere, with one message
                self.handleError(record)


@contextmanager
def run_log(run_dir: Path) -> Iterator[Path]:
    """Append the package's records (INFO and above) to `<run_dir>/run.log` inside the block, and
    those made inside an `instance_scope` also to the instance's `instance.log`."""
    path = run_dir / RUN_LOG
    handler = _RunLogHandler(path, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(_FORMAT))
    per_instance = _InstanceLogHandler(run_dir)
    loggers = [logging.getLogger(name) for name in PACKAGES]
    previous = [logger.level for logger in loggers]
    for logger, level in zip(loggers, previous, strict=True):
        logger.setLevel(logging.INFO if level in (logging.NOTSET, 0) else min(level, logging.INFO))
        logger.addHandler(handler)
        logger.addHandler(per_instance)
    try:
        yield path
    finally:
        for logger, level in zip(loggers, previous, strict=True):
            logger.removeHandler(per_instance)
            logger.removeHandler(handler)
            logger.setLevel(level)
        handler.close()
        per_instance.close()

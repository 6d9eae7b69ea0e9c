"""Where the package's log records go: warnings to the console (`-v`: all, `-q`: errors), INFO and
above to the run's `run.log`.

Library code only calls `logging.getLogger(__name__)`; the command line decides the handlers.
"""

from __future__ import annotations

import errno
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.markup import escape

__all__ = ["RUN_LOG", "ConsoleHandler", "log_to_console", "run_log"]

RUN_LOG = "run.log"
"""The log file a run leaves in its directory."""

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


@contextmanager
def run_log(run_dir: Path) -> Iterator[Path]:
    """Append the package's records (INFO and above) to `<run_dir>/run.log` inside the block."""
    path = run_dir / RUN_LOG
    handler = _RunLogHandler(path, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(_FORMAT))
    loggers = [logging.getLogger(name) for name in PACKAGES]
    previous = [logger.level for logger in loggers]
    for logger, level in zip(loggers, previous, strict=True):
        logger.setLevel(logging.INFO if level in (logging.NOTSET, 0) else min(level, logging.INFO))
        logger.addHandler(handler)
    try:
        yield path
    finally:
        for logger, level in zip(loggers, previous, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
        handler.close()

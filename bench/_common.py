"""What the bench scripts that time whole `sweagent` commands share (run with `PYTHONPATH=.`)."""

from __future__ import annotations

import subprocess
import sys
import time


def timed(command: list[str], what: str) -> float:
    """Seconds `command` took; exits with the end of its stderr, naming it `what`, when it fails."""
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{what} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return wall

"""One writer per run directory: a second command refuses, naming the holder; a killed holder
(`kill -9`) leaves nothing stuck."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sweagent.errors import RunDirectoryBusy
from sweagent.run_lock import hold_run_directory

HOLDER = """
import sys, time
from pathlib import Path
from sweagent.run_lock import hold_run_directory
with hold_run_directory(Path(sys.argv[1]), "sweagent run (test holder)"):
    print("held", flush=True)
    time.sleep(120)
"""


def start_holder(run_dir: Path) -> subprocess.Popen[str]:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(run_dir)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_writer_is_refused_until_the_holder_is_killed(tmp_path: Path) -> None:
    holder = start_holder(tmp_path)
    try:
        with pytest.raises(
            RunDirectoryBusy, match=rf"in use by `sweagent run \(test holder\)` \(pid {holder.pid} on"
        ):
            with hold_run_directory(tmp_path, "sweagent select"):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.communicate()
    with hold_run_directory(tmp_path, "sweagent select"):
        pass  # the kernel released the killed holder's lock: nothing is stuck


def test_the_cli_refuses_a_run_directory_in_use_with_exit_2(tmp_path: Path) -> None:
    holder = start_holder(tmp_path)
    try:
        for command in (
            ["select", str(tmp_path), "--selector", "vote"],
            [
                "run",
                "--dataset",
                "swe-mini",
                "--run-dir",
                str(tmp_path),
                "--stages",
                "context",
                "-o",
                "context.provider=bm25",
                "--model",
                "scripted:builtin",
            ],
        ):
            result = subprocess.run(
                [sys.executable, "-m", "sweagent", *command],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert result.returncode == 2, result.stderr
            assert f"is in use by `sweagent run (test holder)` (pid {holder.pid}" in result.stderr
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.communicate()

"""run_bounded on real host processes: deadlines kill the whole group, output stays bounded."""

from __future__ import annotations

import time
from pathlib import Path

from sandbox.bounded_run import run_bounded

_ENV = {"PATH": "/usr/bin:/bin"}


def test_exit_code_output_and_environment() -> None:
    result = run_bounded(
        ["sh", "-c", 'echo "$ONLY"; echo err >&2; exit 7'],
        timeout=10,
        output_limit=1024,
        env={**_ENV, "ONLY": "this"},
    )
    assert result.exit_code == 7
    assert result.stdout == "this\n"
    assert result.stderr == "err\n"
    assert not result.timed_out
    environment = run_bounded(["env"], timeout=10, output_limit=1024, env={**_ENV, "ONLY": "this"})
    assert sorted(environment.stdout.splitlines()) == ["ONLY=this", "PATH=/usr/bin:/bin"]


def test_killed_by_a_signal_reports_128_plus_signal() -> None:
    result = run_bounded(["sh", "-c", "kill -TERM $$"], timeout=10, output_limit=64, env=_ENV)
    assert result.exit_code == 128 + 15


def test_deadline_kills_grandchildren_holding_the_pipes() -> None:
    started = time.monotonic()
    result = run_bounded(
        ["sh", "-c", "echo partial; (sleep 100; echo never) & sleep 100"],
        timeout=0.5,
        output_limit=64,
        env=_ENV,
    )
    assert time.monotonic() - started < 4
    assert result.timed_out
    assert result.exit_code is None
    assert result.stdout == "partial\n"


def test_output_is_bounded_and_undecodable_bytes_replaced() -> None:
    result = run_bounded(
        ["sh", "-c", "printf '\\377start'; head -c 50000000 /dev/zero | tr '\\0' x; printf end"],
        timeout=30,
        output_limit=100,
        env=_ENV,
    )
    assert result.stdout_bytes == 50_000_000 + 9
    assert result.stdout.startswith("\ufffdstart")
    assert result.stdout.endswith("xxend")
    assert "bytes cut from the middle of 50000009 bytes" in result.stdout


def test_no_descriptor_leaks() -> None:
    before = _open_descriptors()
    for _ in range(20):
        run_bounded(["true"], timeout=5, output_limit=16, env=_ENV)
    assert _open_descriptors() == before


def _open_descriptors() -> int:
    return sum(1 for _ in Path("/proc/self/fd").iterdir())

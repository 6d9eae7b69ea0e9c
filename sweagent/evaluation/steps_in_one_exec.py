"""Several grading steps in one exec, each with its own exit code and output, as if run one by one.

A `docker exec` costs three engine requests (about 0.1 s here); a pooled grading, whose container
is already warm, would otherwise spend more on those than on applying the patches. Each step runs
in its own `bash -c` (as a separate exec would run it) with stderr joined to stdout; after each but
the last, a line carrying a random token and the step's exit code marks its end. The token is made
after the patches are fixed and printed before any candidate code can run (only the last step, the
setup, may run some), so no output can forge an earlier step's end.
"""

from __future__ import annotations

import re
import secrets
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sandbox.docker import DockerSandbox
from sandbox.result import ExecResult

__all__ = ["Step", "run_steps"]


@dataclass(frozen=True)
class Step:
    """One command of the sequence."""

    title: str
    command: str
    timeout: float
    """The step's share of the exec's deadline."""
    gate: bool = True
    """A failure stops the steps after it."""


def run_steps(
    sandbox: DockerSandbox, steps: Sequence[Step], files: Mapping[str, str]
) -> list[tuple[str, ExecResult]]:
    """Write `files`, run `steps` in one exec; the (title, result) of each step that ran, in order."""
    if files:
        sandbox.write_files(files)
    token = secrets.token_hex(16)
    run = sandbox.exec(_script(steps, token), timeout=sum(step.timeout for step in steps))
    parts = re.split(rf"\n{token} (\d+)\n", run.stdout)
    outputs, codes, rest = parts[0:-1:2], [int(code) for code in parts[1:-1:2]], parts[-1]
    done = [
        (step.title, ExecResult(exit_code=code, stdout=output))
        for step, output, code in zip(steps, outputs, codes, strict=False)
    ]
    last = done[-1][1] if done else None
    if len(done) < len(steps) and (last is None or last.ok or not steps[len(done) - 1].gate):
        # The step still running when the exec ended: its end is the exec's, with its own output
        # (the byte counts were the whole exec's, so they are not kept).
        ended = run.model_copy(update={"stdout": rest, "stdout_bytes": 0, "stderr_bytes": 0})
        done.append((steps[len(done)].title, ended))
    return done


def _script(steps: Sequence[Step], token: str) -> str:
    lines = ["SHLVL=0"]  # so each step's bash counts level 1, as in an exec of its own
    for step in steps[:-1]:
        lines.append(f"bash -c {shlex.quote(step.command)} 2>&1; s=$?; printf '\\n{token} %d\\n' $s")
        if step.gate:
            lines.append('[ "$s" = 0 ] || exit 0')
    lines.append(f"exec bash -c {shlex.quote(steps[-1].command)} 2>&1")
    return "\n".join(lines)

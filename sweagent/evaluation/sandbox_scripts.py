"""The shell a grading runs in its sandbox: setup steps, the test command, test files put back.

The setup saves its variables and working directory for the test command, which runs in an exec of
its own, so the harness's markers frame exactly the test command's output.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence

from sandbox.result import ExecResult
from sweagent.records import REQUIRED_SETUP_STEP

__all__ = [
    "apply_command",
    "ends_line",
    "restore_script",
    "setup_script",
    "run_tests_script",
    "tolerated_failures",
]

_STATE = "/tmp/sweagent-eval"
_DIFF_PATHS = re.compile(r"^diff --git a/(\S+) b/(\S+)$", re.MULTILINE)
_STEP_FAILED = "sweagent: setup step exited"
_STEP_NOTE = re.compile(rf"^{_STEP_FAILED} (\d+): (.*)$", re.MULTILINE)


def tolerated_failures(result: ExecResult) -> list[str]:
    """The setup steps that failed and were let pass, as `exit N: command` lines."""
    return [f"exit {code}: {command}" for code, command in _STEP_NOTE.findall(result.stdout + result.stderr)]


def apply_command(path: str) -> str:
    """The command that applies the patch file at `path` inside the repository."""
    return f"git apply --whitespace=nowarn {path}"  # what DockerSandbox.apply_patch runs


def ends_line(text: str) -> str:
    """`text` ending in a newline, as `git apply` wants of a patch file."""
    return text if text.endswith("\n") else text + "\n"


def setup_script(setup_cmds: Sequence[str]) -> str:
    """The setup commands as one script that goes on past a failure, except a required step's."""
    # Like SWE-bench's eval script, a failing step does not stop the rest (Django's `locale-gen`
    # needs root, for one); it is noted in the log and becomes a setup warning. A step marked
    # REQUIRED_SETUP_STEP (the re-install of the patched package) ends the setup with its exit
    # code: grading code that was not installed would grade the wrong code. The variables and
    # working directory are saved for the test command, which runs in an exec of its own: the
    # markers then frame exactly its output and never enter the sandbox.
    steps = []
    for command in setup_cmds:
        note = f'echo "{_STEP_FAILED} $_code: "{shlex.quote(_one_line(command))} >&2'
        stop = "; exit $_code" if command.rstrip().endswith(REQUIRED_SETUP_STEP) else ""
        steps.append(f"{command}\n_code=$?; [ $_code = 0 ] || {{ {note}{stop}; }}")
    return "\n".join([f"mkdir -p {_STATE}", *steps, f"export -p > {_STATE}/env.sh", f"pwd > {_STATE}/cwd"])


def _one_line(command: str) -> str:
    return " ".join(command.replace(REQUIRED_SETUP_STEP, "").split())


def run_tests_script(test_cmd: str) -> str:
    """The test command in the setup's variables and directory, stderr merged into stdout."""
    return f'exec 2>&1\nsource {_STATE}/env.sh\ncd "$(cat {_STATE}/cwd)"\n{test_cmd}'


def restore_script(test_patch: str) -> str:
    """Put the files the test patch touches back to HEAD, so a candidate's edits there cannot block it."""
    paths = sorted({path for pair in _DIFF_PATHS.findall(test_patch) for path in pair if path})
    quoted = " ".join(shlex.quote(path) for path in paths)
    return (
        f"for f in {quoted}; do\n"
        '  if git cat-file -e "HEAD:$f" 2>/dev/null; then git checkout -q HEAD -- "$f"\n'
        '  else rm -f -- "$f"; fi\n'
        "done"
    )

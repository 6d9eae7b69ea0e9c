"""Regression evidence: the repository's existing tests of the modules a candidate touches, per candidate.

For each touched `pkg/mod.py`, the tests are the tracked files named `test_mod.py` or `mod_test.py`
(and any touched file that is itself a test). The command (`selection.regression_command`, `{tests}`
replaced by those files, `{modules}` by the same as dotted modules; `auto`: the instance's SWE-bench
test command, see `regression_command`) runs on the original code and with each candidate applied, one pooled
sandbox per row. Results are stored in `regression.json`; a re-run executes only what it lacks.
"""

from __future__ import annotations

import asyncio
import re
import shlex
from collections.abc import Sequence
from pathlib import PurePosixPath

from sweagent.environment.commands import spec_test_cmd
from sweagent.errors import UnsupportedInstance
from sweagent.execution.scripts import SandboxLender
from sweagent.execution.test_matrix import ORIGINAL
from sweagent.records import Candidate, Instance, Record
from sweagent.selection.model_selector import touched_files
from sweagent.selection.protocol import RegressionRun
from sweagent.store import REGRESSION_ARTIFACT, RunStore

__all__ = [
    "AUTO_COMMAND",
    "RegressionResults",
    "find_tests",
    "parse_counts",
    "regression_command",
    "regression_for",
]

AUTO_COMMAND = "auto"
_PYTEST = "python3 -m pytest -q -p no:cacheprovider {tests}"

_COUNT = re.compile(r"(\d+) (passed|failed|errors?)\b")
_UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in ", re.MULTILINE)
_UNITTEST_BAD = re.compile(r"\b(?:failures|errors)=(\d+)")


class RegressionResults(Record):
    """`regression.json`: one run per candidate id and for `original`."""

    command: str
    """The command template the runs used."""
    runs: dict[str, RegressionRun]


def _is_test(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.endswith(".py") and (name.startswith("test_") or name.endswith("_test.py"))


def find_tests(tracked: Sequence[str], touched: Sequence[str]) -> list[str]:
    """The tracked test files of the touched modules (and touched test files), sorted."""
    wanted = set()
    for path in touched:
        stem = PurePosixPath(path).stem
        if _is_test(path):
            wanted.add(PurePosixPath(path).name)
        elif path.endswith(".py") and stem != "__init__":
            wanted.update({f"test_{stem}.py", f"{stem}_test.py"})
    return sorted(path for path in tracked if PurePosixPath(path).name in wanted)


def regression_command(instance: Instance, configured: str) -> str:
    """The command template for `instance`: `configured`, or for `auto` the spec's test command.

    The spec's `test_cmd` is how SWE-bench runs the repository's tests (sympy's `bin/test`, Django's
    `runtests.py`, which takes dotted modules); an instance without a spec (a local repository) gets
    pytest.
    """
    if configured != AUTO_COMMAND:
        return configured
    try:
        test_cmd = spec_test_cmd(instance)
    except UnsupportedInstance:
        return _PYTEST
    return f"{test_cmd} {{modules}}" if instance.repo == "django/django" else f"{test_cmd} {{tests}}"


def _modules(tests: Sequence[str]) -> str:
    """`tests/app/test_x.py` as `app.test_x`, the labels Django's test runner takes."""
    labels = []
    for test in tests:
        path = PurePosixPath(test)
        parts = path.with_suffix("").parts
        labels.append(".".join(parts[1:] if parts[0] == "tests" else parts))
    return " ".join(shlex.quote(label) for label in labels)


def parse_counts(output: str) -> tuple[int, int]:
    """(passed, failed + errors) from a pytest or unittest summary; (0, 0) when there is none."""
    ran = _UNITTEST_RAN.search(output)
    if ran:
        bad = sum(int(n) for n in _UNITTEST_BAD.findall(output[ran.end() :]))
        return int(ran.group(1)) - bad, bad
    passed = failed = 0
    for number, word in _COUNT.findall(output):
        if word == "passed":
            passed = int(number)
        else:
            failed += int(number)
    return passed, failed


def _run_row(
    pool: SandboxLender, patch: str, touched: Sequence[str], command: str, timeout: float
) -> RegressionRun:
    with pool.acquire() as box:
        listed = box.exec("git ls-files", timeout=60)
        if listed.infra_error:
            return RegressionRun(exit_code=None, infra_error=listed.infra_error)
        tests = find_tests(listed.stdout.splitlines(), touched)
        if not tests:
            return RegressionRun(exit_code=None)
        if patch.strip() and box.apply_patch(patch).exit_code != 0:
            return RegressionRun(exit_code=None, failed=len(tests), tests=tuple(tests))
        result = box.exec(
            command.replace("{tests}", " ".join(shlex.quote(t) for t in tests)).replace(
                "{modules}", _modules(tests)
            ),
            timeout=timeout,
        )
    passed, failed = parse_counts(result.stdout + "\n" + result.stderr)
    return RegressionRun(
        exit_code=result.exit_code,
        passed=passed,
        failed=failed,
        tests=tuple(tests),
        infra_error=result.infra_error,
    )


async def regression_for(
    store: RunStore,
    instance_id: str,
    candidates: Sequence[Candidate],
    pool: SandboxLender,
    *,
    command: str,
    timeout: float,
    concurrency: int = 4,
) -> dict[str, RegressionRun]:
    """Regression runs of every candidate and the original code, completing `regression.json`."""
    stored = store.load(instance_id, REGRESSION_ARTIFACT, RegressionResults)
    runs = dict(stored.runs) if stored and stored.command == command else {}
    touched = touched_files(candidates)
    patches = {ORIGINAL: "", **{c.id: c.patch for c in candidates}}
    missing = [row for row in patches if row not in runs]
    slots = asyncio.Semaphore(concurrency)

    async def one(row: str) -> None:
        async with slots:
            runs[row] = await asyncio.to_thread(_run_row, pool, patches[row], touched, command, timeout)

    await asyncio.gather(*(one(row) for row in missing))
    if missing:
        store.write(instance_id, REGRESSION_ARTIFACT, RegressionResults(command=command, runs=runs))
    return runs

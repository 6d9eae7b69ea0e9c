"""The test matrix: every unique generated test against every unique candidate and the original code.

Candidates are deduplicated by their normalized diff (`sweagent.generation.fanout.normalize_patch`),
tests by content. All tests of one row (a candidate, or `original`) run one after the other in ONE
pooled sandbox with that candidate applied, so a row costs one reset, not one container per pair;
rows run in parallel, bounded by the pool. A row is one round trip: a driver script writes each
test outside the repository and runs it under its own `timeout`, printing only exit codes (the
matrix keeps outcomes, not output). Tests of a row share that sandbox, so a test that changes the
repository can affect the ones after it: the price of one reset per row. An infrastructure
failure is stored as `infra` and never counts as a vote. What `test_matrix.json` holds is never
run again: a re-run executes only the (row, test) pairs it lacks.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from sandbox.protocol import Sandbox
from sandbox.transient import SandboxFault, check_infra, retry_transient
from sweagent.execution.scripts import PooledRunner, SandboxLender, verdict_of
from sweagent.patches import candidate_id
from sweagent.records import Candidate, TestMatrix, TestOutcome, TestScript, content_id
from sweagent.store import MATRIX_ARTIFACT, RunStore

__all__ = [
    "ORIGINAL",
    "TestMatrixRunner",
    "outcome_of",
    "complete_test_matrix",
    "unique_candidates",
    "unique_tests",
]

ORIGINAL = "original"
"""The row of the unpatched code."""

_BATCH_DIR = "/tmp/sweagent_matrix"
_BATCH_DRIVER = "/tmp/sweagent_matrix_driver.sh"
_TIMEOUT_CODES = frozenset({124, 137})
"""Exit codes of coreutils `timeout` when it stopped the test (TERM, then KILL)."""

_OUTCOMES: dict[str, TestOutcome] = {
    "fixed": "pass",
    "issue present": "fail",
    "broken test": "broken",
    "timed out": "timeout",
    "infrastructure error": "infra",
}


def unique_candidates(candidates: Iterable[Candidate]) -> list[Candidate]:
    """The first candidate of each normalized diff, empty patches left out, in the given order."""
    seen: dict[str, Candidate] = {}
    for candidate in candidates:
        if candidate.patch.strip():
            seen.setdefault(candidate_id(candidate.patch), candidate)
    return list(seen.values())


def unique_tests(tests: Iterable[TestScript]) -> list[TestScript]:
    """The first test of each content (blank lines around it ignored), in the given order."""
    seen: dict[str, TestScript] = {}
    for test in tests:
        seen.setdefault(content_id(test.content.strip("\n")), test)
    return list(seen.values())


def outcome_of(
    exit_code: int | None, *, timed_out: bool = False, infra_error: str | None = None
) -> TestOutcome:
    """A matrix cell from a run: 0 pass, 2 fail (issue present), other broken, timeout, infra."""
    return _OUTCOMES[verdict_of(exit_code, timed_out=timed_out, infra_error=infra_error)]


class TestMatrixRunner(PooledRunner):
    """Runs rows of the matrix in sandboxes lent by `pool`; counts what it executed."""

    __test__ = False

    def __init__(self, pool: SandboxLender, **options: Any) -> None:
        super().__init__(pool, **options)
        self.executions = 0
        """Test executions performed so far."""
        self.rows = 0
        """Rows (sandbox acquisitions, so resets) performed so far."""
        self._lock = threading.Lock()

    def run_row(self, patch: str, tests: Sequence[TestScript]) -> dict[str, TestOutcome]:
        """Every test of `tests` with `patch` applied; engine faults are retried, then recorded per test."""
        try:
            return retry_transient(lambda: self._try_row(patch, tests), self.retry, "a test-matrix row")
        except SandboxFault as err:
            return {test.id: outcome_of(None, infra_error=str(err)) for test in tests}

    def _try_row(self, patch: str, tests: Sequence[TestScript]) -> dict[str, TestOutcome]:
        """One attempt: the row in one sandbox and one round trip."""
        with self.pool.acquire() as box:
            with self._lock:
                self.rows += 1
            if patch.strip() and check_infra(box.apply_patch(patch)).exit_code != 0:
                # A candidate that does not apply cannot pass anything; it is not the engine's fault.
                return {test.id: "broken" for test in tests}
            with self._lock:
                self.executions += len(tests)
            return self._run_batch(box, tests)

    def _run_batch(self, box: Sandbox, tests: Sequence[TestScript]) -> dict[str, TestOutcome]:
        """One driver script writes each test, runs it under its own `timeout`, and prints its exit code."""
        marker = f"@@sweagent-matrix-{secrets.token_hex(6)}"
        lines = ["#!/bin/sh", f"mkdir -p {_BATCH_DIR}"]
        for index, test in enumerate(tests):
            path = f"{_BATCH_DIR}/test_{index}.py"
            encoded = base64.b64encode(test.content.encode("utf-8")).decode("ascii")
            lines += [
                f"printf '%s' '{encoded}' | base64 -d > {path}",
                f"timeout -k 5 {self.timeout:g} {self.command} {path} >/dev/null 2>&1 </dev/null",
                f'echo "{marker} {index} $?"',
            ]
        box.write_file(_BATCH_DRIVER, "\n".join(lines) + "\n")
        budget = len(tests) * (self.timeout + 10) + 30
        result = check_infra(box.exec(f"sh {_BATCH_DRIVER}", timeout=budget))
        codes: dict[int, int] = {}
        for line in result.stdout.splitlines():
            if line.startswith(marker + " "):
                position, exit_code = line.split()[1:3]
                codes[int(position)] = int(exit_code)
        outcomes: dict[str, TestOutcome] = {}
        for index, test in enumerate(tests):
            code = codes.get(index)
            if code is None:  # the driver never got there: the sandbox or the whole batch failed
                why = result.infra_error or f"the batch ended before this test ran (exit {result.exit_code})"
                outcomes[test.id] = outcome_of(None, infra_error=why)
            else:
                outcomes[test.id] = outcome_of(code, timed_out=code in _TIMEOUT_CODES)
        return outcomes

    async def complete(
        self, candidates: Sequence[Candidate], tests: Sequence[TestScript], stored: TestMatrix | None = None
    ) -> TestMatrix:
        """The matrix over the unique candidates and tests, running only the pairs `stored` lacks."""
        rows = unique_candidates(candidates)
        columns = unique_tests(tests)
        patches = {ORIGINAL: "", **{candidate.id: candidate.patch for candidate in rows}}
        known = stored.outcomes if stored else {}
        slots = asyncio.Semaphore(self.concurrency)

        async def row(row_id: str) -> tuple[str, dict[str, TestOutcome]]:
            have = dict(known.get(row_id, {}))
            missing = [test for test in columns if test.id not in have]
            if missing:
                async with slots:
                    have.update(await asyncio.to_thread(self.run_row, patches[row_id], missing))
            return row_id, {test.id: have[test.id] for test in columns}

        results = await asyncio.gather(*(row(row_id) for row_id in patches))
        return TestMatrix(
            tests=tuple(test.id for test in columns),
            candidates=tuple(candidate.id for candidate in rows),
            outcomes=dict(results),
        )


async def complete_test_matrix(
    store: RunStore,
    instance_id: str,
    candidates: Sequence[Candidate],
    tests: Sequence[TestScript],
    runner: TestMatrixRunner,
) -> TestMatrix:
    """The instance's matrix: `test_matrix.json` completed with what it lacks, written when it grew."""
    stored = store.load(instance_id, MATRIX_ARTIFACT, TestMatrix)
    before = runner.executions, runner.rows
    matrix = await runner.complete(candidates, tests, stored)
    if stored is None or (runner.executions, runner.rows) != before or matrix != stored:
        store.write(instance_id, MATRIX_ARTIFACT, matrix)
    return matrix

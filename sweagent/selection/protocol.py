"""The Selector protocol, the evidence a selector sees, and the ranking every built-in shares.

A plug-in implements `Selector` without importing anything here but the records: a class with a
`name` and a `select(instance, candidates, evidence)` method (plain or `async`) returning a
`Selection`. It may declare `needs` (what evidence to gather first) and take a `context` argument
in its constructor (the model and a sandbox runner); both are optional.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import Field

from sweagent.config import SelectionConfig
from sweagent.execution.scripts import ScriptRunner
from sweagent.models.protocol import Model
from sweagent.progress import RunProgress
from sweagent.records import Candidate, EvalResult, Instance, Record, Selection, TestMatrix, TestScript
from sweagent.store import RunStore

__all__ = [
    "NEEDS",
    "Evidence",
    "RegressionRun",
    "Selector",
    "SelectorContext",
    "call_select",
    "diff_size",
    "failed",
    "ranked",
    "selected",
]

NEEDS = frozenset({"test_matrix", "regression", "evaluations", "model", "sandbox"})
"""What a selector may declare in `needs`: evidence to gather, or resources to give its context."""


class RegressionRun(Record):
    """The repository's existing tests for the touched modules, run with one candidate applied."""

    exit_code: int | None
    """The test command's exit code (None: timed out or the sandbox failed)."""
    passed: int = 0
    """Tests reported passed."""
    failed: int = 0
    """Tests reported failed or erroring."""
    tests: tuple[str, ...] = ()
    """The test files that were run."""
    infra_error: str | None = None
    """The sandbox failed: not the candidate's fault."""


class Evidence(Record):
    """What was gathered about an instance's candidates before selecting."""

    test_matrix: TestMatrix | None = None
    """Generated tests against candidates and the original code, when run."""
    tests: tuple[TestScript, ...] = ()
    """The generated tests (the matrix's columns)."""
    regression: dict[str, RegressionRun] = Field(default_factory=dict)
    """Existing tests of the touched modules, by candidate id (and `original`), when run."""
    trajectories: dict[str, str] = Field(default_factory=dict)
    """Final status of each generation trajectory, by name."""
    evaluations: dict[str, EvalResult] = Field(default_factory=dict)
    """Per-candidate evaluations (gold tests), when the run was evaluated: the oracle's evidence."""


@dataclass(frozen=True)
class SelectorContext:
    """What a selector that asks for it (a `context` constructor argument) is built with."""

    config: SelectionConfig = field(default_factory=SelectionConfig)
    """The `selection` section; its `max_tokens` is the reply size of a selector's model calls."""
    seed: int = 0
    model: Model | None = None
    """The primary model, for selectors that need one."""
    runner: ScriptRunner | None = None
    """Runs new tests on the instance's code, for selectors that need a sandbox."""
    store: RunStore | None = None
    """The run directory (a selection trajectory is saved there)."""
    context_window: int | None = None
    """The primary model's window: a selection trajectory's older turns are shortened to fit it."""
    progress: RunProgress | None = None
    """Told when a selection trajectory starts and ends (None: nobody watches)."""


class Selector(Protocol):
    """Picks one candidate, or says explicitly that it cannot."""

    name: str

    def select(
        self, instance: Instance, candidates: Sequence[Candidate], evidence: Evidence
    ) -> Selection | Awaitable[Selection]:
        """The choice, with a score per candidate (may be `async def`); never asked with no candidates."""
        ...


async def call_select(
    selector: Selector, instance: Instance, candidates: Sequence[Candidate], evidence: Evidence
) -> Selection:
    """Call a selector's `select`, awaiting it when it is a coroutine; with no candidates it fails unasked."""
    if not candidates:
        return failed(selector.name, "no candidates")
    returned = selector.select(instance, candidates, evidence)
    result = await returned if inspect.isawaitable(returned) else returned
    if result.status == "selected" and result.candidate_id not in {c.id for c in candidates}:
        why = f"chose {result.candidate_id!r}, which is not one of the candidates it was given"
        return failed(result.selector, why, result.scores)
    return result


def diff_size(patch: str) -> int:
    """Lines a diff adds or removes (headers not counted): how ties go to the smaller diff."""
    return sum(1 for line in patch.splitlines() if line[:1] in "+-" and not line.startswith(("+++ ", "--- ")))


def ranked(candidates: Sequence[Candidate], scores: Mapping[str, float]) -> list[Candidate]:
    """Best first: higher score, then the smaller diff, then the id (a stable order)."""
    return sorted(candidates, key=lambda c: (-scores.get(c.id, -math.inf), diff_size(c.patch), c.id))


def selected(name: str, candidates: Sequence[Candidate], scores: Mapping[str, float], why: str) -> Selection:
    """The top of `ranked(candidates, scores)`."""
    best = ranked(candidates, scores)[0]
    return Selection(
        selector=name, candidate_id=best.id, status="selected", scores=dict(scores), rationale=why
    )


def failed(name: str, why: str, scores: Mapping[str, float] | None = None) -> Selection:
    """An explicit failure: no candidate is chosen."""
    return Selection(
        selector=name, candidate_id=None, status="failed", scores=dict(scores or {}), rationale=why
    )

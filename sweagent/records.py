"""Frozen records that cross stage boundaries; every stage reads and writes only these."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "Candidate",
    "Context",
    "ContextFile",
    "EnvironmentInfo",
    "EvalResult",
    "EvalStatus",
    "GenerationResult",
    "Instance",
    "PatchKind",
    "REQUIRED_SETUP_STEP",
    "Record",
    "Selection",
    "StageOutcome",
    "TestCount",
    "TestMatrix",
    "TestScript",
    "Trajectory",
    "Turn",
    "Usage",
    "content_id",
]


def content_id(text: str, length: int = 12) -> str:
    """A short, stable id for a piece of content."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


class Record(BaseModel):
    """A frozen pydantic model that refuses unknown fields: the base of every record."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _test_list(value: Any) -> Any:
    # SWE-bench ships these as JSON-encoded strings; HF loads may give lists.
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else []
    return value


class Instance(Record):
    """One repository issue to solve, SWE-bench shaped."""

    instance_id: str
    """`<owner>__<name>-<number>` in SWE-bench; any unique name otherwise."""
    repo: str
    """`owner/name`, or a local path for `sweagent solve`."""
    base_commit: str
    """The commit the issue is solved at (the repository's state when it was reported)."""
    problem_statement: str
    """The issue's text, as the model is shown it."""
    version: str | None = None
    """The release line, which picks swebench's environment spec (`3.0`, `2.3`...)."""
    environment_setup_commit: str | None = None
    """The commit the environment's requirements are read at (SWE-bench), when not the base commit."""
    patch: str | None = None
    """The gold patch, when known."""
    test_patch: str | None = None
    """The tests that judge a candidate, applied before grading (never shown to the model)."""
    FAIL_TO_PASS: tuple[str, ...] = ()
    """Tests the fix must make pass."""
    PASS_TO_PASS: tuple[str, ...] = ()
    """Tests that passed before and must still pass."""
    hints_text: str = ""
    """Comments on the issue before the fix (SWE-bench's hints); sweagent never shows them to the model."""
    created_at: str | None = None
    """When the issue's pull request was opened (ISO 8601), when known."""
    image: str | None = None
    """A ready sandbox image for this instance, when one is given instead of built."""
    source: dict[str, str] = Field(default_factory=dict)
    """Where the code comes from when not a git remote, for example a PyPI release:
    `{"type": "sdist", "package": "flask", "version": "2.2.5"}` (see `sweagent.datasets.sdist`), or
    the user's own repository: `{"type": "local", "path": "/abs/path/to/repo"}`."""

    _split_tests = field_validator("FAIL_TO_PASS", "PASS_TO_PASS", mode="before")(_test_list)


class ContextFile(Record):
    path: str
    tokens: int
    summary: str = ""


class Context(Record):
    """The files chosen for the prompt, most relevant first."""

    provider: str
    files: tuple[ContextFile, ...]
    budget: int
    recall: float | None = None
    note: str = ""
    """Why the context is empty or short, when it is."""


class Usage(Record):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    calls: int = 0
    seconds: float = 0.0
    cost: float = 0.0
    cached_cost: float = 0.0
    """The part of `cost` paid for cached prompt tokens (priced separately)."""

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            calls=self.calls + other.calls,
            seconds=self.seconds + other.seconds,
            cost=self.cost + other.cost,
            cached_cost=self.cached_cost + other.cached_cost,
        )


class Turn(Record):
    """One model reply, the action parsed from it and what running that action showed."""

    messages: tuple[dict[str, str], ...] = ()
    """The messages added in this turn (the model's reply and the observation sent back)."""
    action: str
    """`edit`, `test`, `done`, `choose`, or `format_error`."""
    observation: str = ""
    usage: Usage = Usage()
    script: str | None = None
    """The trajectory's test script after this turn (testing and editing)."""
    patch: str | None = None
    """The trajectory's diff against the original code after this turn (editing)."""
    sent: tuple[dict[str, str], ...] = ()
    """The earlier turns' messages as sent with this turn's request, when older ones were shortened
    to fit the model's window (the shared prefix and the task are always sent whole); empty when
    the conversation was sent in full."""


TrajectoryStatus = Literal["running", "done", "attempts_exhausted", "context_exhausted", "budget", "error"]


class Trajectory(Record):
    kind: Literal["testing", "editing", "selection"]
    instance_id: str
    sample: int
    turns: tuple[Turn, ...] = ()
    status: TrajectoryStatus = "running"
    error: str | None = None
    format_errors: int = 0
    usage: Usage = Usage()


class TestScript(Record):
    """A standalone reproduction program: exit 2 = issue present, 0 = fixed, other = broken test."""

    __test__ = False  # not a pytest class

    id: str
    content: str
    source: str
    """Which trajectory wrote it (`testing-3`) or where it came from."""


PatchKind = Literal[
    "applies", "fuzz", "unchecked", "tests_only", "malformed", "binary", "empty", "too_large", "conflicts"
]
"""An imported patch: applies cleanly, applied only with fuzz (and was normalised), not checked (no
repository), touches tests only, or junk: malformed, binary-only, empty after filtering, too large,
conflicts with the base commit."""


class Candidate(Record):
    id: str
    """Hash of the normalized diff, so equal patches share an id."""
    patch: str
    source: str
    """Which trajectory produced it (`editing-2`) or which predictions file (`import:agentless`)."""
    kind: PatchKind | None = None
    """What import found the patch to be (None: generated here, so it applies by construction)."""
    systems: tuple[str, ...] = ()
    """Every imported system that proposed this diff (after normalisation): a vote for it."""


class GenerationResult(Record):
    """What the generation stage produced for one instance (`candidates.json`)."""

    instance_id: str
    candidates: tuple[Candidate, ...]
    """Distinct non-empty final diffs of the editing trajectories, in sample order."""
    tests: tuple[TestScript, ...]
    """Distinct final test scripts (editing trajectories, else their testing seeds), in sample order."""
    trajectories: dict[str, str] = Field(default_factory=dict)
    """Final status of each trajectory, by name (`testing-0`, `editing-0`, ...)."""


TestOutcome = Literal["pass", "fail", "broken", "timeout", "infra"]


class TestMatrix(Record):
    """Each generated test against each candidate and the original code (key `original`)."""

    __test__ = False

    tests: tuple[str, ...]
    candidates: tuple[str, ...]
    outcomes: dict[str, dict[str, TestOutcome]]
    """outcomes[candidate_id][test_id]; `original` is the unpatched code."""


class Selection(Record):
    selector: str
    candidate_id: str | None
    status: Literal["selected", "failed"]
    scores: dict[str, float] = Field(default_factory=dict)
    rationale: str = ""
    trajectory: Trajectory | None = None
    fallback: str = ""
    """Why a chain submitted an earlier link's best (or, when its first link failed, the smallest
    diff) instead of its last link's choice; empty when it did not fall back."""


class StageOutcome(Record):
    """How a stage ended for one instance; each stage's outcome adds its own counts and a detail."""

    instance_id: str
    status: Literal["done", "skipped", "error"]
    """`done`: the stage did its work; `skipped`: there was nothing to do (its artifact existed, say);
    `error`: the stage failed for this instance (see detail)."""


EvalStatus = Literal[
    "resolved", "unresolved", "patch_failed", "env_failed", "timeout", "unsupported", "error"
]


class TestCount(Record):
    __test__ = False

    passed: int = 0
    total: int = 0


class EnvironmentInfo(Record):
    """Which provider served an instance's environment, and how far it is from the official one."""

    provider: str
    """`official` (the harness's prebuilt image, adapted), `build` (built here) or `given` (the
    instance's own `image`)."""
    image: str
    """The sandbox image tag."""
    python: str | None = None
    """The Python the environment runs (None when unknown, as in a given image)."""
    spec_python: str | None = None
    """The Python SWE-bench's spec asks for."""
    approximate: bool = False
    """True when the environment differs from the official one in a way that may change test results
    (a Python other than the spec's): its grades are not comparable with the official harness's."""
    notes: tuple[str, ...] = ()
    """How it differs (for an approximate one), and where it came from."""
    refused: dict[str, str] = Field(default_factory=dict)
    """The providers tried before this one, each with why it could not serve."""
    served_hosts: tuple[str, ...] = ()
    """Host names whose web service the image serves itself for the tests (sweagent.environment.services):
    a grading sandbox resolves them to loopback."""


class EvalResult(Record):
    instance_id: str
    candidate_id: str | None
    status: EvalStatus
    fail_to_pass: TestCount = TestCount()
    pass_to_pass: TestCount = TestCount()
    tests: dict[str, str] = Field(default_factory=dict)
    """Per-test status parsed from the log."""
    exit_code: int | None = None
    detail: str = ""
    """Why, when the status is not resolved or unresolved."""
    environment: EnvironmentInfo | None = None
    """The environment graded in (None when none could be prepared or it was not recorded)."""
    setup_warnings: tuple[str, ...] = ()
    """Setup steps that failed and were tolerated (as SWE-bench's eval script tolerates them), and
    what the sandbox lacked (a network mode it could not have)."""


REQUIRED_SETUP_STEP = "# sweagent: required"
"""Ends an evaluation setup command whose failure ends the grading as `env_failed` (the re-install of
the patched package); other setup commands' failures are tolerated and recorded as warnings."""

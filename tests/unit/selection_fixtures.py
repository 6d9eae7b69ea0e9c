"""Hand-made candidates, matrices and evaluations for the selection unit tests."""

from __future__ import annotations

from sweagent.patches import candidate_id
from sweagent.records import Candidate, Instance, TestMatrix, TestOutcome

INSTANCE = Instance(
    instance_id="demo__calc-1",
    repo="demo/calc",
    base_commit="0" * 40,
    problem_statement="add(None, 1) raises",
)


def patch(body: str, lines: int = 1) -> str:
    """A diff changing pkg/calc.py that adds `lines` lines of `body`."""
    added = "".join(f"+{body} {i}\n" for i in range(lines))
    header = "diff --git a/pkg/calc.py b/pkg/calc.py\n--- a/pkg/calc.py\n+++ b/pkg/calc.py\n"
    return f"{header}@@ -1 +1 @@\n-x\n{added}"


def candidate(body: str, lines: int = 1) -> Candidate:
    text = patch(body, lines)
    return Candidate(id=candidate_id(text), patch=text, source=f"editing-{body}")


def matrix(rows: dict[str, str], original: str) -> TestMatrix:
    """rows: candidate id -> one letter per test (p pass, f fail, b broken, t timeout, i infra)."""
    letters: dict[str, TestOutcome] = {"p": "pass", "f": "fail", "b": "broken", "t": "timeout", "i": "infra"}
    tests = tuple(f"t{i}" for i in range(len(original)))
    outcomes = {
        row: {test: letters[cell] for test, cell in zip(tests, cells, strict=True)}
        for row, cells in {"original": original, **rows}.items()
    }
    return TestMatrix(tests=tests, candidates=tuple(rows), outcomes=outcomes)

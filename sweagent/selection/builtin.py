"""Selectors that decide from stored evidence alone: random, vote, vote-weighted, regression, oracle."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from sweagent.execution.test_matrix import ORIGINAL
from sweagent.records import Candidate, Instance, Selection, TestMatrix
from sweagent.selection.protocol import Evidence, SelectorContext, failed, selected

__all__ = [
    "OracleSelector",
    "RandomSelector",
    "RegressionSelector",
    "VoteSelector",
    "WeightedVoteSelector",
    "discrimination_weights",
]


class RandomSelector:
    """A uniformly random candidate, seeded by the run's seed and the instance id (reproducible)."""

    name = "random"
    needs: frozenset[str] = frozenset()

    def __init__(self, context: SelectorContext | None = None) -> None:
        self.seed = context.seed if context else 0

    def select(self, instance: Instance, candidates: Sequence[Candidate], evidence: Evidence) -> Selection:
        rng = random.Random(f"{self.seed}:{instance.instance_id}")
        scores = {candidate.id: rng.random() for candidate in candidates}
        return selected(self.name, candidates, scores, "uniformly random")


def _usable(matrix: TestMatrix | None, candidates: Sequence[Candidate]) -> str:
    """Why the matrix cannot be voted on ("" when it can)."""
    if matrix is None:
        return "no test matrix (no generated tests were run)"
    if not matrix.tests:
        return "the test matrix has no tests"
    missing = [c.id for c in candidates if c.id not in matrix.outcomes]
    if missing:
        return f"the test matrix lacks candidates {', '.join(missing)}"
    return ""


def _no_votes(tests: int) -> str:
    # Still a choice: a chain passes its top-k on, and a lone vote submits its first.
    return f"no candidate passes any of the {tests} tests: ordered by the tie rules (smaller diff first)"


class VoteSelector:
    """Most generated tests passed; ties to the smaller diff. Infrastructure failures do not count."""

    name = "vote"
    needs = frozenset({"test_matrix"})

    def select(self, instance: Instance, candidates: Sequence[Candidate], evidence: Evidence) -> Selection:
        return _vote(
            self.name, candidates, evidence.test_matrix, _passes, "passes of {tests} generated tests"
        )


def _passes(matrix: TestMatrix, candidates: Sequence[Candidate]) -> dict[str, float]:
    return {c.id: float(sum(o == "pass" for o in matrix.outcomes[c.id].values())) for c in candidates}


def _weighted_passes(matrix: TestMatrix, candidates: Sequence[Candidate]) -> dict[str, float]:
    weights = discrimination_weights(matrix, candidates)
    return {
        c.id: sum(w for t, w in weights.items() if matrix.outcomes[c.id].get(t) == "pass") for c in candidates
    }


def _vote(
    name: str,
    candidates: Sequence[Candidate],
    matrix: TestMatrix | None,
    score: Callable[[TestMatrix, Sequence[Candidate]], dict[str, float]],
    reason: str,
) -> Selection:
    """The candidates ranked by `score` over the test matrix; `reason` may name the `{tests}` count."""
    if problem := _usable(matrix, candidates):
        return failed(name, problem)
    assert matrix is not None  # _usable said so
    scores = score(matrix, candidates)
    if not any(scores.values()):
        return selected(name, candidates, scores, _no_votes(len(matrix.tests)))
    return selected(name, candidates, scores, reason.format(tests=len(matrix.tests)))


def discrimination_weights(matrix: TestMatrix, candidates: Sequence[Candidate]) -> dict[str, float]:
    """How much each test's pass counts: more when it fails on the original code and splits the candidates.

    weight = (1 if the test fails on the original, else 0.25) * (1 + split), where split is 1 when
    half the candidates pass it and 0 when all or none do. Infrastructure failures are left out.
    """
    weights = {}
    original = matrix.outcomes.get(ORIGINAL, {})
    for test in matrix.tests:
        cells = [matrix.outcomes[c.id].get(test, "infra") for c in candidates]
        counted = [cell for cell in cells if cell != "infra"]
        share = sum(cell == "pass" for cell in counted) / len(counted) if counted else 0.0
        split = 1.0 - abs(2.0 * share - 1.0)
        reproduces = original.get(test) == "fail"
        weights[test] = (1.0 if reproduces else 0.25) * (1.0 + split)
    return weights


class WeightedVoteSelector:
    """Passes weighted by how well each test discriminates (see `discrimination_weights`).

    Ties go to the smaller diff.
    """

    name = "vote-weighted"
    needs = frozenset({"test_matrix"})

    def select(self, instance: Instance, candidates: Sequence[Candidate], evidence: Evidence) -> Selection:
        matrix = evidence.test_matrix
        return _vote(self.name, candidates, matrix, _weighted_passes, "passes weighted by discrimination")


class RegressionSelector:
    """Fewest failures of the repository's existing tests for the touched modules, then most passes."""

    name = "regression"
    needs = frozenset({"regression"})

    def select(self, instance: Instance, candidates: Sequence[Candidate], evidence: Evidence) -> Selection:
        runs = evidence.regression
        usable = {c.id: runs[c.id] for c in candidates if c.id in runs and runs[c.id].infra_error is None}
        if not usable:
            return failed(self.name, "no regression results (no existing tests of the touched modules ran)")
        if not any(run.tests for run in usable.values()):
            return failed(self.name, "no existing tests found for the touched modules")
        # A failure costs 1, a run that could not collect or finish 10; passes only break ties.
        scores = {
            cid: 0.001 * run.passed - run.failed - 10.0 * (run.exit_code not in (0, 1))
            for cid, run in usable.items()
        }
        return selected(self.name, candidates, scores, "fewest failing existing tests")


class OracleSelector:
    """A candidate the gold tests resolve (the upper bound): reads the run's evaluations."""

    name = "oracle"
    needs = frozenset({"evaluations"})

    def select(self, instance: Instance, candidates: Sequence[Candidate], evidence: Evidence) -> Selection:
        results = evidence.evaluations
        missing = [c.id for c in candidates if c.id not in results]
        if missing:
            return failed(self.name, f"not evaluated: {', '.join(missing)}")
        scores = {c.id: float(results[c.id].status == "resolved") for c in candidates}
        if not any(scores.values()):
            return failed(self.name, "no candidate resolves the instance", scores)
        return selected(self.name, candidates, scores, "resolved by the gold tests")

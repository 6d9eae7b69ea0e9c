"""`consensus`: candidates that behave alike form a group, and the largest, cleanest group wins.

Behaviour is what the stored evidence says a candidate does: its results on the repository's
tests of the touched modules (`regression.json`) and its row of the test matrix (generated tests).
Candidates with the same results are one group; candidates with the same normalised diff are
already one candidate, whose `systems` count as that many votes. A group is clean when its
regression run finished (exit 0 or 1) and broke no test the original code passes, and no generated
test is broken or timed out on it. Groups are ranked: clean first, then size, then generated tests
passed, then fewer regression failures; within a group the smaller diff is taken. The evidence is
the run directory's, gathered once and shared by every selector that reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sweagent.execution.test_matrix import ORIGINAL
from sweagent.records import Candidate, Instance, Selection
from sweagent.selection.protocol import Evidence, failed, selected

__all__ = ["ConsensusSelector", "behaviour"]

Signature = tuple[object, ...]


def behaviour(
    candidate: Candidate, evidence: Evidence, ignored: frozenset[str] = frozenset()
) -> Signature | None:
    """What the evidence says the candidate does (None when there is none); `ignored` tests left out."""
    parts: list[object] = []
    run = evidence.regression.get(candidate.id)
    if run is not None and run.infra_error is None and run.tests:
        parts.append(("regression", run.exit_code in (0, 1), run.passed, run.failed))
    matrix = evidence.test_matrix
    if matrix is not None and candidate.id in matrix.outcomes:
        row = matrix.outcomes[candidate.id]
        parts.append(("matrix", tuple(sorted((t, o) for t, o in row.items() if t not in ignored))))
    return tuple(parts) or None


@dataclass
class _Group:
    members: list[Candidate]
    clean: bool
    passes: int
    failures: int

    @property
    def votes(self) -> int:
        return sum(max(1, len(c.systems)) for c in self.members)

    def key(self) -> tuple[bool, int, int, int]:
        return (self.clean, self.votes, self.passes, -self.failures)


def _group(members: list[Candidate], evidence: Evidence) -> _Group:
    head = members[0]
    clean, passes, failures = True, 0, 0
    run = evidence.regression.get(head.id)
    original = evidence.regression.get(ORIGINAL)
    if run is not None and run.infra_error is None and run.tests:
        failures = run.failed
        clean = run.exit_code in (0, 1) and (original is None or run.failed <= original.failed)
    if evidence.test_matrix is not None and head.id in evidence.test_matrix.outcomes:
        row = evidence.test_matrix.outcomes[head.id].values()
        passes = sum(o == "pass" for o in row)
        clean = clean and not any(o in ("broken", "timeout") for o in row)
    return _Group(members, clean, passes, failures)


class ConsensusSelector:
    """The largest, cleanest group of candidates that behave alike (see the module docstring)."""

    name = "consensus"
    needs = frozenset({"regression", "test_matrix"})

    def select(self, instance: Instance, candidates: Sequence[Candidate], evidence: Evidence) -> Selection:
        by_signature: dict[object, list[Candidate]] = {}
        has_evidence = False
        # A test the sandbox failed on for any candidate says nothing about how candidates differ.
        matrix = evidence.test_matrix
        ignored = frozenset(
            t
            for c in candidates
            for t, o in (matrix.outcomes.get(c.id, {}) if matrix else {}).items()
            if o == "infra"
        )
        for candidate in candidates:
            signature = behaviour(candidate, evidence, ignored)
            has_evidence = has_evidence or signature is not None
            by_signature.setdefault(
                signature if signature is not None else ("diff", candidate.id), []
            ).append(candidate)
        groups = sorted((_group(m, evidence) for m in by_signature.values()), key=_Group.key, reverse=True)
        if not has_evidence and len({g.votes for g in groups}) == 1:
            return failed(self.name, "no behaviour evidence and no two systems proposed the same diff")
        scores = {c.id: float(len(groups) - rank) for rank, g in enumerate(groups) for c in g.members}
        best = groups[0]
        why = (
            f"{len(groups)} behaviour group(s); the winner has {len(best.members)} candidate(s), "
            f"{best.votes} vote(s), {'clean' if best.clean else 'not clean'}, "
            f"{best.passes} generated test(s) passed, {best.failures} regression failure(s)"
        )
        return selected(self.name, candidates, scores, why)

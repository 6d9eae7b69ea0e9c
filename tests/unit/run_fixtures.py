"""A hand-made run directory: candidates, a stored test matrix and per-candidate evaluations."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from selection_fixtures import candidate, matrix

from sweagent.records import Candidate, EvalResult, EvalStatus, GenerationResult, TestScript
from sweagent.store import RunStore


def write_instance(
    run_dir: Path,
    instance_id: str,
    rows: dict[str, str],
    original: str,
    statuses: dict[str, EvalStatus],
    lines: Sequence[int] = (),
) -> list[Candidate]:
    """Candidates named by `rows`' keys (each row: outcomes per test), evaluated as `statuses` says."""
    store = RunStore(run_dir)
    made = [candidate(f"{instance_id}-{name}", lines[i] if lines else 1) for i, name in enumerate(rows)]
    by_name = dict(zip(rows, made, strict=True))
    tests = tuple(
        TestScript(id=f"t{i}", content=f"print({i})\n", source="testing-0") for i in range(len(original))
    )
    store.write(
        instance_id,
        "candidates.json",
        GenerationResult(instance_id=instance_id, candidates=tuple(made), tests=tests),
    )
    store.write(
        instance_id,
        "test_matrix.json",
        matrix({by_name[name].id: cells for name, cells in rows.items()}, original),
    )
    for name, status in statuses.items():
        cid = by_name[name].id
        store.write(
            instance_id,
            f"eval/{cid}.json",
            EvalResult(instance_id=instance_id, candidate_id=cid, status=status),
        )
    return made

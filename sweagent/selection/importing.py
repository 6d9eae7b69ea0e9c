"""Candidates from other systems: SWE-bench predictions files merged into a run's `candidates.json`.

Each file is one system; its patches become candidates with source `import:<system>` (the
file's `model_name_or_path` when it names one system, else the file name). Candidates already in
the run (the same normalized diff) are not added twice; empty patches are not candidates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from sweagent.evaluation.predictions import Prediction, read_predictions
from sweagent.generation.fanout import CANDIDATES_ARTIFACT
from sweagent.patches import candidate_id
from sweagent.records import Candidate, GenerationResult, Instance
from sweagent.store import RunStore

__all__ = ["INSTANCE_ARTIFACT", "Prediction", "import_predictions", "read_predictions", "system_name"]

INSTANCE_ARTIFACT = "instance.json"
"""The instance record, kept with imported candidates so `select` can run without the dataset."""


def system_name(path: Path, predictions: Sequence[Prediction]) -> str:
    """The system a file holds: its one `model_name_or_path`, else the file's name."""
    names = {p.model_name_or_path for p in predictions if p.model_name_or_path}
    return names.pop() if len(names) == 1 else path.stem


def import_predictions(
    files: Sequence[Path], instances: Mapping[str, Instance], store: RunStore
) -> tuple[dict[str, int], list[str]]:
    """Merge every file's patches into the run; (new candidates per instance, problems to report)."""
    added: dict[str, list[Candidate]] = {}
    problems: list[str] = []
    for path in files:
        predictions = read_predictions(path)
        system = system_name(path, predictions)
        for prediction in predictions:
            if prediction.instance_id not in instances:
                problems.append(f"{path.name}: {prediction.instance_id} is not in the dataset; skipped")
                continue
            if prediction.model_patch.strip():
                patch = prediction.model_patch
                candidate = Candidate(id=candidate_id(patch), patch=patch, source=f"import:{system}")
                added.setdefault(prediction.instance_id, []).append(candidate)
    counts = {}
    for instance_id, candidates in added.items():
        counts[instance_id] = _merge(store, instances[instance_id], candidates)
    return counts, problems


def _merge(store: RunStore, instance: Instance, candidates: Sequence[Candidate]) -> int:
    iid = instance.instance_id
    if store.done(iid, CANDIDATES_ARTIFACT):
        result = store.read(iid, CANDIDATES_ARTIFACT, GenerationResult)
    else:
        result = GenerationResult(instance_id=iid, candidates=(), tests=())
    known = {candidate_id(c.patch) for c in result.candidates}
    new = []
    for candidate in candidates:
        if candidate.id not in known:
            known.add(candidate.id)
            new.append(candidate)
    if new or not store.done(iid, CANDIDATES_ARTIFACT):
        store.write(
            iid, CANDIDATES_ARTIFACT, result.model_copy(update={"candidates": (*result.candidates, *new)})
        )
    if not store.done(iid, INSTANCE_ARTIFACT):
        store.write(iid, INSTANCE_ARTIFACT, instance)
    return len(new)

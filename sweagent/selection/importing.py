"""Candidates from other systems: SWE-bench predictions files merged into a run's `candidates.json`.

Each record names its system (`model_name_or_path`, else the file's name), so one file may hold
many systems; its patch becomes a candidate with source `import:<system>`. Every patch is
classified (see `patch_checks`): junk (malformed, binary-only, empty after filtering, too large,
conflicting) is counted and listed in the instance's `imports.json` but never becomes a candidate;
a patch that applies only with fuzz is stored as the clean diff it makes. A patch equal (after
normalisation) to a stored candidate adds its system to that candidate's `systems`.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sweagent.datasets.predictions import Prediction, read_predictions
from sweagent.datasets.repos import RepoSources, checkout_instance
from sweagent.errors import DatasetError
from sweagent.patches import candidate_id
from sweagent.records import Candidate, GenerationResult, Instance, PatchKind, Record
from sweagent.selection.patch_checks import JUNK, checked_kind, text_kind
from sweagent.store import CANDIDATES_ARTIFACT, IMPORTS_ARTIFACT, INSTANCE_ARTIFACT, RunStore

__all__ = [
    "ImportReport",
    "ImportSummary",
    "ImportedPatch",
    "Prediction",
    "import_predictions",
    "read_predictions",
]

MAX_PATCH_BYTES = 100_000
"""Larger diffs are `too_large`: in real files they are copies of whole packages, not fixes."""


class ImportedPatch(Record):
    """One imported record of an instance and what it was found to be."""

    system: str
    """The system that proposed it."""
    kind: PatchKind
    """Its classification."""
    candidate_id: str | None = None
    """The candidate it became (None for junk)."""
    note: str = ""
    """Why: what was dropped, git's complaint, how it was normalised."""


class ImportReport(Record):
    """`imports.json`: every record ever imported for the instance, in import order."""

    patches: tuple[ImportedPatch, ...] = ()
    """The records, junk included."""


@dataclass
class ImportSummary:
    """What one `import` did."""

    added: dict[str, int] = field(default_factory=dict)
    """New candidates per instance."""
    kinds: Counter[str] = field(default_factory=Counter)
    """Records per classification."""
    problems: list[str] = field(default_factory=list)
    """Things to report: unknown instances, repositories that could not be checked out."""


def import_predictions(
    files: Sequence[Path],
    instances: Mapping[str, Instance],
    store: RunStore,
    *,
    sources: RepoSources | None = None,
    max_bytes: int = MAX_PATCH_BYTES,
) -> ImportSummary:
    """Merge every file's patches into the run; checked against the base commit when `sources` has it."""
    summary = ImportSummary()
    by_instance: dict[str, list[tuple[str, str]]] = {}
    for path in files:
        for prediction in read_predictions(path):
            if prediction.instance_id not in instances:
                summary.problems.append(
                    f"{path.name}: {prediction.instance_id} is not in the dataset; skipped"
                )
                continue
            system = prediction.model_name_or_path or path.stem
            by_instance.setdefault(prediction.instance_id, []).append((system, prediction.model_patch))
    for iid, records in by_instance.items():
        instance = instances[iid]
        reports = _classify(instance, records, sources, max_bytes, summary.problems)
        summary.kinds.update(report.kind for report, _ in reports)
        summary.added[iid] = _merge(store, instance, reports)
    return summary


def _checkable(instance: Instance, sources: RepoSources | None) -> bool:
    return instance.source.get("type") == "local" or (sources is not None and sources.repos_dir is not None)


def _classify(
    instance: Instance,
    records: Sequence[tuple[str, str]],
    sources: RepoSources | None,
    max_bytes: int,
    problems: list[str],
) -> list[tuple[ImportedPatch, str]]:
    """(report, patch to keep) per record, the repository checked out once for all of them."""
    first = [(system, *text_kind(patch, max_bytes)) for system, patch in records]
    needs_checkout = any(kind is None or kind == "tests_only" for _, kind, _, _ in first)
    with tempfile.TemporaryDirectory(prefix="sweagent-import-") as scratch:
        checkout = None
        if needs_checkout and _checkable(instance, sources):
            try:
                checkout = checkout_instance(instance, Path(scratch) / "repo", sources).path
            except DatasetError as err:
                problems.append(f"{instance.instance_id}: patches not checked against the base commit: {err}")
        results = []
        for system, kind, patch, note in first:
            if kind is None or kind == "tests_only":
                found: PatchKind = "unchecked"
                if checkout is not None:
                    found, patch, why = checked_kind(patch, checkout)
                    note = "; ".join(n for n in (note, why) if n)
                if kind == "tests_only" and found not in JUNK:
                    found = "tests_only"
                kind = found
            cid = None if kind in JUNK else candidate_id(patch)
            results.append((ImportedPatch(system=system, kind=kind, candidate_id=cid, note=note), patch))
    return results


def _merge(store: RunStore, instance: Instance, reports: Sequence[tuple[ImportedPatch, str]]) -> int:
    iid = instance.instance_id
    if not any(r.candidate_id for r, _ in reports) and not store.done(iid, CANDIDATES_ARTIFACT):
        return 0  # only junk for an instance the run does not hold: counted, not made an instance
    if store.done(iid, CANDIDATES_ARTIFACT):
        result = store.read(iid, CANDIDATES_ARTIFACT, GenerationResult)
    else:
        result = GenerationResult(instance_id=iid, candidates=(), tests=())
    candidates = {c.id: c for c in result.candidates}
    new = 0
    for report, patch in reports:
        if report.candidate_id is None:
            continue
        known = candidates.get(report.candidate_id)
        if known is None:
            new += 1
            known = Candidate(
                id=report.candidate_id, patch=patch, source=f"import:{report.system}", kind=report.kind
            )
        if report.system not in known.systems:
            known = known.model_copy(update={"systems": (*known.systems, report.system)})
        candidates[report.candidate_id] = known
    if any(r.candidate_id for r, _ in reports) or not store.done(iid, CANDIDATES_ARTIFACT):
        store.write(
            iid, CANDIDATES_ARTIFACT, result.model_copy(update={"candidates": tuple(candidates.values())})
        )
    stored = store.load(iid, IMPORTS_ARTIFACT, ImportReport) or ImportReport()
    store.write(iid, IMPORTS_ARTIFACT, ImportReport(patches=(*stored.patches, *(r for r, _ in reports))))
    if not store.done(iid, INSTANCE_ARTIFACT):
        store.write(iid, INSTANCE_ARTIFACT, instance)
    return new

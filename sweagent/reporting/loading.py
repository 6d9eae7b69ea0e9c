"""Read whatever a run directory holds; every artifact is optional and a missing one is noted."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel

from sweagent import store
from sweagent.records import Context, EvalResult, GenerationResult, Selection, TestMatrix, Trajectory

__all__ = ["InstanceRun", "RunData", "load_run"]

R = TypeVar("R", bound=BaseModel)

_TRAJECTORY_NAME = re.compile(r"^(testing|editing|selection)-(\d+)$")
_RUN_LEVEL = {"plots", "logs"}
_DEMO_MODEL = re.compile(r"gemma[-_]?3[-_]270m", re.IGNORECASE)
"""The packaged llama.cpp weights (`sweagent serve llamacpp` without --model) by their file name."""


@dataclass
class InstanceRun:
    """Everything stored for one instance; None or empty where the artifact is missing."""

    instance_id: str
    directory: Path
    context: Context | None = None
    generation: GenerationResult | None = None
    trajectories: dict[str, Trajectory] = field(default_factory=dict)
    """By name: `testing-0`, `editing-3`, ..."""
    test_matrix: TestMatrix | None = None
    selections: dict[str, Selection] = field(default_factory=dict)
    """By selector name (the record's `selector`)."""
    evals: dict[str, EvalResult] = field(default_factory=dict)
    """By candidate id."""
    result: dict[str, Any] | None = None
    """This instance's entry in results.json."""
    problems: list[str] = field(default_factory=list)
    """Artifacts that exist but cannot be read."""


@dataclass
class RunData:
    root: Path
    config: dict[str, Any] | None = None
    usage: dict[str, Any] | None = None
    results: dict[str, Any] | None = None
    instances: list[InstanceRun] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def config_value(self, dotted: str) -> Any:
        """A value from config.yaml by `a.b.c`, or None."""
        node: Any = self.config
        for key in dotted.split("."):
            if not isinstance(node, dict):
                return None
            node = node.get(key)
        return node

    def demo_note(self) -> str | None:
        """A plain warning when the run used the packaged tiny demo model, else None."""
        name = self.config_value("models.primary.name")
        if not isinstance(name, str) or not _DEMO_MODEL.search(name):
            return None
        return (
            "This run used the packaged gemma-3-270m demo model. It is a demo: it shows the machinery "
            "working (context, trajectories, tests, edits, selection, evaluation) and resolves nothing. "
            "Serve a real model for real results."
        )

    def missing(self) -> list[str]:
        """Human-readable notes on what this run lacks, for the report's header."""
        run_files = (store.CONFIG_FILE, store.USAGE_FILE, store.RESULTS_FILE)
        notes = [f"{name} is missing" for name in run_files if not (self.root / name).is_file()]
        # An instance whose generation ended with no candidate has nothing to test or grade.
        with_candidates = [i for i in self.instances if i.generation is None or i.generation.candidates]
        counts = {
            store.CONTEXT_ARTIFACT: sum(i.context is None for i in self.instances),
            store.CANDIDATES_ARTIFACT: sum(i.generation is None for i in self.instances),
            "trajectories": sum(not i.trajectories for i in self.instances),
            store.MATRIX_ARTIFACT: sum(i.test_matrix is None for i in with_candidates),
            "selection/": sum(not i.selections for i in self.instances),
            "eval/": sum(not i.evals for i in with_candidates),
        }
        total = len(self.instances)
        notes += [f"{what}: missing for {n} of {total} instance(s)" for what, n in counts.items() if n]
        return notes + self.problems + [p for i in self.instances for p in i.problems]


def load_run(root: Path) -> RunData:
    """Read the run directory at `root`; unreadable files are listed in `problems`, never raised."""
    run = RunData(root=root)
    run.config = _read_mapping(root / store.CONFIG_FILE, run.problems, yaml_file=True)
    run.usage = _read_mapping(root / store.USAGE_FILE, run.problems)
    run.results = _read_mapping(root / store.RESULTS_FILE, run.problems)
    result_entries = (run.results or {}).get("instances", {})
    results = result_entries if isinstance(result_entries, dict) else {}
    by_dir = {store.safe_name(iid): iid for iid in results}
    for directory in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        if directory.name in _RUN_LEVEL or directory.name.startswith("."):
            continue
        instance = _load_instance(directory, by_dir.get(directory.name))
        if instance is not None:
            run.instances.append(instance)
    known = {i.instance_id for i in run.instances}
    run.instances += [InstanceRun(iid, root / store.safe_name(iid)) for iid in results if iid not in known]
    for instance in run.instances:
        entry = results.get(instance.instance_id)
        instance.result = entry if isinstance(entry, dict) else None
    run.instances.sort(key=lambda i: i.instance_id)
    return run


def _load_instance(directory: Path, instance_id: str | None) -> InstanceRun | None:
    instance = InstanceRun(instance_id or directory.name, directory)
    problems = instance.problems
    instance.context = _read(directory / store.CONTEXT_ARTIFACT, Context, problems)
    instance.generation = _read(directory / store.CANDIDATES_ARTIFACT, GenerationResult, problems)
    instance.test_matrix = _read(directory / store.MATRIX_ARTIFACT, TestMatrix, problems)
    for path in sorted((directory / "trajectories").glob("*.json")):
        if _TRAJECTORY_NAME.match(path.stem) and (trajectory := _read(path, Trajectory, problems)):
            instance.trajectories[path.stem] = trajectory
    for path in sorted((directory / "selection").glob("*.json")):
        if selection := _read(path, Selection, problems):
            instance.selections[selection.selector] = selection
    for path in sorted((directory / "eval").glob("*.json")):
        if evaluation := _read(path, EvalResult, problems):
            instance.evals[evaluation.candidate_id or path.stem] = evaluation
    records: list[Any] = [instance.generation, *instance.trajectories.values(), *instance.evals.values()]
    ids = [r.instance_id for r in records if r is not None]
    if instance_id is None and ids:
        instance.instance_id = ids[0]
    has_data = any([instance.context, instance.generation, instance.test_matrix, instance.trajectories])
    if not (has_data or instance.selections or instance.evals or problems or instance_id):
        return None  # some other folder, not an instance
    return instance


def _read(path: Path, record_type: type[R], problems: list[str]) -> R | None:
    if not path.is_file():
        return None
    try:
        return record_type.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        first_line = str(err).splitlines()[0] if str(err) else type(err).__name__
        problems.append(f"{path} is unreadable as {record_type.__name__}: {first_line}")
        return None


def _read_mapping(path: Path, problems: list[str], *, yaml_file: bool = False) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) if yaml_file else json.loads(text)
    except (OSError, ValueError, yaml.YAMLError) as err:
        problems.append(f"{path.name} is unreadable: {err}")
        return None
    if not isinstance(data, dict):
        problems.append(f"{path.name} is not a mapping (top level is {type(data).__name__})")
        return None
    return data

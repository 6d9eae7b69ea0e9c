"""The bodies of `sweagent select`, `sweagent compare` and `sweagent import`, as plain functions.

Exit codes: 0 success, 1 some instances failed (the command still finished), 2 bad input (raised
as a `SweAgentError` leaf for the CLI to print).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sandbox.errors import SandboxError
from sweagent.config import RunConfig, load_config
from sweagent.datasets import load_dataset
from sweagent.datasets.repos import RepoSources, remembered_sources
from sweagent.errors import ConfigError, SweAgentError
from sweagent.execution.scripts import ScriptRunner
from sweagent.execution.test_matrix import unique_candidates
from sweagent.models.factory import build_model
from sweagent.models.window import apply_plan, plan_run
from sweagent.records import GenerationResult, Instance, Selection
from sweagent.run_lock import holds_run_directory
from sweagent.selection.comparison import InstanceEvidence, compare, plot_best_of_k
from sweagent.selection.import_command import compare_table, import_command
from sweagent.selection.registry import chain_parts, selector_needs
from sweagent.selection.stage import (
    RunnerFactory,
    SelectionResources,
    docker_runner,
    instance_ids,
    read_evaluations,
    select_instance,
)
from sweagent.store import (
    CANDIDATES_ARTIFACT,
    COMPARE_FILE,
    CONFIG_FILE,
    INSTANCE_ARTIFACT,
    PREDICTIONS_FILE,
    RunStore,
    atomic_write_text,
)

__all__ = ["compare_command", "import_command", "select_command"]

PLOT_FILE = "plots/best_of_k.png"


def _config(run_dir: Path, config_files: Sequence[Path], overrides: Sequence[str]) -> RunConfig:
    stored = run_dir / CONFIG_FILE
    return load_config([*([stored] if stored.is_file() else []), *config_files], overrides)


def _instances(store: RunStore, dataset: str | None) -> list[Instance]:
    """The run's instances: from the dataset when given, else `instance.json`, else a bare record."""
    ids = instance_ids(store)
    known = {i.instance_id: i for i in load_dataset(dataset).instances} if dataset else {}
    found = []
    for iid in ids:
        if iid in known:
            found.append(known[iid])
        elif store.done(iid, INSTANCE_ARTIFACT):
            found.append(store.read(iid, INSTANCE_ARTIFACT, Instance))
        else:
            found.append(Instance(instance_id=iid, repo="", base_commit="", problem_statement=""))
    return found


def _default_runner(config: RunConfig, sources: RepoSources) -> RunnerFactory:
    def open_runner(instance: Instance) -> AbstractContextManager[ScriptRunner]:
        image = instance.image or _built_image(instance, config, sources)
        return docker_runner(instance, config, image)

    return open_runner


def _built_image(instance: Instance, config: RunConfig, sources: RepoSources) -> str:
    try:
        from sweagent.environment.providers import EnvironmentProviders
    except ImportError:
        msg = f"{instance.instance_id}: no sandbox image (give a dataset whose records name `image`)"
        raise ConfigError(msg) from None
    from sandbox.engine import connect

    client = connect()
    try:
        return (
            EnvironmentProviders(config.environment).prepare(instance, client=client, sources=sources).image
        )
    finally:
        client.close()


async def _select_all(
    store: RunStore,
    instances: Sequence[Instance],
    specs: Sequence[str],
    resources: SelectionResources,
    force: bool,
) -> dict[str, dict[str, Selection | str]]:
    """spec -> instance id -> its Selection, or the error that stopped it."""
    results: dict[str, dict[str, Selection | str]] = {spec: {} for spec in specs}
    for instance in instances:
        for spec in specs:
            try:
                results[spec][instance.instance_id] = await select_instance(
                    store, instance, spec, resources, force=force
                )
            except (SweAgentError, SandboxError, OSError) as err:
                results[spec][instance.instance_id] = f"{type(err).__name__}: {err}"
    if resources.model is not None:
        await resources.model.close()
    return results


def _resources(
    config: RunConfig, specs: Sequence[str], open_runner: RunnerFactory | None, sources: RepoSources
) -> SelectionResources:
    needs = frozenset().union(*(selector_needs(spec) for spec in specs))
    if "model" in needs:
        # The selection trajectory fits its turns and its reply into the primary model's window.
        config = apply_plan(config, asyncio.run(plan_run(config)))
    model = build_model(config.models.primary) if "model" in needs else None
    return SelectionResources(
        config=config, model=model, open_runner=open_runner or _default_runner(config, sources)
    )


@holds_run_directory("sweagent select")
def select_command(
    run_dir: Path,
    selector: str | None = None,
    *,
    dataset: str | None = None,
    config_files: Sequence[Path] = (),
    overrides: Sequence[str] = (),
    force: bool = False,
    repos_dir: Path | None = None,
    open_runner: RunnerFactory | None = None,
    console: Console | None = None,
) -> int:
    """Select over the stored candidates; write `selection/<name>.json` and `predictions.jsonl`."""
    console = console or Console(stderr=True, soft_wrap=True)
    config = _config(run_dir, config_files, overrides)
    spec = selector or config.selection.selector
    chain_parts(spec)
    store = RunStore(run_dir)
    instances = _instances(store, dataset)
    if not instances:
        msg = f"{run_dir} holds no instance with {CANDIDATES_ARTIFACT}"
        raise ConfigError(msg)
    resources = _resources(config, [spec], open_runner, remembered_sources(run_dir, repos_dir))
    results = asyncio.run(_select_all(store, instances, [spec], resources, force))[spec]
    lines = []
    table = Table(title=f"selection {spec}")
    for column in ("instance", "status", "candidate", "rationale"):
        table.add_column(column, overflow="fold")
    for instance in instances:
        result = results[instance.instance_id]
        patch = ""
        if isinstance(result, Selection):
            generation = store.read(instance.instance_id, CANDIDATES_ARTIFACT, GenerationResult)
            by_id = {c.id: c.patch for c in generation.candidates}
            patch = by_id.get(result.candidate_id or "", "")
            table.add_row(
                instance.instance_id, result.status, result.candidate_id or "-", result.rationale[:200]
            )
        else:
            table.add_row(instance.instance_id, "[red]error[/red]", "-", result)
        row = {
            "instance_id": instance.instance_id,
            "model_name_or_path": f"sweagent:{spec}",
            "model_patch": patch,
        }
        lines.append(json.dumps(row, sort_keys=True))
    atomic_write_text(run_dir / PREDICTIONS_FILE, "\n".join(lines) + "\n")
    console.print(table)
    ok = all(isinstance(r, Selection) and r.status == "selected" for r in results.values())
    return 0 if ok else 1


@holds_run_directory("sweagent compare")
def compare_command(
    run_dir: Path,
    selectors: Sequence[str] | str,
    *,
    dataset: str | None = None,
    config_files: Sequence[Path] = (),
    overrides: Sequence[str] = (),
    repos_dir: Path | None = None,
    open_runner: RunnerFactory | None = None,
    console: Console | None = None,
) -> int:
    """Per selector: resolved rate, random-to-oracle gap closed, best-of-k; `compare.json` and a PNG."""
    console = console or Console(stderr=True, soft_wrap=True)
    specs = [s.strip() for s in selectors.split(",")] if isinstance(selectors, str) else list(selectors)
    specs = [s for s in specs if s]
    if not specs:
        msg = "give at least one selector to compare"
        raise ConfigError(msg)
    for spec in specs:
        selector_needs(spec)  # unknown names fail here, before any work
    config = _config(run_dir, config_files, overrides)
    store = RunStore(run_dir)
    evaluated, skipped = [], {}
    for instance in _instances(store, dataset):
        iid = instance.instance_id
        candidates = unique_candidates(store.read(iid, CANDIDATES_ARTIFACT, GenerationResult).candidates)
        evaluations = read_evaluations(store, iid)
        missing = [c.id for c in candidates if c.id not in evaluations]
        if missing:
            skipped[iid] = f"{len(missing)} of {len(candidates)} candidates not evaluated"
        else:
            evaluated.append(instance)
    if not evaluated:
        console.print(f"no instance of {run_dir} has every candidate evaluated (eval/<candidate_id>.json)")
        return 1
    resources = _resources(config, specs, open_runner, remembered_sources(run_dir, repos_dir))
    results = asyncio.run(_select_all(store, evaluated, specs, resources, False))
    rows = []
    for instance in evaluated:
        iid = instance.instance_id
        candidates = unique_candidates(store.read(iid, CANDIDATES_ARTIFACT, GenerationResult).candidates)
        evaluations = read_evaluations(store, iid)
        selections = {s: r for s in specs if isinstance(r := results[s][iid], Selection)}
        for spec in specs:
            if spec not in selections:
                console.print(f"[yellow]{spec} on {iid}:[/yellow] {results[spec][iid]}", highlight=False)
        resolved = frozenset(c.id for c in candidates if evaluations[c.id].status == "resolved")
        rows.append(
            InstanceEvidence(
                instance_id=iid, candidates=tuple(candidates), resolved=resolved, selections=selections
            )
        )
    comparison = compare(rows, specs, skipped)
    atomic_write_text(run_dir / COMPARE_FILE, comparison.model_dump_json(indent=2) + "\n")
    plot = plot_best_of_k(comparison, run_dir / PLOT_FILE)
    console.print(compare_table(comparison))
    console.print(f"{COMPARE_FILE} and {plot} written; {len(skipped)} instance(s) skipped", highlight=False)
    errors = any(
        not isinstance(r, Selection) for by_instance in results.values() for r in by_instance.values()
    )
    return 1 if errors else 0

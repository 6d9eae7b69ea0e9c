"""The stages of a run, in order, over a set of instances: each writes one artifact per instance.

An instance that fails a stage is recorded (its outcome's status is `error`) and left out of the
later stages; the others go on. Stages skip instances whose artifact exists, which is what makes a
run resumable. `run` and `solve` both drive their instances through here. What happens is reported
to a `RunProgress` (the command shows it) and logged; nothing here prints.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from docker import DockerClient
from pydantic import BaseModel, ConfigDict

from sweagent.config import ModelConfig, RunConfig
from sweagent.datasets import RepoSources
from sweagent.engine_faults import connect_retrying, retrying
from sweagent.errors import ConfigError, InfrastructureUnavailable
from sweagent.execution.scripts import ScriptRunner
from sweagent.models.factory import build_model
from sweagent.models.preflight import wait_until_up
from sweagent.models.protocol import Model
from sweagent.models.usage import Budget, UsageLedger
from sweagent.models.window import apply_plan, plan_run
from sweagent.progress import RunProgress
from sweagent.records import GenerationResult, Instance, Selection
from sweagent.store import (
    CANDIDATES_ARTIFACT,
    CONTEXT_ARTIFACT,
    ENVIRONMENT_ARTIFACT,
    PREDICTIONS_FILE,
    USAGE_FILE,
    RunStore,
    atomic_write_text,
    selection_artifact,
)

if TYPE_CHECKING:
    from sweagent.selection.stage import SelectionResources

__all__ = ["BUILT_STAGES", "STAGES", "ImageFor", "StageContext", "fit_windows", "run_stages"]

STAGES = ("context", "generate", "select", "evaluate")
"""Every stage, in order."""
BUILT_STAGES = STAGES
"""The stages this version runs; the others are refused with a clear message."""

logger = logging.getLogger(__name__)

ImageFor = Callable[[Instance, DockerClient], str]
"""Gives (building if needed) the sandbox image of an instance."""


def dataset_image(sources: RepoSources, config: RunConfig, run_dir: Path) -> ImageFor:
    """Images of dataset instances from the configured environment providers (`sweagent.environment`).

    Which provider served each instance, and whether its environment is approximate, is written to
    `<run_dir>/<instance>/environment.json` (and logged) the first time it is prepared in this run.
    """
    from sweagent.environment.providers import EnvironmentProviders

    providers = EnvironmentProviders(config.environment)
    store = RunStore(run_dir)

    def image_for(instance: Instance, client: DockerClient) -> str:
        known = providers.environment_info(instance)
        if known is not None:
            return known.image
        info = retrying(
            lambda: providers.prepare(instance, client=client, sources=sources),
            config.sandbox.retry_seconds,
            f"preparing the environment of {instance.instance_id}",
        )
        store.write(instance.instance_id, ENVIRONMENT_ARTIFACT, info)
        return info.image

    return image_for


@dataclass(frozen=True)
class StageContext:
    """What every stage of one run works with."""

    run_dir: Path
    config: RunConfig
    primary: Model
    relevance: Model
    sources: RepoSources
    image_for: ImageFor
    progress: RunProgress


async def run_stages(
    stages: Sequence[str],
    instances: Sequence[Instance],
    run_dir: Path,
    config: RunConfig,
    ledger: UsageLedger,
    sources: RepoSources,
    progress: RunProgress,
    image_for: ImageFor | None = None,
) -> set[str]:
    """Run `stages` in order, reporting to `progress`; the ids of the instances that failed one."""
    budget = Budget(config.budget, ledger)
    primary = build_model(config.models.primary, ledger, budget)
    relevance = build_model(config.models.relevance, ledger, budget)
    failed: set[str] = set()
    for path in RunStore(run_dir).sweep(instance.instance_id for instance in instances):
        progress.note(f"damaged artifact {path} moved aside")
    try:
        for endpoint_model in _models_needed(stages, instances, run_dir, config):
            await wait_until_up(endpoint_model)
        config = await fit_windows(config, progress)
        image_for = image_for or dataset_image(sources, config, run_dir)
        context = StageContext(run_dir, config, primary, relevance, sources, image_for, progress)
        for stage in stages:
            pending = [i for i in instances if i.instance_id not in failed]
            logger.info("stage %s: %d instance(s)", stage, len(pending))
            outcomes = await _RUNNERS[stage](pending, context)
            failed.update(iid for iid, outcome in outcomes.items() if outcome.status == "error")
            ledger.write(run_dir / USAGE_FILE)
    finally:
        await primary.close()
        await relevance.close()
    return failed


async def fit_windows(config: RunConfig, progress: RunProgress) -> RunConfig:
    """The config with the budgets the models' windows imply; ConfigError when it cannot fit."""
    plan = await plan_run(config)
    if not plan.fits:
        msg = "the config does not fit the models' context windows: " + "; ".join(plan.problems)
        raise ConfigError(msg)
    logger.info("%s", plan.describe())
    if plan.primary.window is not None or plan.relevance.window is not None:
        progress.note(plan.describe())
    return apply_plan(config, plan)


def _models_needed(
    stages: Sequence[str], instances: Sequence[Instance], run_dir: Path, config: RunConfig
) -> list[ModelConfig]:
    """The endpoint models that the context and generate stages will call for unfinished work."""
    store = RunStore(run_dir)
    wanted: list[ModelConfig] = []
    if "context" in stages and config.context.provider == "relevance":
        if any(not store.done(i.instance_id, CONTEXT_ARTIFACT) for i in instances):
            wanted += [config.models.relevance, config.models.primary]
    if "generate" in stages and any(not store.done(i.instance_id, CANDIDATES_ARTIFACT) for i in instances):
        wanted.append(config.models.primary)
    unique = {(m.name, m.base_url): m for m in wanted if m.base_url and not m.name.startswith(_TEST_MODELS)}
    return list(unique.values())


_TEST_MODELS = ("scripted:", "replay:")


async def _context(instances: list[Instance], ctx: StageContext) -> dict[str, Any]:
    from sweagent.context.stage import run_context_stage

    return await run_context_stage(
        instances,
        run_dir=ctx.run_dir,
        config=ctx.config,
        primary=ctx.primary,
        relevance=ctx.relevance,
        sources=ctx.sources,
        progress=ctx.progress,
    )


async def _generate(instances: list[Instance], ctx: StageContext) -> dict[str, Any]:
    from sweagent.generation.stage import run_generation_stage

    client = await asyncio.to_thread(connect_retrying, ctx.config.sandbox.retry_seconds)
    try:
        return await run_generation_stage(
            instances,
            run_dir=ctx.run_dir,
            config=ctx.config,
            model=ctx.primary,
            image_for=lambda instance: ctx.image_for(instance, client),
            client=client,
            progress=ctx.progress,
        )
    finally:
        client.close()


class SelectOutcome(BaseModel):
    """How selection ended for one instance."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    instance_id: str
    status: Literal["done", "error"]
    chosen: str = "-"
    detail: str = ""


async def _select(instances: list[Instance], ctx: StageContext) -> dict[str, Any]:
    from sweagent.selection.stage import SelectionResources, docker_runner

    spec = ctx.config.selection.selector
    store = RunStore(ctx.run_dir)
    client = await asyncio.to_thread(connect_retrying, ctx.config.sandbox.retry_seconds)

    def open_runner(instance: Instance) -> AbstractContextManager[ScriptRunner]:
        return docker_runner(instance, ctx.config, ctx.image_for(instance, client))

    resources = SelectionResources(
        config=ctx.config, model=ctx.primary, open_runner=open_runner, progress=ctx.progress
    )
    outcomes: dict[str, Any] = {}
    try:
        for instance in instances:
            with ctx.progress.working(instance.instance_id, "select") as work:
                outcomes[instance.instance_id] = await _select_one(store, instance, spec, resources)
                work.finish(outcomes[instance.instance_id])
    finally:
        client.close()
    write_predictions(store, instances, spec)
    return outcomes


async def _select_one(
    store: RunStore, instance: Instance, spec: str, resources: SelectionResources
) -> SelectOutcome:
    from sweagent.selection.stage import select_instance

    iid = instance.instance_id
    try:
        selection = await select_instance(store, instance, spec, resources)
    except InfrastructureUnavailable:
        raise  # the run stops (exit 3); a later run continues from what was saved
    except Exception as err:  # one instance's failure is recorded; the others go on
        return SelectOutcome(instance_id=iid, status="error", detail=f"{type(err).__name__}: {err}")
    chosen = selection.candidate_id or "-"
    return SelectOutcome(instance_id=iid, status="done", chosen=chosen, detail=selection.rationale)


def write_predictions(store: RunStore, instances: Sequence[Instance], spec: str) -> None:
    """`predictions.jsonl` in SWE-bench's format: each instance's selected patch ("" when none)."""
    rows = []
    for instance in instances:
        iid = instance.instance_id
        patch = ""
        if store.done(iid, selection_artifact(spec)) and store.done(iid, CANDIDATES_ARTIFACT):
            chosen = store.read(iid, selection_artifact(spec), Selection).candidate_id
            candidates = store.read(iid, CANDIDATES_ARTIFACT, GenerationResult).candidates
            patch = next((c.patch for c in candidates if c.id == chosen), "")
        row = {"instance_id": iid, "model_name_or_path": f"sweagent:{spec}", "model_patch": patch}
        rows.append(json.dumps(row, sort_keys=True))
    atomic_write_text(store.root / PREDICTIONS_FILE, "\n".join(rows) + "\n")


async def _evaluate(instances: list[Instance], ctx: StageContext) -> dict[str, Any]:
    from sweagent.evaluation.stage import run_evaluation_stage

    def work() -> dict[str, Any]:
        client = connect_retrying(ctx.config.sandbox.retry_seconds)
        try:
            return dict(
                run_evaluation_stage(
                    instances,
                    run_dir=ctx.run_dir,
                    config=ctx.config,
                    client=client,
                    sources=ctx.sources,
                    progress=ctx.progress,
                )
            )
        finally:
            client.close()

    return await asyncio.to_thread(work)


_RUNNERS: dict[str, Callable[[list[Instance], StageContext], Awaitable[dict[str, Any]]]] = {
    "context": _context,
    "generate": _generate,
    "select": _select,
    "evaluate": _evaluate,
}

"""`run_stages`: a run's stages over its instances, in the configured order (`flow.order`)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from sweagent.config import ModelConfig, RunConfig
from sweagent.datasets import RepoSources
from sweagent.errors import ConfigError
from sweagent.models.factory import build_model
from sweagent.models.preflight import wait_until_up
from sweagent.models.usage import Budget, UsageLedger
from sweagent.models.window import apply_plan, plan_run
from sweagent.progress import RunProgress
from sweagent.records import Instance
from sweagent.stages.common import ImageFor, StageContext, bounded_builds, dataset_image
from sweagent.stages.flowing import run_flowing
from sweagent.stages.staged import run_staged
from sweagent.stages.timing import record_stage_times
from sweagent.store import CANDIDATES_ARTIFACT, CONTEXT_ARTIFACT, RunStore

__all__ = ["fit_windows", "run_stages"]

logger = logging.getLogger(__name__)


async def run_stages(
    stages: Sequence[str],
    instances: Sequence[Instance],
    run_dir: Path,
    config: RunConfig,
    ledger: UsageLedger,
    sources: RepoSources,
    progress: RunProgress,
    image_for: ImageFor | None = None,
    *,
    write_predictions: bool = True,
) -> set[str]:
    """Run `stages` over `instances`, reporting to `progress`; the ids of the instances that failed one.

    `write_predictions=False` leaves `predictions.jsonl` alone (a caller running a share of the
    instances writes it once over all of them). Each instance's `stages.jsonl` records when its
    stages ran.
    """
    budget = Budget(config.budget, ledger)
    primary = build_model(config.models.primary, ledger, budget)
    relevance = build_model(config.models.relevance, ledger, budget)
    for path in RunStore(run_dir).sweep(instance.instance_id for instance in instances):
        progress.note(f"damaged artifact {path} moved aside")
    stop_recording = record_stage_times(progress, run_dir)
    try:
        for endpoint_model in _models_needed(stages, instances, run_dir, config):
            await wait_until_up(endpoint_model)
        config = await fit_windows(config, progress)
        images = bounded_builds(
            image_for or dataset_image(sources, config, run_dir), config.flow.image_builds
        )
        context = StageContext(run_dir, config, primary, relevance, sources, images, progress)
        order = run_flowing if config.flow.order == "flowing" else run_staged
        logger.info("run order: %s", config.flow.order)
        return await order(stages, instances, context, ledger, predictions=write_predictions)
    finally:
        stop_recording()
        await primary.close()
        await relevance.close()


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

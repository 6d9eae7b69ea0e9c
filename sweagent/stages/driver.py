"""`run_stages`: a run's stages over its instances, in the configured order (`flow.order`)."""

from __future__ import annotations

import logging

from sweagent.config import ModelConfig, RunConfig
from sweagent.errors import ConfigError
from sweagent.models.factory import build_model
from sweagent.models.preflight import wait_until_up
from sweagent.models.usage import Budget
from sweagent.models.window import apply_plan, plan_run
from sweagent.progress import RunProgress
from sweagent.stages.common import StageContext, StagesRequest, bounded_builds, dataset_image
from sweagent.stages.flowing import run_flowing
from sweagent.stages.staged import run_staged
from sweagent.stages.timing import record_stage_times
from sweagent.store import CANDIDATES_ARTIFACT, CONTEXT_ARTIFACT, RunStore

__all__ = ["fit_windows", "run_stages"]

logger = logging.getLogger(__name__)


async def run_stages(request: StagesRequest) -> set[str]:
    """Run the request's stages over its instances, reporting to its progress; the ids of the
    instances that failed one. Each instance's `stages.jsonl` records when its stages ran."""
    config = request.config
    budget = Budget(config.budget, request.ledger)
    primary = build_model(config.models.primary, request.ledger, budget)
    relevance = build_model(config.models.relevance, request.ledger, budget)
    request.sweep_damaged()
    stop_recording = record_stage_times(request.progress, request.run_dir)
    try:
        for endpoint_model in _models_needed(request):
            await wait_until_up(endpoint_model)
        config = await fit_windows(config, request.progress)
        image_for = request.image_for or dataset_image(request.sources, config, request.run_dir)
        images = bounded_builds(image_for, config.flow.image_builds)
        context = StageContext(
            request.run_dir, config, primary, relevance, request.sources, images, request.progress
        )
        order = run_flowing if config.flow.order == "flowing" else run_staged
        logger.info("run order: %s", config.flow.order)
        return await order(request, context)
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


def _models_needed(request: StagesRequest) -> list[ModelConfig]:
    """The endpoint models that the context and generate stages will call for unfinished work."""
    stages, instances, config = request.stages, request.instances, request.config
    store = RunStore(request.run_dir)
    wanted: list[ModelConfig] = []
    if "context" in stages and config.context.provider == "relevance":
        if any(not store.done(i.instance_id, CONTEXT_ARTIFACT) for i in instances):
            wanted += [config.models.relevance, config.models.primary]
    if "generate" in stages and any(not store.done(i.instance_id, CANDIDATES_ARTIFACT) for i in instances):
        wanted.append(config.models.primary)
    unique = {(m.name, m.base_url): m for m in wanted if m.base_url and not m.name.startswith(_TEST_MODELS)}
    return list(unique.values())


_TEST_MODELS = ("scripted:", "replay:")

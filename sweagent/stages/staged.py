"""The stage-by-stage order (`flow.order: staged`): every instance finishes a stage before any
starts the next, and selection takes one instance at a time. Kept to compare with the flowing order
(`bench/pipeline.py`) and for anyone who wants a run's stages to stay apart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sweagent.engine_faults import connect_retrying
from sweagent.models.usage import UsageLedger
from sweagent.records import Instance
from sweagent.stages.common import StageContext
from sweagent.stages.selecting import select_one, write_predictions
from sweagent.store import USAGE_FILE, RunStore

__all__ = ["run_staged"]

logger = logging.getLogger(__name__)


async def run_staged(
    stages: Sequence[str],
    instances: Sequence[Instance],
    ctx: StageContext,
    ledger: UsageLedger,
    *,
    predictions: bool = True,
) -> set[str]:
    """Run `stages` one after another over the instances; the ids of the instances that failed one."""
    failed: set[str] = set()
    for stage in stages:
        pending = [i for i in instances if i.instance_id not in failed]
        logger.info("stage %s: %d instance(s)", stage, len(pending))
        outcomes = await _RUNNERS[stage](pending, ctx)
        failed.update(iid for iid, outcome in outcomes.items() if outcome.status == "error")
        ledger.write(ctx.run_dir / USAGE_FILE)
        if stage == "select" and predictions:
            write_predictions(RunStore(ctx.run_dir), instances, ctx.config.selection.selector)
    return failed


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


async def _select(instances: list[Instance], ctx: StageContext) -> dict[str, Any]:
    client = await asyncio.to_thread(connect_retrying, ctx.config.sandbox.retry_seconds)
    outcomes: dict[str, Any] = {}
    try:
        for instance in instances:
            outcomes[instance.instance_id] = await select_one(ctx, instance, client)
    finally:
        client.close()
    return outcomes


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

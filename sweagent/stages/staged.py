"""The stage-by-stage order (`flow.order: staged`): every instance finishes a stage before any
starts the next, and selection takes one instance at a time. Kept to compare with the flowing order
(`bench/pipeline.py`) and for anyone who wants a run's stages to stay apart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sweagent.engine_faults import connect_retrying
from sweagent.records import Instance
from sweagent.stages.common import StageContext, StagesRequest, context_stage, generation_stage
from sweagent.stages.selecting import select_one, write_predictions
from sweagent.store import USAGE_FILE, RunStore

__all__ = ["run_staged"]

logger = logging.getLogger(__name__)


async def run_staged(request: StagesRequest, ctx: StageContext) -> set[str]:
    """Run the request's stages one after another over its instances, with the run's context `ctx`;
    the ids of the instances that failed one."""
    failed: set[str] = set()
    for stage in request.stages:
        pending = [i for i in request.instances if i.instance_id not in failed]
        logger.info("stage %s: %d instance(s)", stage, len(pending))
        outcomes = await _RUNNERS[stage](pending, ctx)
        failed.update(iid for iid, outcome in outcomes.items() if outcome.status == "error")
        request.ledger.write(ctx.run_dir / USAGE_FILE)
        if stage == "select" and request.write_predictions:
            write_predictions(RunStore(ctx.run_dir), request.instances, ctx.config.selection.selector)
    return failed


async def _generate(instances: list[Instance], ctx: StageContext) -> dict[str, Any]:
    client = await asyncio.to_thread(connect_retrying, ctx.config.sandbox.retry_seconds)
    try:
        return await generation_stage(instances, ctx, client)
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
    "context": context_stage,
    "generate": _generate,
    "select": _select,
    "evaluate": _evaluate,
}

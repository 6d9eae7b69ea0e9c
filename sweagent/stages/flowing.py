"""The flowing order (`flow.order: flowing`, the default): each instance goes on to its next stage as
soon as it finishes one, many instances at once, so a model's idle time during one instance's image
build or test run is another instance's turn.

Each kind of work has its own bound: the context stage takes `concurrency` instances at once; the
generate and select stages, which hold a pool of `sandbox.pool_size` sandboxes each, take
`flow.sandbox_instances`; grading takes `flow.evaluations`; image builds are bounded by the caller
(`flow.image_builds`, see `bounded_builds`); model requests by each endpoint's `max_concurrency`
in the model client. An instance that fails a stage skips its later stages; the others go on.
`InfrastructureUnavailable` stops the whole run (the other instances are cancelled).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from docker import DockerClient

from sweagent.engine_faults import connect_retrying
from sweagent.records import Instance
from sweagent.stages.common import StageContext, StagesRequest, context_stage, generation_stage
from sweagent.stages.selecting import select_one, write_predictions
from sweagent.stages.slots import PrioritySlots
from sweagent.store import USAGE_FILE, RunStore

if TYPE_CHECKING:
    from sweagent.evaluation.provider import ImageProvider

__all__ = ["run_flowing"]

logger = logging.getLogger(__name__)

_DOCKER_STAGES = frozenset({"generate", "select", "evaluate"})
_SELECT_PRIORITY, _GENERATE_PRIORITY = 0, 1
"""A freed sandbox slot goes to an instance ready to select before one waiting to generate: instances
finish (and free what they hold) rather than all crowding into generation."""


async def run_flowing(request: StagesRequest, ctx: StageContext) -> set[str]:
    """Take every instance of `request` through its stages as soon as it can go, with the run's
    context `ctx`; the ids of those that failed one."""
    stages, instances, ledger = request.stages, request.instances, request.ledger
    client = None
    if _DOCKER_STAGES & set(stages):
        client = await asyncio.to_thread(connect_retrying, ctx.config.sandbox.retry_seconds)
    steps = _Steps(ctx, client)
    failed: set[str] = set()

    async def through(instance: Instance) -> None:
        for stage in stages:
            status = await steps.run(stage, instance)
            if status == "error":
                failed.add(instance.instance_id)
                break
        ledger.write(ctx.run_dir / USAGE_FILE)

    logger.info("stages %s flowing over %d instance(s)", ",".join(stages), len(instances))
    for stage in stages:  # the same lines as the staged order: each stage's share of the instances
        logger.info("stage %s: %d instance(s)", stage, len(instances))
    try:
        await _all(through(instance) for instance in instances)
    finally:
        if client is not None:
            client.close()
        ledger.write(ctx.run_dir / USAGE_FILE)
    if "select" in stages and request.write_predictions:
        write_predictions(RunStore(ctx.run_dir), instances, ctx.config.selection.selector)
    return failed


async def _all(work: Iterable[Coroutine[Any, Any, None]]) -> None:
    """Run the coroutines side by side; the first exception cancels the rest and is raised."""
    tasks = [asyncio.ensure_future(coroutine) for coroutine in work]
    if not tasks:
        return
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in tasks:
            error = task.exception() if task in done and not task.cancelled() else None
            if error is not None:
                raise error
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


@dataclass
class _Steps:
    """One instance through one stage, within that kind of work's bound; each gives a status."""

    ctx: StageContext
    client: DockerClient | None
    context_slots: asyncio.Semaphore = field(init=False)
    sandbox_slots: PrioritySlots = field(init=False)
    evaluation_slots: asyncio.Semaphore = field(init=False)
    evaluation_images: ImageProvider | None = None

    def __post_init__(self) -> None:
        config = self.ctx.config
        self.context_slots = asyncio.Semaphore(config.concurrency)
        self.sandbox_slots = PrioritySlots(config.flow.sandbox_instances)
        self.evaluation_slots = asyncio.Semaphore(config.flow.evaluations)

    async def run(self, stage: str, instance: Instance) -> str:
        steps: dict[str, Callable[[Instance], Awaitable[str]]] = {
            "context": self.context,
            "generate": self.generate,
            "select": self.select,
            "evaluate": self.evaluate,
        }
        return await steps[stage](instance)

    async def context(self, instance: Instance) -> str:
        async with self.context_slots:
            outcomes = await context_stage([instance], self.ctx)
        return outcomes[instance.instance_id].status

    async def generate(self, instance: Instance) -> str:
        async with self.sandbox_slots.hold(_GENERATE_PRIORITY):
            outcomes = await generation_stage([instance], self.ctx, self._docker())
        return outcomes[instance.instance_id].status

    async def select(self, instance: Instance) -> str:
        async with self.sandbox_slots.hold(_SELECT_PRIORITY):
            return (await select_one(self.ctx, instance, self._docker())).status

    async def evaluate(self, instance: Instance) -> str:
        from sweagent.evaluation.provider import default_provider
        from sweagent.evaluation.stage import grade_instance, record_results

        ctx, client = self.ctx, self._docker()
        if self.evaluation_images is None:
            self.evaluation_images = default_provider(ctx.config.environment)
        provider = self.evaluation_images
        store = RunStore(ctx.run_dir)
        async with self.evaluation_slots:
            with ctx.progress.working(instance.instance_id, "evaluate") as work:
                outcome, result = await asyncio.to_thread(
                    grade_instance, instance, store, ctx.config, client, ctx.sources, provider
                )
                work.finish(outcome)
        # Written here, on the event loop, so two instances never update results.json at once.
        record_results(ctx.run_dir, [instance.instance_id], [result] if result is not None else [])
        return outcome.status

    def _docker(self) -> DockerClient:
        if self.client is None:
            msg = "the flowing order was started without a Docker client for a stage that needs one"
            raise RuntimeError(msg)
        return self.client

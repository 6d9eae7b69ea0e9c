"""What the stages of one run share: the stage names, the request and context of a run, instance
images, and the calls into the context and generation stages that both run orders make."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from docker import DockerClient

from sweagent.config import RunConfig
from sweagent.datasets import RepoSources
from sweagent.engine_faults import retrying
from sweagent.models.protocol import Model
from sweagent.models.usage import UsageLedger
from sweagent.progress import RunProgress
from sweagent.records import Instance
from sweagent.store import ENVIRONMENT_ARTIFACT, RunStore

if TYPE_CHECKING:
    from sweagent.context.stage import ContextOutcome
    from sweagent.generation.stage import GenerationOutcome

__all__ = [
    "BUILT_STAGES",
    "STAGES",
    "ImageFor",
    "StageContext",
    "StagesRequest",
    "bounded_builds",
    "context_stage",
    "dataset_image",
    "generation_stage",
]

STAGES = ("context", "generate", "select", "evaluate")
"""Every stage, in order."""
BUILT_STAGES = STAGES
"""The stages this version runs; the others are refused with a clear message."""

ImageFor = Callable[[Instance, DockerClient], str]
"""Gives (building if needed) the sandbox image of an instance."""


@dataclass(frozen=True)
class StagesRequest:
    """A run of stages as its caller asks for it: built once (by `run`, `solve` or a Ray task) and
    handed down through the executor and `run_stages` to the run order."""

    stages: tuple[str, ...]
    """The stages to run, in pipeline order."""
    instances: tuple[Instance, ...]
    run_dir: Path
    config: RunConfig
    ledger: UsageLedger
    """The run's usage, written to `usage.json` as the stages go."""
    sources: RepoSources
    progress: RunProgress
    image_for: ImageFor | None = None
    """How instance images are made; None: from the dataset's environment providers."""
    write_predictions: bool = True
    """False leaves `predictions.jsonl` alone (a caller running a share of the instances writes it
    once over all of them)."""

    def sweep_damaged(self) -> None:
        """Move aside the damaged artifacts of the instances (noted to the progress)."""
        for path in RunStore(self.run_dir).sweep(instance.instance_id for instance in self.instances):
            self.progress.note(f"damaged artifact {path} moved aside")


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


def bounded_builds(image_for: ImageFor, limit: int) -> ImageFor:
    """`image_for` called by at most `limit` threads at once (image builds share CPU and disk)."""
    slots = threading.BoundedSemaphore(limit)

    def bounded(instance: Instance, client: DockerClient) -> str:
        with slots:
            return image_for(instance, client)

    return bounded


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


async def context_stage(instances: Sequence[Instance], ctx: StageContext) -> dict[str, ContextOutcome]:
    """The context stage over `instances` with the run's models; an outcome per instance."""
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


async def generation_stage(
    instances: Sequence[Instance], ctx: StageContext, client: DockerClient
) -> dict[str, GenerationOutcome]:
    """The generate stage over `instances` with the run's primary model, in sandboxes of `client`'s
    engine; an outcome per instance."""
    from sweagent.generation.stage import run_generation_stage

    return await run_generation_stage(
        instances,
        run_dir=ctx.run_dir,
        config=ctx.config,
        model=ctx.primary,
        image_for=lambda instance: ctx.image_for(instance, client),
        client=client,
        progress=ctx.progress,
    )

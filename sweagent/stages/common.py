"""What the stages of one run share: the stage names, the run's context, and instance images."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from docker import DockerClient

from sweagent.config import RunConfig
from sweagent.datasets import RepoSources
from sweagent.engine_faults import retrying
from sweagent.models.protocol import Model
from sweagent.progress import RunProgress
from sweagent.records import Instance
from sweagent.store import ENVIRONMENT_ARTIFACT, RunStore

__all__ = ["BUILT_STAGES", "STAGES", "ImageFor", "StageContext", "bounded_builds", "dataset_image"]

STAGES = ("context", "generate", "select", "evaluate")
"""Every stage, in order."""
BUILT_STAGES = STAGES
"""The stages this version runs; the others are refused with a clear message."""

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

"""`sweagent run`: the stages in order over a dataset, into one run directory that can be resumed.

Stages: `context` (files for the prompt), `generate` (testing and editing trajectories, candidates).
Each stage writes one artifact per instance and skips instances whose artifact exists, so running
the same command again continues an interrupted run. An instance that fails a stage is recorded
and left out of the later stages; the run goes on and exits 1 at the end.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any, Literal

from rich.console import Console

from sweagent.datasets import load_dataset
from sweagent.datasets.repos import remembered_sources
from sweagent.errors import ConfigError, InfrastructureUnavailable
from sweagent.progress import RunProgress, show_progress
from sweagent.run_directory import default_run_dir, started_run
from sweagent.run_options import RunOptions
from sweagent.selection.registry import selector_needs
from sweagent.stages import BUILT_STAGES, STAGES, StagesRequest, run_stages

__all__ = ["BUILT_STAGES", "STAGES", "RunRequest", "parse_stages", "run_command"]

logger = logging.getLogger(__name__)


class RunRequest(RunOptions):
    """What `sweagent run` was asked to do: the options it shares with `solve`, and a dataset."""

    dataset: str
    instances: tuple[str, ...] = ()
    filter: str | None = None
    stages: str | None = None
    repos_dir: Path | None = None
    strict: bool = False
    executor: Literal["local", "ray"] | None = None
    ray_address: str | None = None
    """The Ray cluster to run on; implies `executor: ray`."""

    def shortcuts(self) -> dict[str, Any]:
        executor = self.executor or ("ray" if self.ray_address is not None else None)
        return {**super().shortcuts(), "executor": executor, "ray.address": self.ray_address}


def parse_stages(text: str | None) -> tuple[str, ...]:
    """The stages named in `a,b` (all built ones when None), in pipeline order; ConfigError otherwise."""
    if text is None:
        return BUILT_STAGES
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in STAGES]
    if unknown or not names:
        msg = f"unknown stage(s) {', '.join(unknown) or '(none given)'}; stages are {', '.join(STAGES)}"
        raise ConfigError(msg)
    unbuilt = [name for name in names if name not in BUILT_STAGES]
    if unbuilt:
        built = ", ".join(BUILT_STAGES)
        msg = f"stage(s) {', '.join(unbuilt)} are not built yet in this version; built: {built}"
        raise ConfigError(msg)
    return tuple(name for name in STAGES if name in names)


def _asks_a_model(stages: tuple[str, ...], selector: str) -> bool:
    """Whether the stages call a model: context and generation do, selection when its chain does."""
    return bool({"context", "generate"} & set(stages)) or (
        "select" in stages and "model" in selector_needs(selector)
    )


def run_command(request: RunRequest, console: Console | None = None) -> int:
    """Run the requested stages; 0 when every instance went through, 1 when some failed."""
    console = console or Console(stderr=True, soft_wrap=True)
    stages = parse_stages(request.stages)
    config = request.config(model_needed=False)
    if _asks_a_model(stages, config.selection.selector):
        config = request.config()
    loaded = load_dataset(
        request.dataset,
        instances=list(request.instances) or None,
        filter=request.filter,
        strict=request.strict,
    )
    for problem in loaded.problems:
        console.print(f"[yellow]skipped record:[/yellow] {problem}", highlight=False)
    if not loaded.instances:
        msg = f"dataset {request.dataset!r} selects no instance"
        raise ConfigError(msg)
    instances = loaded.instances
    run_dir = request.run_dir or default_run_dir(request.dataset)
    with started_run(run_dir, config, holder="sweagent run", force=request.force) as run:
        console.print(f"run directory: {run_dir}  stages: {', '.join(stages)}  instances: {len(instances)}")
        sources = remembered_sources(run_dir, request.repos_dir)
        logger.info("run %s: stages %s, %d instance(s)", run_dir, ",".join(stages), len(instances))
        progress = RunProgress([i.instance_id for i in instances], stages, usage=run.ledger.total)
        asked = StagesRequest(stages, tuple(instances), run_dir, config, run.ledger, sources, progress)
        try:
            with show_progress(progress, console):
                if config.executor == "ray":
                    from sweagent.executors.ray_executor import run_on_ray

                    failures = run_on_ray(asked)
                else:
                    failures = asyncio.run(run_stages(asked))
        except InfrastructureUnavailable as err:
            logger.info("run stopped: %s", err)
            console.print(
                f"the run stopped early; {run_dir} keeps what was done (log: {run.log}); "
                "run the same command again to continue",
                highlight=False,
            )
            raise
        from sweagent.reporting import write_report

        written = write_report(run_dir, html=True)
    console.print(f"report: {', '.join(str(p) for p in written if p.suffix in ('.md', '.html'))}")
    return 1 if failures else 0

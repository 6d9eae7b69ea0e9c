"""The generation stage for a set of instances: sandboxes on each instance's image, trajectories, candidates.

Per instance: the image comes from `image_for` (built or looked up), a small pool of sandboxes is
started on it, the context files chosen by the context stage are read from the pristine repository,
and `generate_instance` runs every trajectory. One instance's failure (an image that does not
build, a sandbox that dies) is recorded as its outcome and the others go on. An instance whose
`candidates.json` exists is skipped; one interrupted mid-way resumes from its saved trajectories.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from docker import DockerClient

import prompts
from sandbox.docker import DockerSandbox
from sandbox.pool import SandboxPool
from sandbox.restore import PristineImage
from sandbox.transient import RetryPolicy, is_transient
from sweagent.agent.history import estimate_tokens, request_limit
from sweagent.agent.trajectory import InstanceSession
from sweagent.config import RunConfig
from sweagent.engine_faults import retrying
from sweagent.errors import InfrastructureUnavailable
from sweagent.execution.scripts import ScriptRunner
from sweagent.generation.fanout import generate_instance
from sweagent.models.prompt_layout import SharedPrompt
from sweagent.models.protocol import Model
from sweagent.models.window import turn_room_tokens
from sweagent.progress import RunProgress
from sweagent.records import Context, GenerationResult, Instance, StageOutcome
from sweagent.sandboxes import docker_config
from sweagent.store import CANDIDATES_ARTIFACT, CONTEXT_ARTIFACT, RunStore

__all__ = ["GenerationOutcome", "fit_shared_prompt", "generation_prompt", "run_generation_stage"]

logger = logging.getLogger(__name__)


class GenerationOutcome(StageOutcome):
    """How the stage ended for one instance.

    `done`: candidates.json written; `skipped`: it existed; `error`: not written (see detail).
    """

    candidates: int = 0
    tests: int = 0
    detail: str = ""


def generation_prompt(
    instance: Instance, files: Sequence[tuple[str, str]], *, workdir: str, script_command: str
) -> SharedPrompt:
    """The part shared by every testing and editing trajectory of the instance."""
    instructions = prompts.render(
        "generation/instructions", repo=instance.repo, workdir=workdir, script_command=script_command
    )
    return SharedPrompt(instructions=instructions, issue=instance.problem_statement, files=tuple(files))


async def run_generation_stage(
    instances: Sequence[Instance],
    *,
    run_dir: Path,
    config: RunConfig,
    model: Model,
    image_for: Callable[[Instance], str],
    client: DockerClient,
    progress: RunProgress | None = None,
) -> dict[str, GenerationOutcome]:
    """Write `<run_dir>/<instance>/candidates.json` for each instance, `config.concurrency` at a time."""
    store = RunStore(run_dir)
    tracker = progress or RunProgress()

    async def one(instance: Instance) -> GenerationOutcome:
        return await _one(instance, store, config, model, image_for, client, tracker)

    outcomes = await tracker.each("generate", instances, one, config.concurrency)
    return {outcome.instance_id: outcome for outcome in outcomes}


async def _one(
    instance: Instance,
    store: RunStore,
    config: RunConfig,
    model: Model,
    image_for: Callable[[Instance], str],
    client: DockerClient,
    progress: RunProgress,
) -> GenerationOutcome:
    iid = instance.instance_id
    stored = store.load(iid, CANDIDATES_ARTIFACT, GenerationResult)
    if stored is not None:
        return _outcome(stored, "skipped", f"{CANDIDATES_ARTIFACT} exists")
    try:
        image = await asyncio.to_thread(image_for, instance)
        logger.info("%s: sandbox image %s", iid, image)
        pool = await asyncio.to_thread(_open_pool, client, image, config)
    except InfrastructureUnavailable:
        raise
    except Exception as err:  # the image or the engine failed for this instance; the run goes on
        return GenerationOutcome(
            instance_id=iid, status="error", detail=f"sandbox: {type(err).__name__}: {err}"
        )
    try:
        files = await asyncio.to_thread(
            retrying,
            lambda: _context_files(store, iid, pool[0]),
            config.sandbox.retry_seconds,
            f"reading the context files of {iid}",
        )
        sandbox_config = docker_config(config.sandbox, image)
        generation = config.generation
        shared = generation_prompt(
            instance, files, workdir=sandbox_config.workdir, script_command=generation.script_command
        )
        session = InstanceSession(
            instance=instance,
            shared=fit_shared_prompt(shared, config),
            model=model,
            runner=ScriptRunner(
                pool[0],
                timeout=generation.script_timeout,
                command=generation.script_command,
                concurrency=config.sandbox.pool_size,
                retry=RetryPolicy(seconds=config.sandbox.retry_seconds),
            ),
            store=store,
            config=generation,
            max_tokens=config.models.primary.max_tokens,
            context_window=config.models.primary.context_window,
            progress=progress,
        )
        result = await generate_instance(session)
    except InfrastructureUnavailable:
        raise
    except Exception as err:  # recorded for this instance; saved trajectories let a re-run resume
        return GenerationOutcome(instance_id=iid, status="error", detail=f"{type(err).__name__}: {err}")
    finally:
        await asyncio.to_thread(_close_pool, pool)
    return _outcome(result, "done", "")


def fit_shared_prompt(shared: SharedPrompt, config: RunConfig) -> SharedPrompt:
    """`shared` without its lowest-ranked files while it leaves a trajectory's turns too little room
    in the window (a long issue can exceed what the budget reserved for it)."""
    window = config.models.primary.context_window
    if window is None:
        return shared
    room = request_limit(window, config.models.primary.max_tokens) - turn_room_tokens(config)
    files = list(shared.files)
    while files and estimate_tokens([{"content": shared.rendered}]) > room:
        files.pop()
        # A new record, not model_copy: the copy would keep the cached rendering of the old one.
        shared = SharedPrompt(instructions=shared.instructions, issue=shared.issue, files=tuple(files))
    return shared


def _outcome(result: GenerationResult, status: Literal["done", "skipped"], detail: str) -> GenerationOutcome:
    return GenerationOutcome(
        instance_id=result.instance_id,
        status=status,
        candidates=len(result.candidates),
        tests=len(result.tests),
        detail=detail,
    )


def _open_pool(
    client: DockerClient, image: str, config: RunConfig
) -> tuple[SandboxPool[DockerSandbox], PristineImage]:
    pristine = PristineImage(client, image)
    sandbox_config = docker_config(config.sandbox, image)
    pool = SandboxPool(lambda: sandbox_config.build(client, pristine), size=config.sandbox.pool_size)
    return pool, pristine


def _close_pool(pool: tuple[SandboxPool[DockerSandbox], PristineImage]) -> None:
    try:
        pool[0].close()
    finally:
        pool[1].close()


def _context_files(
    store: RunStore, instance_id: str, pool: SandboxPool[DockerSandbox]
) -> list[tuple[str, str]]:
    """(path, text) of the context stage's files, read from the pristine repository, in rank order."""
    if not store.done(instance_id, CONTEXT_ARTIFACT):
        return []
    context = store.read(instance_id, CONTEXT_ARTIFACT, Context)
    files = []
    with pool.acquire() as box:
        for entry in context.files:
            try:
                files.append((entry.path, box.read_file(entry.path).decode("utf-8", errors="replace")))
            except (FileNotFoundError, OSError) as err:
                if is_transient(err):
                    raise  # the engine's fault: read them all again rather than leave one out
                continue  # the context named a file the image lacks: leave it out rather than fail
    return files

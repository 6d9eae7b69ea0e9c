"""Selecting over a run directory: stored candidates, the evidence a selector needs, `selection/<name>.json`.

Per instance: the unique candidates and tests of `candidates.json`; the evaluations in `eval/`; the
test matrix and regression runs, completed in a sandbox only when the selector needs them and
they are not stored; then the selector. A selection that is stored is reused unless `force`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass

from sandbox.transient import RetryPolicy
from sweagent.config import RunConfig
from sweagent.errors import StoreError
from sweagent.execution.scripts import ScriptRunner
from sweagent.execution.test_matrix import (
    TestMatrixRunner,
    complete_test_matrix,
    unique_candidates,
    unique_tests,
)
from sweagent.models.protocol import Model
from sweagent.progress import RunProgress
from sweagent.records import EvalResult, GenerationResult, Instance, Selection, TestMatrix
from sweagent.selection.protocol import Evidence, SelectorContext, call_select
from sweagent.selection.registry import build_selector, selector_needs
from sweagent.selection.regression import regression_command, regression_for
from sweagent.store import CANDIDATES_ARTIFACT, MATRIX_ARTIFACT, RunStore, eval_artifact, selection_artifact

__all__ = ["SelectionResources", "instance_ids", "read_evaluations", "select_instance"]

RunnerFactory = Callable[[Instance], AbstractContextManager[ScriptRunner]]
"""Opens a pooled script runner on an instance's image for the length of a `with` block."""


@dataclass
class SelectionResources:
    """What selecting may use beyond the run directory."""

    config: RunConfig
    model: Model | None = None
    open_runner: RunnerFactory | None = None
    progress: RunProgress | None = None
    """Told when a selection trajectory starts and ends."""


def instance_ids(store: RunStore) -> list[str]:
    """Ids of the instances of a run that have `candidates.json`, sorted."""
    found = []
    for path in sorted(store.root.glob(f"*/{CANDIDATES_ARTIFACT}")):
        found.append(GenerationResult.model_validate_json(path.read_text(encoding="utf-8")).instance_id)
    return found


def read_evaluations(store: RunStore, instance_id: str) -> dict[str, EvalResult]:
    """`eval/<candidate_id>.json` of an instance, by candidate id."""
    results = {}
    for path in sorted(store.instance_dir(instance_id).glob(eval_artifact("*"))):
        try:
            result = EvalResult.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            msg = f"cannot read {path} as EvalResult: {err}"
            raise StoreError(msg) from err
        results[result.candidate_id or path.stem] = result
    return results


def _complete(matrix: TestMatrix | None, generation: GenerationResult) -> bool:
    if matrix is None:
        return False
    rows = {"original", *(c.id for c in unique_candidates(generation.candidates))}
    columns = {t.id for t in unique_tests(generation.tests)}
    return all(columns <= set(matrix.outcomes.get(row, {})) for row in rows)


async def select_instance(
    store: RunStore, instance: Instance, spec: str, resources: SelectionResources, *, force: bool = False
) -> Selection:
    """The instance's selection by `spec`, gathering the evidence it needs; written to `selection/`."""
    iid = instance.instance_id
    artifact = selection_artifact(spec)
    generation = store.read(iid, CANDIDATES_ARTIFACT, GenerationResult)
    candidates, tests = unique_candidates(generation.candidates), unique_tests(generation.tests)
    stored = None if force else store.load(iid, artifact, Selection)
    if stored is not None:
        # Reused only while it scored exactly these candidates (an import may have added some).
        if stored.status == "selected" and set(stored.scores) == {c.id for c in candidates}:
            return stored
    needs = selector_needs(spec)
    matrix = store.load(iid, MATRIX_ARTIFACT, TestMatrix)
    wants_matrix = (
        "test_matrix" in needs and bool(tests) and bool(candidates) and not _complete(matrix, generation)
    )
    wants_sandbox = bool(candidates) and ("sandbox" in needs or "regression" in needs or wants_matrix)
    config = resources.config
    with ExitStack() as stack:
        runner = None
        if wants_sandbox:
            if resources.open_runner is None:
                msg = f"selector {spec!r} needs a sandbox for {iid}, and none can be opened here"
                raise StoreError(msg)
            runner = stack.enter_context(resources.open_runner(instance))
        if wants_matrix and runner is not None:
            matrix_runner = TestMatrixRunner(
                runner.pool,
                timeout=runner.timeout,
                command=runner.command,
                concurrency=config.sandbox.pool_size,
                retry=RetryPolicy(seconds=config.sandbox.retry_seconds),
            )
            matrix = await complete_test_matrix(store, iid, candidates, tests, matrix_runner)
        regression = {}
        if "regression" in needs and runner is not None:
            regression = await regression_for(
                store,
                iid,
                candidates,
                runner.pool,
                command=regression_command(instance, config.selection.regression_command),
                timeout=config.selection.regression_timeout,
                concurrency=config.sandbox.pool_size,
            )
        evidence = Evidence(
            test_matrix=matrix,
            tests=tuple(tests),
            regression=regression,
            trajectories=generation.trajectories,
            evaluations=read_evaluations(store, iid),
        )
        context = SelectorContext(
            config=config.selection,
            seed=config.seed,
            model=resources.model if "model" in needs else None,
            runner=runner,
            store=store,
            context_window=config.models.primary.context_window,
            progress=resources.progress,
        )
        selection = await call_select(build_selector(spec, context), instance, candidates, evidence)
    selection = selection.model_copy(update={"selector": spec})
    store.write(iid, artifact, selection)
    return selection


@contextmanager
def docker_runner(instance: Instance, config: RunConfig, image: str) -> Iterator[ScriptRunner]:
    """A script runner on a pool of Docker sandboxes of `image`, closed when the block ends."""
    from sandbox.pool import SandboxPool
    from sandbox.restore import PristineImage
    from sweagent.engine_faults import connect_retrying
    from sweagent.sandboxes import FINISHING_CPU_SHARES, docker_config

    client = connect_retrying(config.sandbox.retry_seconds)
    try:
        pristine = PristineImage(client, image)
        try:
            # Model-written tests and the repository's own run here against candidates, as in grading.
            sandbox_config = docker_config(config.sandbox, image, default_network="dropped")
            sandbox_config = sandbox_config.model_copy(update={"cpu_shares": FINISHING_CPU_SHARES})
            with SandboxPool(
                lambda: sandbox_config.build(client, pristine), size=config.sandbox.pool_size
            ) as pool:
                yield ScriptRunner(
                    pool,
                    timeout=config.generation.script_timeout,
                    command=config.generation.script_command,
                    concurrency=config.sandbox.pool_size,
                    retry=RetryPolicy(seconds=config.sandbox.retry_seconds),
                )
        finally:
            pristine.close()
    finally:
        client.close()

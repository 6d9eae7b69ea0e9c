"""The select stage for one instance, and `predictions.jsonl`, the run's selected patches."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Literal

from docker import DockerClient

from sweagent.errors import InfrastructureUnavailable
from sweagent.execution.scripts import ScriptRunner
from sweagent.records import GenerationResult, Instance, Record, Selection
from sweagent.stages.common import StageContext
from sweagent.store import (
    CANDIDATES_ARTIFACT,
    PREDICTIONS_FILE,
    RunStore,
    atomic_write_text,
    selection_artifact,
)

__all__ = ["SelectOutcome", "select_one", "write_predictions"]


class SelectOutcome(Record):
    """How selection ended for one instance."""

    instance_id: str
    status: Literal["done", "error"]
    chosen: str = "-"
    detail: str = ""


async def select_one(ctx: StageContext, instance: Instance, client: DockerClient) -> SelectOutcome:
    """Select for `instance`, reported to the run's progress; its outcome (`error` when it failed)."""
    with ctx.progress.working(instance.instance_id, "select") as work:
        outcome = await _select(ctx, instance, client)
        work.finish(outcome)
    return outcome


async def _select(ctx: StageContext, instance: Instance, client: DockerClient) -> SelectOutcome:
    from sweagent.selection.registry import selector_needs
    from sweagent.selection.stage import SelectionResources, docker_runner, select_instance

    iid = instance.instance_id
    spec = ctx.config.selection.selector
    try:
        image = None
        if selector_needs(spec) & _SANDBOX_NEEDS:
            # Looked up here, in a thread: it may wait for a build, and other instances flow meanwhile.
            image = await asyncio.to_thread(ctx.image_for, instance, client)

        def open_runner(target: Instance) -> AbstractContextManager[ScriptRunner]:
            return docker_runner(target, ctx.config, image or ctx.image_for(target, client))

        resources = SelectionResources(
            config=ctx.config, model=ctx.primary, open_runner=open_runner, progress=ctx.progress
        )
        selection = await select_instance(RunStore(ctx.run_dir), instance, spec, resources)
    except InfrastructureUnavailable:
        raise  # the run stops (exit 3); a later run continues from what was saved
    except Exception as err:  # one instance's failure is recorded; the others go on
        return SelectOutcome(instance_id=iid, status="error", detail=f"{type(err).__name__}: {err}")
    chosen = selection.candidate_id or "-"
    return SelectOutcome(instance_id=iid, status="done", chosen=chosen, detail=selection.rationale)


_SANDBOX_NEEDS = frozenset({"sandbox", "regression", "test_matrix"})
"""Selector needs that open sandboxes on the instance's image."""


def write_predictions(store: RunStore, instances: Sequence[Instance], spec: str) -> None:
    """`predictions.jsonl` in SWE-bench's format: each instance's selected patch ("" when none)."""
    rows = []
    for instance in instances:
        iid = instance.instance_id
        patch = ""
        if store.done(iid, selection_artifact(spec)) and store.done(iid, CANDIDATES_ARTIFACT):
            chosen = store.read(iid, selection_artifact(spec), Selection).candidate_id
            candidates = store.read(iid, CANDIDATES_ARTIFACT, GenerationResult).candidates
            patch = next((c.patch for c in candidates if c.id == chosen), "")
        row = {"instance_id": iid, "model_name_or_path": f"sweagent:{spec}", "model_patch": patch}
        rows.append(json.dumps(row, sort_keys=True))
    atomic_write_text(store.root / PREDICTIONS_FILE, "\n".join(rows) + "\n")

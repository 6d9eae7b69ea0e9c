"""The select stage for one instance, and `predictions.jsonl`, the run's selected patches."""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Literal

from docker import DockerClient
from pydantic import BaseModel, ConfigDict

from sweagent.errors import InfrastructureUnavailable
from sweagent.execution.scripts import ScriptRunner
from sweagent.records import GenerationResult, Instance, Selection
from sweagent.stages.common import StageContext
from sweagent.store import (
    CANDIDATES_ARTIFACT,
    PREDICTIONS_FILE,
    RunStore,
    atomic_write_text,
    selection_artifact,
)

if TYPE_CHECKING:
    from sweagent.selection.stage import SelectionResources

__all__ = ["SelectOutcome", "select_one", "selection_resources", "write_predictions"]


class SelectOutcome(BaseModel):
    """How selection ended for one instance."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    instance_id: str
    status: Literal["done", "error"]
    chosen: str = "-"
    detail: str = ""


def selection_resources(ctx: StageContext, client: DockerClient) -> SelectionResources:
    """What selecting needs: the primary model and sandboxes on each instance's image."""
    from sweagent.selection.stage import SelectionResources, docker_runner

    def open_runner(instance: Instance) -> AbstractContextManager[ScriptRunner]:
        return docker_runner(instance, ctx.config, ctx.image_for(instance, client))

    return SelectionResources(
        config=ctx.config, model=ctx.primary, open_runner=open_runner, progress=ctx.progress
    )


async def select_one(ctx: StageContext, instance: Instance, resources: SelectionResources) -> SelectOutcome:
    """Select for `instance`, reported to the run's progress; its outcome (`error` when it failed)."""
    with ctx.progress.working(instance.instance_id, "select") as work:
        outcome = await _select(RunStore(ctx.run_dir), instance, ctx.config.selection.selector, resources)
        work.finish(outcome)
    return outcome


async def _select(
    store: RunStore, instance: Instance, spec: str, resources: SelectionResources
) -> SelectOutcome:
    from sweagent.selection.stage import select_instance

    iid = instance.instance_id
    try:
        selection = await select_instance(store, instance, spec, resources)
    except InfrastructureUnavailable:
        raise  # the run stops (exit 3); a later run continues from what was saved
    except Exception as err:  # one instance's failure is recorded; the others go on
        return SelectOutcome(instance_id=iid, status="error", detail=f"{type(err).__name__}: {err}")
    chosen = selection.candidate_id or "-"
    return SelectOutcome(instance_id=iid, status="done", chosen=chosen, detail=selection.rationale)


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

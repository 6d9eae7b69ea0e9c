"""The context stage for a set of instances: check out, provide a context, write context.json.

Each instance ends with a recorded outcome. A repository without usable source files or a
relevance model that answers nothing parseable still gives a context.json (with no files and a
note saying why); a checkout that fails or an endpoint that is down gives an `error` outcome and no
context.json, so the next run tries that instance again. An instance whose context.json exists is
skipped.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from sweagent.config import RunConfig
from sweagent.context.assembly import recall
from sweagent.context.cache import AnswerCache
from sweagent.context.provider_configs import ProviderParts, build_provider
from sweagent.context.providers import ContextProvider, ContextReport, ReportingProvider
from sweagent.context.tokens import TokenCounter, token_counter_for
from sweagent.datasets.repos import RepoSources, checkout_instance
from sweagent.errors import InfrastructureUnavailable
from sweagent.models.protocol import Model
from sweagent.progress import RunProgress
from sweagent.records import Context, Instance, Record
from sweagent.store import CONTEXT_ARTIFACT, SCAN_ARTIFACT, RunStore

__all__ = ["ContextOutcome", "build_provider", "run_context_stage"]


class ContextOutcome(Record):
    """How the stage ended for one instance."""

    instance_id: str
    status: Literal["done", "empty", "skipped", "error"]
    """`done`: files chosen; `empty`: a context with no files (see detail); `skipped`: context.json
    existed; `error`: no context.json was written (see detail)."""
    files: int = 0
    tokens: int = 0
    recall: float | None = None
    calls: int = 0
    """Model calls made for this instance in this run."""
    detail: str = ""


async def _provide(
    provider: ContextProvider, instance: Instance, repo: Path
) -> tuple[Context, ContextReport | None]:
    if isinstance(provider, ReportingProvider):
        return await provider.provide_with_report(instance, repo)
    return await provider.provide(instance, repo), None


async def _one(
    instance: Instance, store: RunStore, provider: ContextProvider, sources: RepoSources
) -> ContextOutcome:
    iid = instance.instance_id
    stored = store.load(iid, CONTEXT_ARTIFACT, Context)
    if stored is not None:
        return ContextOutcome(
            instance_id=iid,
            status="skipped",
            files=len(stored.files),
            tokens=sum(f.tokens for f in stored.files),
            recall=stored.recall,
            detail=f"{CONTEXT_ARTIFACT} exists",
        )
    try:
        with tempfile.TemporaryDirectory(prefix="sweagent-context-") as tmp:
            repo = Path(tmp) / "repo"
            await asyncio.to_thread(checkout_instance, instance, repo, sources)
            context, report = await _provide(provider, instance, repo)
    except InfrastructureUnavailable:
        raise  # the run stops (exit 3); every other instance would fail the same way
    except Exception as err:  # one instance's failure is recorded; the run goes on
        return ContextOutcome(instance_id=iid, status="error", detail=f"{type(err).__name__}: {err}")
    context = context.model_copy(update={"recall": recall(instance.patch, [f.path for f in context.files])})
    if report is not None:
        store.write(iid, SCAN_ARTIFACT, report)
    store.write(iid, CONTEXT_ARTIFACT, context)
    return ContextOutcome(
        instance_id=iid,
        status="done" if context.files else "empty",
        files=len(context.files),
        tokens=sum(f.tokens for f in context.files),
        recall=context.recall,
        calls=report.calls if report else 0,
        detail=context.note,
    )


async def run_context_stage(
    instances: Sequence[Instance],
    *,
    run_dir: Path,
    config: RunConfig,
    primary: Model,
    relevance: Model,
    sources: RepoSources | None = None,
    token_counter: TokenCounter | None = None,
    progress: RunProgress | None = None,
) -> dict[str, ContextOutcome]:
    """Write `<run_dir>/<instance>/context.json` for each instance, `config.concurrency` at a time."""
    cache = AnswerCache(config.context.cache_dir or run_dir / "cache" / "context")
    primary_config = config.models.primary
    counter = token_counter or await token_counter_for(primary_config.base_url, primary_config.name)
    provider = build_provider(
        config.context, ProviderParts(config.models, counter, primary, relevance, cache)
    )
    store = RunStore(run_dir)
    progress = progress or RunProgress()

    async def one(instance: Instance) -> ContextOutcome:
        return await _one(instance, store, provider, sources or RepoSources())

    try:
        outcomes = await progress.each("context", instances, one, config.concurrency)
    finally:
        if token_counter is None:
            await counter.close()
    return {outcome.instance_id: outcome for outcome in outcomes}

"""Context providers: the relevance scan with ranking, and BM25 lexical retrieval (no model)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from sweagent.config import ContextConfig
from sweagent.context.assembly import assemble
from sweagent.context.bm25 import Bm25Index, terms
from sweagent.context.cache import AnswerCache
from sweagent.context.listing import Listing, list_source_files
from sweagent.context.ranking import RankingOutcome, rank_files, ranking_key
from sweagent.context.scan import FileJudgement, ScanInput, relevance_scan
from sweagent.context.skeleton import skeleton
from sweagent.context.tokens import TokenCounter, approximate_tokens
from sweagent.models.protocol import Model
from sweagent.records import Context, ContextFile, Instance, Record

__all__ = [
    "Bm25Provider",
    "ContextProvider",
    "ContextReport",
    "RelevanceProvider",
    "ReportingProvider",
    "bm25_order",
]


@runtime_checkable
class ContextProvider(Protocol):
    """Chooses the files of an instance's context; implementations do not inherit this class."""

    name: str

    async def provide(self, instance: Instance, repo: Path) -> Context: ...


class ContextReport(Record):
    """How a context was made: written next to context.json as context_scan.json."""

    provider: str
    """The context provider that made it (`context.provider`)."""
    tokenizer: str
    """How token counts were made (the endpoint's tokenizer or the stated approximation)."""
    tracked: int
    """Files git tracks in the checkout."""
    listed: int
    """Source files left after the listing's filters (tests, binaries, generated and vendored code)."""
    excluded: dict[str, str]
    """Each tracked file the listing left out, with the reason."""
    scanned: int = 0
    """Files the relevance model judged (after the BM25 pre-filter, when one is set)."""
    prefiltered_out: int = 0
    """Listed files the BM25 pre-filter kept from the relevance model."""
    judgements: tuple[FileJudgement, ...] = ()
    ranking: RankingOutcome | None = None
    over_budget: tuple[str, ...] = ()
    """Files ranked but skipped because they did not fit the budget."""
    calls: int = 0
    """Model calls this run made for the instance."""


@runtime_checkable
class ReportingProvider(Protocol):
    """A provider that also explains how it chose (the built-in ones)."""

    async def provide_with_report(self, instance: Instance, repo: Path) -> tuple[Context, ContextReport]: ...


PROMPT_OVERHEAD_TOKENS = 512
"""The relevance prompt's instructions and framing around the issue and the file."""
MIN_FILE_TOKENS = 256
RANKING = "merged"
"""The one key inside a ranking's cache shard."""


def bm25_order(instance: Instance, files: Sequence[ScanInput]) -> list[str]:
    """Paths sharing a term with the issue, best BM25 first; a document is path, content and skeleton."""
    documents = []
    for file in files:
        outline = skeleton(file.path, file.text) or ""
        documents.append(terms(file.path.replace("/", " ")) + terms(file.text) + terms(outline))
    index = Bm25Index(documents)
    return index.top(terms(instance.problem_statement), [file.path for file in files])


async def _listed(
    provider: str, repo: Path, config: ContextConfig, counter: TokenCounter
) -> tuple[Listing, list[ScanInput], ContextReport]:
    """The repository's source files with their token counts, and the report's first facts about them."""
    listing = await asyncio.to_thread(list_source_files, repo, config.skip_dirs)
    counts = await counter.count([file.text for file in listing.files])
    items = [
        ScanInput(path=file.path, text=file.text, sha256=file.sha256, tokens=count)
        for file, count in zip(listing.files, counts, strict=True)
    ]
    report = ContextReport(
        provider=provider,
        tokenizer=counter.method,
        tracked=listing.tracked,
        listed=len(items),
        excluded=listing.excluded,
    )
    return listing, items, report


def _listing_note(listing: Listing) -> str:
    if listing.tracked == 0:
        return "the repository has no tracked files (an empty repository)"
    reasons = sorted(set(listing.excluded.values()))
    detail = f"; {len(listing.excluded)} left out ({', '.join(reasons)})" if listing.excluded else ""
    return (
        f"none of the {listing.tracked} tracked files is a usable source file outside skipped "
        f"directories{detail}"
    )


def _budget_note(over: Sequence[str]) -> str:
    return f"{len(over)} ranked files did not fit the budget" if over else ""


class Bm25Provider:
    """Lexical retrieval: files ranked by BM25 against the issue text fill the budget; no model."""

    name = "bm25"

    def __init__(self, config: ContextConfig, counter: TokenCounter) -> None:
        self.config = config
        self.counter = counter

    async def provide(self, instance: Instance, repo: Path) -> Context:
        return (await self.provide_with_report(instance, repo))[0]

    async def provide_with_report(self, instance: Instance, repo: Path) -> tuple[Context, ContextReport]:
        listing, items, report = await _listed(self.name, repo, self.config, self.counter)
        budget = self.config.budget()
        if not items:
            return Context(provider=self.name, files=(), budget=budget, note=_listing_note(listing)), report
        order = await asyncio.to_thread(bm25_order, instance, items)
        files, over = assemble(order, {i.path: i.tokens for i in items}, budget)
        note = "no file shares a term with the issue text" if not order else _budget_note(over)
        context = Context(provider=self.name, files=tuple(files), budget=budget, note=note)
        return context, report.model_copy(update={"over_budget": tuple(over)})


@dataclass
class RelevanceProvider:
    """The relevance model judges every file; the primary model ranks the relevant; they fill the budget."""

    name = "relevance"

    config: ContextConfig
    counter: TokenCounter
    relevance: Model
    primary: Model
    concurrency: int
    """Relevance requests in flight."""
    cache: AnswerCache
    relevance_window: int | None = None
    """The relevance model's window: a file shown whole must fit it with the issue and the reply."""
    relevance_reply: int = 4096
    ranking_limit: int | None = None
    """Prompt tokens the ranking request may hold (the primary window's room), None: unlimited."""

    async def provide(self, instance: Instance, repo: Path) -> Context:
        return (await self.provide_with_report(instance, repo))[0]

    async def provide_with_report(self, instance: Instance, repo: Path) -> tuple[Context, ContextReport]:
        config = self.config
        listing, items, report = await _listed(self.name, repo, config, self.counter)
        budget = config.budget()
        if not items:
            return Context(provider=self.name, files=(), budget=budget, note=_listing_note(listing)), report
        scanned = items
        if config.prefilter_files is not None and len(items) > config.prefilter_files:
            keep = set((await asyncio.to_thread(bm25_order, instance, items))[: config.prefilter_files])
            scanned = [item for item in items if item.path in keep]
        judgements = await relevance_scan(
            instance,
            scanned,
            self.relevance,
            concurrency=self.concurrency,
            window_tokens=self._file_tokens(instance),
            cache=self.cache,
        )
        report = report.model_copy(
            update={
                "scanned": len(scanned),
                "prefiltered_out": len(items) - len(scanned),
                "judgements": tuple(judgements),
                "calls": sum(j.calls for j in judgements),
            }
        )
        relevant = [
            ContextFile(path=j.path, tokens=j.tokens, summary=j.summary) for j in judgements if j.relevant
        ]
        if not relevant:
            note = _no_relevant_note(judgements)
            return Context(provider=self.name, files=(), budget=budget, note=note), report
        ranking = await self._rank(instance, relevant)
        order = list(ranking.order)
        notes = []
        if ranking.parsed == 0:
            relevant_paths = {file.path for file in relevant}
            by_bm25 = [
                p for p in await asyncio.to_thread(bm25_order, instance, scanned) if p in relevant_paths
            ]
            order = by_bm25 + sorted(relevant_paths - set(by_bm25))
            notes.append(f"no ranking parsed ({ranking.errors[0]}); relevant files ordered by BM25 instead")
        tokens = {file.path: file.tokens for file in relevant}
        summaries = {file.path: file.summary for file in relevant}
        files, over = assemble(order, tokens, budget, summaries)
        notes.append(_budget_note(over))
        context = Context(
            provider=self.name, files=tuple(files), budget=budget, note="; ".join(n for n in notes if n)
        )
        report = report.model_copy(
            update={"ranking": ranking, "over_budget": tuple(over), "calls": report.calls + ranking.calls}
        )
        return context, report

    def _file_tokens(self, instance: Instance) -> int:
        """Tokens of a file read whole: `window_tokens`, less when the issue leaves less room."""
        if self.relevance_window is None:
            return self.config.window_tokens
        prompt = approximate_tokens(instance.problem_statement) + PROMPT_OVERHEAD_TOKENS
        room = self.relevance_window - self.relevance_reply - prompt - self.relevance_window // 10
        return max(MIN_FILE_TOKENS, min(self.config.window_tokens, room))

    async def _rank(self, instance: Instance, relevant: Sequence[ContextFile]) -> RankingOutcome:
        """The merged ranking, from the cache when the same candidates were ranked before."""
        config = self.config
        key = ranking_key(
            instance,
            relevant,
            self.primary.name,
            target_tokens=config.budget(),
            rankings=config.rankings,
            temperature=config.ranking_temperature,
        )
        cached = self.cache.get(key, RANKING, RankingOutcome)
        if cached is not None:
            return cached.model_copy(update={"calls": 0})
        ranking = await rank_files(
            instance,
            relevant,
            self.primary,
            target_tokens=config.budget(),
            rankings=config.rankings,
            temperature=config.ranking_temperature,
            limit_tokens=self.ranking_limit,
        )
        self.cache.put(key, RANKING, ranking)
        self.cache.flush()
        return ranking


def _no_relevant_note(judgements: Sequence[FileJudgement]) -> str:
    failed = [j for j in judgements if j.relevant is None]
    if failed and len(failed) == len(judgements):
        return (
            f"the relevance model gave no usable answer for any of the {len(judgements)} files "
            f"(first: {failed[0].path}: {failed[0].error})"
        )
    unusable = f" ({len(failed)} without a usable answer)" if failed else ""
    return f"the relevance model judged none of the {len(judgements)} files relevant{unusable}"

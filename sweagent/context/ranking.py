"""Ranking: the primary model orders the relevant files; several rankings are merged."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence

from sweagent.context.assembly import merge_rankings
from sweagent.context.grammar import parse_ranking
from sweagent.context.prompts import prompt_version, render
from sweagent.context.tokens import approximate_tokens
from sweagent.errors import FormatError
from sweagent.models.protocol import Message, Model, ModelRequest, Purpose
from sweagent.records import ContextFile, Instance, Record

__all__ = ["TEMPLATES", "RankingOutcome", "fit_summaries", "rank_files", "ranking_key"]

TEMPLATES = ("ranking",)
MIN_SUMMARY_CHARS = 200


class RankingOutcome(Record):
    """The merged order and what went wrong on the way."""

    order: tuple[str, ...]
    """Merged ranking of known paths, most relevant first."""
    parsed: int
    """Rankings that parsed (out of the number asked for)."""
    invented: tuple[str, ...] = ()
    """Paths a ranking named that are not among the candidates; dropped."""
    errors: tuple[str, ...] = ()
    """Format errors of rankings that stayed unparseable after their retry."""
    calls: int = 0


def ranking_key(
    instance: Instance,
    candidates: Sequence[ContextFile],
    model: str,
    *,
    target_tokens: int,
    rankings: int,
    temperature: float,
) -> str:
    """Cache key of a ranking: the issue, the candidates with their summaries, the model and the prompt."""
    parts = [
        "ranking",
        instance.instance_id,
        instance.problem_statement,
        [file.model_dump() for file in candidates],
        model,
        prompt_version(*TEMPLATES),
        target_tokens,
        rankings,
        temperature,
    ]
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()


def _prompt(instance: Instance, files: Sequence[ContextFile], target_tokens: int) -> str:
    return render("ranking", issue=instance.problem_statement, files=files, target_tokens=target_tokens)


def fit_summaries(
    instance: Instance, candidates: Sequence[ContextFile], target_tokens: int, limit_tokens: int | None
) -> list[ContextFile]:
    """The candidates with their summaries whole, or, only when the prompt would not fit
    `limit_tokens`, each summary cut to the same length so that it does."""
    files = list(candidates)
    if limit_tokens is None or approximate_tokens(_prompt(instance, files, target_tokens)) <= limit_tokens:
        return files
    longest = max((len(file.summary) for file in files), default=0)
    cut = files
    while longest > MIN_SUMMARY_CHARS:
        longest = max(MIN_SUMMARY_CHARS, int(longest * 0.8))
        cut = [
            f.model_copy(update={"summary": f.summary[:longest] + " [...]"})
            if len(f.summary) > longest
            else f
            for f in files
        ]
        if approximate_tokens(_prompt(instance, cut, target_tokens)) <= limit_tokens:
            return cut
    return cut


async def _retry(model: Model, messages: list[Message], purpose: Purpose, reply: str, error: str) -> str:
    retry = [
        *messages,
        {"role": "assistant", "content": reply},
        {"role": "user", "content": f"Format error: {error}\nAnswer again, ending with the ```json list."},
    ]
    request = ModelRequest(messages=tuple(retry), purpose=purpose.model_copy(update={"turn": 1}))
    return (await model.complete(request)).choices[0]


async def rank_files(
    instance: Instance,
    candidates: Sequence[ContextFile],
    model: Model,
    *,
    target_tokens: int,
    rankings: int = 1,
    temperature: float = 0.7,
    limit_tokens: int | None = None,
) -> RankingOutcome:
    """Ask for `rankings` orderings in one request; each bad one is retried once; merged by rank fusion.

    Summaries are shown whole unless the prompt would exceed `limit_tokens` (the primary window's room).
    """
    shown = fit_summaries(instance, candidates, target_tokens, limit_tokens)
    prompt = _prompt(instance, shown, target_tokens)
    messages: list[Message] = [{"role": "user", "content": prompt}]
    purpose = Purpose(stage="ranking", instance_id=instance.instance_id)
    request = ModelRequest(
        messages=tuple(messages),
        purpose=purpose,
        n=rankings,
        temperature=temperature if rankings > 1 else 0.0,
    )
    replies = (await model.complete(request)).choices

    async def parsed(sample: int, reply: str) -> tuple[list[str] | None, str, int]:
        try:
            return parse_ranking(reply), "", 0
        except FormatError as err:
            again = await _retry(model, messages, purpose.for_sample(sample), reply, str(err))
        try:
            return parse_ranking(again), "", 1
        except FormatError as err:
            return None, str(err), 1

    results = await asyncio.gather(*(parsed(i, reply) for i, reply in enumerate(replies)))
    good = [paths for paths, _, _ in results if paths is not None]
    order, invented = merge_rankings(good, [file.path for file in candidates])
    return RankingOutcome(
        order=tuple(order),
        parsed=len(good),
        invented=tuple(invented),
        errors=tuple(error for _, error, _ in results if error),
        calls=1 + sum(retries for _, _, retries in results),
    )

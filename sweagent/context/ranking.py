"""Ranking: the primary model orders the relevant files; several rankings are merged."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from sweagent.context.assembly import merge_rankings
from sweagent.context.grammar import parse_ranking
from sweagent.context.prompts import prompt_version, render
from sweagent.errors import FormatError
from sweagent.models.protocol import Message, Model, ModelRequest, Purpose
from sweagent.records import ContextFile, Instance

__all__ = ["SUMMARY_CHARS", "TEMPLATES", "RankingOutcome", "rank_files", "ranking_key"]

TEMPLATES = ("ranking",)
SUMMARY_CHARS = 600
"""A summary longer than this is cut in the ranking prompt, which shows every relevant file."""


class RankingOutcome(BaseModel):
    """The merged order and what went wrong on the way."""

    model_config = ConfigDict(frozen=True, extra="forbid")

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


def _cut(summary: str) -> str:
    return summary if len(summary) <= SUMMARY_CHARS else summary[:SUMMARY_CHARS] + " [...]"


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
) -> RankingOutcome:
    """Ask for `rankings` orderings in one request; each bad one is retried once; merged by rank fusion."""
    shown = [file.model_copy(update={"summary": _cut(file.summary)}) for file in candidates]
    prompt = render("ranking", issue=instance.problem_statement, files=shown, target_tokens=target_tokens)
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

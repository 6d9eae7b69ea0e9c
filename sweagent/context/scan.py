"""The relevance scan: one call per file, all concurrent up to the endpoint's limit, answers cached.

A reply that breaks the grammar is answered once with the parse error; a second bad reply is
recorded as that file's format error. Answers (format errors included) are cached on disk by
(issue, model, prompt version, window; path and content hash), so a re-run makes no model calls.
Endpoint failures are recorded for the file but not cached: a later run asks again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence
from typing import Literal

from sweagent.context.cache import AnswerCache
from sweagent.context.grammar import parse_relevance
from sweagent.context.prompts import prompt_version, render
from sweagent.context.skeleton import fit_to_window, skeleton
from sweagent.errors import FormatError, InfrastructureUnavailable, ModelError
from sweagent.models.protocol import Message, Model, ModelRequest, Purpose
from sweagent.records import Instance, Record

__all__ = ["CHARS_PER_TOKEN", "FileJudgement", "ScanInput", "relevance_scan", "scan_scope", "shown_text"]

CHARS_PER_TOKEN = 4
"""Used only to cut a skeleton or a file head to the window."""
TEMPLATES = ("relevance_system", "relevance")

Shown = Literal["content", "skeleton", "truncated"]


class ScanInput(Record):
    """One file to judge."""

    path: str
    text: str
    sha256: str
    tokens: int


class FileJudgement(Record):
    """What the scan concluded about one file."""

    path: str
    tokens: int
    shown: Shown
    """What the relevance model read: the file, its skeleton, or its head."""
    relevant: bool | None
    """None when no answer could be parsed or the endpoint failed."""
    summary: str = ""
    error: str = ""
    """The format error of the second reply, or the endpoint failure."""
    calls: int = 0
    """Model calls this run made for the file (0 when the answer came from the cache)."""
    cached: bool = False


def shown_text(path: str, text: str, tokens: int, window_tokens: int) -> tuple[Shown, str]:
    """What the relevance model reads: the file if it fits the window, else its skeleton, else its head."""
    if tokens <= window_tokens:
        return "content", text
    limit = window_tokens * CHARS_PER_TOKEN
    outline = skeleton(path, text)
    if outline is not None and outline.strip():
        return "skeleton", fit_to_window(outline, limit)
    return "truncated", fit_to_window(text, limit)


def scan_scope(instance: Instance, model: str, version: str, window: int) -> str:
    """The cache shard of one instance's scan: the issue, the model, the prompt version and the window."""
    issue = hashlib.sha256(instance.problem_statement.encode("utf-8")).hexdigest()
    parts = ["relevance", instance.instance_id, issue, model, version, window]
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()


async def _judge(
    model: Model, instance: Instance, item: ScanInput, window: int, system: str
) -> FileJudgement:
    shown, content = shown_text(item.path, item.text, item.tokens, window)
    messages: list[Message] = [
        {"role": "system", "content": system},
        {
            "role": "user",
            "content": render(
                "relevance", issue=instance.problem_statement, path=item.path, shown=shown, content=content
            ),
        },
    ]
    purpose = Purpose(stage="relevance", instance_id=instance.instance_id, file=item.path)
    error = ""
    for attempt in range(2):
        request = ModelRequest(messages=tuple(messages), purpose=purpose.model_copy(update={"turn": attempt}))
        reply = (await model.complete(request)).choices[0]
        try:
            verdict = parse_relevance(reply)
        except FormatError as err:
            error = str(err)
            messages += [
                {"role": "assistant", "content": reply},
                {"role": "user", "content": f"Format error: {error}\nAnswer again, ending as instructed."},
            ]
            continue
        return FileJudgement(
            path=item.path,
            tokens=item.tokens,
            shown=shown,
            relevant=verdict.relevant,
            summary=verdict.summary,
            calls=attempt + 1,
        )
    return FileJudgement(
        path=item.path, tokens=item.tokens, shown=shown, relevant=None, error=f"format: {error}", calls=2
    )


async def relevance_scan(
    instance: Instance,
    items: Sequence[ScanInput],
    model: Model,
    *,
    concurrency: int,
    window_tokens: int,
    cache: AnswerCache,
) -> list[FileJudgement]:
    """Judge every file, `concurrency` calls in flight at most; results in the order of `items`."""
    scope = scan_scope(instance, model.name, prompt_version(*TEMPLATES), window_tokens)
    system = render("relevance_system")
    limit = asyncio.Semaphore(concurrency)

    async def one(item: ScanInput) -> FileJudgement:
        key = f"{item.path}@{item.sha256}"
        hit = cache.get(scope, key, FileJudgement)
        if hit is not None:
            return hit.model_copy(update={"calls": 0, "cached": True})
        async with limit:
            try:
                judgement = await _judge(model, instance, item, window_tokens, system)
            except InfrastructureUnavailable:
                raise
            except ModelError as err:
                shown, _ = shown_text(item.path, item.text, item.tokens, window_tokens)
                return FileJudgement(
                    path=item.path, tokens=item.tokens, shown=shown, relevant=None, error=f"model: {err}"
                )
        cache.put(scope, key, judgement)
        return judgement

    try:
        results = await asyncio.gather(*(one(item) for item in items), return_exceptions=True)
    finally:
        cache.flush()
    for result in results:
        if isinstance(result, BaseException):
            # A spent budget or a bug: every call has finished, so nothing is left running.
            raise result
    return [r for r in results if isinstance(r, FileJudgement)]

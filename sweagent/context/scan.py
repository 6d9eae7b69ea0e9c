"""The relevance scan: one call per file, all concurrent up to the endpoint's limit, answers cached.

A reply that breaks the grammar is answered once with the parse error; a second bad reply is
recorded as that file's format error. Answers (format errors included) are cached on disk by
(issue, path, file content hash, model, prompt version, window), so a re-run makes no model calls.
Endpoint failures are recorded for the file but not cached: a later run asks again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from sweagent.context.grammar import parse_relevance
from sweagent.context.prompts import prompt_version, render
from sweagent.context.skeleton import fit_to_window, skeleton
from sweagent.errors import FormatError, ModelError
from sweagent.models.protocol import Message, Model, ModelRequest, Purpose
from sweagent.records import Instance
from sweagent.store import atomic_write_text

__all__ = ["CHARS_PER_TOKEN", "FileJudgement", "RelevanceCache", "ScanInput", "relevance_scan", "shown_text"]

CHARS_PER_TOKEN = 4
"""Used only to cut a skeleton or a file head to the window."""
TEMPLATES = ("relevance_system", "relevance")
REPLY_TOKENS = 1024

Shown = Literal["content", "skeleton", "truncated"]
R = TypeVar("R", bound=BaseModel)


class ScanInput(BaseModel):
    """One file to judge."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    text: str
    sha256: str
    tokens: int


class FileJudgement(BaseModel):
    """What the scan concluded about one file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

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


class RelevanceCache:
    """One JSON file per answer under `root`, keyed by a hash of everything the answer depends on.

    It holds relevance judgements and rankings (see `sweagent.context.ranking.ranking_key`).
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    @staticmethod
    def key(instance: Instance, item: ScanInput, model: str, version: str, window: int) -> str:
        issue = hashlib.sha256(instance.problem_statement.encode("utf-8")).hexdigest()
        parts = [instance.instance_id, issue, item.path, item.sha256, model, version, str(window)]
        return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str, record_type: type[R] = FileJudgement) -> R | None:  # type: ignore[assignment]
        """The cached answer, or None when absent or unreadable (then the model is asked again)."""
        path = self._path(key)
        try:
            return record_type.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValidationError):
            return None

    def put(self, key: str, answer: BaseModel) -> None:
        atomic_write_text(self._path(key), answer.model_dump_json() + "\n")


async def _judge(model: Model, instance: Instance, item: ScanInput, window: int) -> FileJudgement:
    shown, content = shown_text(item.path, item.text, item.tokens, window)
    messages: list[Message] = [
        {"role": "system", "content": render("relevance_system")},
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
    cache: RelevanceCache,
) -> list[FileJudgement]:
    """Judge every file, `concurrency` calls in flight at most; results in the order of `items`."""
    version = prompt_version(*TEMPLATES)
    limit = asyncio.Semaphore(concurrency)

    async def one(item: ScanInput) -> FileJudgement:
        key = cache.key(instance, item, model.name, version, window_tokens)
        hit = cache.get(key)
        if hit is not None:
            return hit.model_copy(update={"calls": 0, "cached": True})
        async with limit:
            try:
                judgement = await _judge(model, instance, item, window_tokens)
            except ModelError as err:
                shown, _ = shown_text(item.path, item.text, item.tokens, window_tokens)
                return FileJudgement(
                    path=item.path, tokens=item.tokens, shown=shown, relevant=None, error=f"model: {err}"
                )
        cache.put(key, judgement)
        return judgement

    results = await asyncio.gather(*(one(item) for item in items), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            # A spent budget or a bug: every call has finished, so nothing is left running.
            raise result
    return [r for r in results if isinstance(r, FileJudgement)]

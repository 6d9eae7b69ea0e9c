"""The context stage's answer cache: relevance judgements and rankings, kept on disk across runs.

Answers are grouped in shards, one JSON-lines file per scope (an issue, a model, a prompt version),
so a scan of thousands of files opens one file to read and appends in batches instead of creating a
file per answer. A torn or foreign line is skipped on reading; the answer it held is asked again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

__all__ = ["FLUSH_EVERY", "AnswerCache"]

FLUSH_EVERY = 64
"""Answers held in memory before they are appended to their shard; a crash loses at most these."""

R = TypeVar("R", bound=BaseModel)


class AnswerCache:
    """Answers by (scope, key) under `root`; `flush()` after a batch (the scan does, in `finally`)."""

    def __init__(self, root: Path, flush_every: int = FLUSH_EVERY) -> None:
        self.root = root
        self.flush_every = flush_every
        self._shards: dict[str, dict[str, object]] = {}
        self._pending: dict[str, list[str]] = {}

    def _file(self, scope: str) -> Path:
        return self.root / scope[:2] / f"{scope}.jsonl"

    def _shard(self, scope: str) -> dict[str, object]:
        shard = self._shards.get(scope)
        if shard is None:
            shard = self._shards[scope] = {}
            try:
                lines = self._file(scope).read_text(encoding="utf-8").splitlines()
            except OSError:
                lines = []
            for line in lines:
                try:
                    entry = json.loads(line)
                    shard[str(entry["key"])] = entry["answer"]
                except (ValueError, KeyError, TypeError):
                    continue
        return shard

    def get(self, scope: str, key: str, record_type: type[R]) -> R | None:
        """The cached answer, or None when absent or unreadable (then the model is asked again)."""
        raw = self._shard(scope).get(key)
        if raw is None:
            return None
        try:
            return record_type.model_validate(raw)
        except ValidationError:
            return None

    def put(self, scope: str, key: str, answer: BaseModel) -> None:
        data = answer.model_dump(mode="json")
        self._shard(scope)[key] = data
        pending = self._pending.setdefault(scope, [])
        pending.append(json.dumps({"key": key, "answer": data}) + "\n")
        if len(pending) >= self.flush_every:
            self.flush()

    def flush(self) -> None:
        """Append every pending answer to its shard."""
        for scope, lines in list(self._pending.items()):
            path = self._file(scope)
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("a", encoding="utf-8") as handle:
                handle.write("".join(lines))
            del self._pending[scope]

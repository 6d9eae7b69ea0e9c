"""The `Model` protocol and the records a model call takes and returns."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from pydantic import Field

from sweagent.records import Record, Usage

__all__ = ["Message", "Model", "ModelRequest", "ModelResponse", "Purpose"]

Message = dict[str, str]
"""One chat message: `{"role": "system" | "user" | "assistant", "content": ...}`."""


class Purpose(Record):
    """Why a call is made: drives usage accounting, logs, scripted policies and replay."""

    stage: str
    """`relevance`, `ranking`, `testing`, `editing` or `selection` (other names are accepted)."""
    instance_id: str = ""
    """The instance the call works on; empty for calls outside any instance (doctor, bench)."""
    sample: int = Field(default=0, ge=0)
    """Index of the trajectory among the parallel samples; the first of `n` for a multi-sample call."""
    turn: int = Field(default=0, ge=0)
    """Index of the turn inside the trajectory, from 0."""
    file: str | None = None
    """The file judged, for the relevance scan."""

    def for_sample(self, offset: int) -> Purpose:
        """The purpose of the `offset`-th choice of a multi-sample call."""
        return self.model_copy(update={"sample": self.sample + offset})


class ModelRequest(Record):
    """One chat-completion call; `n` > 1 asks for independent samples of the same prompt."""

    messages: tuple[Message, ...]
    """The conversation sent, oldest first."""
    purpose: Purpose
    """Why the call is made."""
    n: int = Field(default=1, ge=1)
    """Independent samples wanted (the first turn of parallel trajectories)."""
    temperature: float = Field(default=0.0, ge=0)
    """Sampling temperature."""
    max_tokens: int | None = Field(default=None, ge=1)
    """Completion tokens per sample; None leaves the model's configured default."""
    stop: tuple[str, ...] = ()
    """Stop sequences."""


class ModelResponse(Record):
    """The `n` sampled texts, in sample order, and what producing them cost."""

    choices: tuple[str, ...]
    """One text per requested sample."""
    usage: Usage = Usage()
    """Tokens, calls and seconds of this call (retries included in the seconds, not in the calls)."""
    finish_reasons: tuple[str | None, ...] = ()
    """Per choice, why generation stopped (`stop`, `length`), when the model says so."""


@runtime_checkable
class Model(Protocol):
    """Anything that answers chat requests; implementations do not inherit this class."""

    name: str
    """The model name, as priced in `models.prices` and written to usage.json."""

    async def complete(self, request: ModelRequest) -> ModelResponse:
        """Return exactly `request.n` choices, or raise a `ModelError` leaf."""
        ...

    async def close(self) -> None:
        """Release connections; safe to call twice."""
        ...

"""Context windows: where each model's comes from, and the budgets a run derives from them.

A window is `models.<role>.context_window` when set, else what the server reports (vLLM's
`GET /v1/models` lists `max_model_len`), else unknown. From the primary model's window comes the
context budget: the window minus the reply (`max_tokens`), the instructions and the issue
(`context.prompt_reserve_tokens`), room for a trajectory's turns and a margin for tokenizers that
count differently. From the relevance model's window comes the size of a file it reads whole. A
config that cannot fit is refused by `run` before any work starts and flagged by `doctor`.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from typing import Literal

from sweagent.config import DEFAULT_BUDGET_TOKENS, ModelConfig, RunConfig
from sweagent.records import Record

__all__ = [
    "MIN_BUDGET_TOKENS",
    "WINDOW_KEYS",
    "RoleWindow",
    "WindowPlan",
    "apply_plan",
    "derive_plan",
    "look_up_window",
    "margin_tokens",
    "plan_run",
    "served_window",
    "turn_room_tokens",
]

WINDOW_KEYS = ("max_model_len", "context_window", "context_length")
"""Keys of a `/v1/models` entry that give the window (vLLM, then other OpenAI-compatible servers)."""
MIN_BUDGET_TOKENS = 1024
"""A derived context budget below this holds no useful source file: the config is refused."""
MIN_FILE_TOKENS = 256
TURN_SLACK_TOKENS = 1024
"""Room for the one-line summaries of trimmed turns and the current diff."""


class RoleWindow(Record):
    """One model's window and where it was learned."""

    role: str
    model: str
    window: int | None
    source: Literal["config", "server", "unknown"]
    detail: str = ""


class WindowPlan(Record):
    """The windows of a run and the budgets they imply; `problems` says why a config cannot fit."""

    primary: RoleWindow
    relevance: RoleWindow
    budget_tokens: int
    """The context budget in force."""
    budget_source: Literal["config", "derived", "default"]
    file_tokens: int
    """Tokens of a file the relevance model reads whole."""
    problems: tuple[str, ...] = ()

    @property
    def fits(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        """One line for the console and run.log."""
        windows = ", ".join(
            f"{w.role} {w.window if w.window is not None else 'unknown'} ({w.source})"
            for w in (self.primary, self.relevance)
        )
        return (
            f"context windows: {windows}; context budget {self.budget_tokens} ({self.budget_source}); "
            f"relevance reads files up to {self.file_tokens} tokens whole"
        )


def served_window(base_url: str, model: str, timeout: float = 5.0) -> int | None:
    """The window `GET {base_url}/models` reports for `model` (or its only entry); None if none."""
    request = urllib.request.Request(base_url.rstrip("/") + "/models")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data = json.loads(response.read())
    entries = [e for e in data.get("data", []) if isinstance(e, dict)] if isinstance(data, dict) else []
    named = [e for e in entries if e.get("id") == model] or (entries if len(entries) == 1 else [])
    for entry in named:
        for key in WINDOW_KEYS:
            value = entry.get(key)
            if isinstance(value, int) and value > 0:
                return value
    return None


async def look_up_window(role: str, config: ModelConfig) -> RoleWindow:
    """The configured window, else the server's, else unknown (with the reason)."""
    base = {"role": role, "model": config.name}
    if config.context_window is not None:
        return RoleWindow(**base, window=config.context_window, source="config")
    if not config.base_url or config.name.startswith(("scripted:", "replay:")):
        return RoleWindow(**base, window=None, source="unknown", detail="no endpoint to ask")
    try:
        window = await asyncio.to_thread(served_window, config.base_url, config.name)
    except (OSError, ValueError) as err:
        return RoleWindow(**base, window=None, source="unknown", detail=f"/models failed: {err}")
    if window is None:
        detail = f"the server reports no {' / '.join(WINDOW_KEYS)}; set models.{role}.context_window"
        return RoleWindow(**base, window=None, source="unknown", detail=detail)
    return RoleWindow(**base, window=window, source="server")


def margin_tokens(window: int) -> int:
    """Kept free because the server's tokenizer may count more tokens than our estimate."""
    return window // 10


def turn_room_tokens(config: RunConfig) -> int:
    """The least a trajectory's turns need: the last reply, the latest outputs (original and edited
    code) and the one-line summaries of earlier turns."""
    observations = config.generation.observation_chars // 2  # two outputs of ~4 characters a token
    return config.models.primary.max_tokens + observations + TURN_SLACK_TOKENS


def derive_plan(config: RunConfig, primary: RoleWindow, relevance: RoleWindow) -> WindowPlan:
    """The budgets implied by the windows, and what cannot fit."""
    context, problems = config.context, []
    budget, source = context.budget(), "config" if context.budget_tokens is not None else "default"
    if primary.window is not None:
        window, reply = primary.window, config.models.primary.max_tokens
        turns, margin = turn_room_tokens(config), margin_tokens(primary.window)
        room = min(window - reply - context.prompt_reserve_tokens - turns - margin, DEFAULT_BUDGET_TOKENS)
        parts = (
            f"window {window} - reply {reply} (models.primary.max_tokens) - instructions and issue "
            f"{context.prompt_reserve_tokens} (context.prompt_reserve_tokens) - turns {turns} - "
            f"margin {margin}"
        )
        if context.budget_tokens is None:
            budget, source = room, "derived"
            if room < MIN_BUDGET_TOKENS:
                problems.append(
                    f"models.primary ({primary.model}) cannot fit: {parts} leaves {room} tokens of context "
                    f"(at least {MIN_BUDGET_TOKENS} needed); lower models.primary.max_tokens or "
                    "generation.observation_chars, or serve the model with a longer window"
                )
        elif context.budget_tokens > room:
            problems.append(
                f"context.budget_tokens={context.budget_tokens} does not fit models.primary "
                f"({primary.model}): {parts} leaves {room}; lower it or leave it unset to derive it"
            )
    file_tokens = context.window_tokens
    if relevance.window is not None and context.provider == "relevance":
        reply = config.models.relevance.max_tokens
        room = relevance.window - reply - context.prompt_reserve_tokens - margin_tokens(relevance.window)
        file_tokens = min(file_tokens, room)
        if room < MIN_FILE_TOKENS:
            problems.append(
                f"models.relevance ({relevance.model}) cannot fit: window {relevance.window} - reply "
                f"{reply} (models.relevance.max_tokens) - instructions and issue "
                f"{context.prompt_reserve_tokens} leaves {room} tokens for a file; lower "
                "models.relevance.max_tokens or serve a longer window"
            )
    return WindowPlan(
        primary=primary,
        relevance=relevance,
        budget_tokens=max(budget, 0),
        budget_source=source,
        file_tokens=max(file_tokens, MIN_FILE_TOKENS),
        problems=tuple(problems),
    )


async def plan_run(config: RunConfig) -> WindowPlan:
    """Look up both windows and derive the plan."""
    primary, relevance = await asyncio.gather(
        look_up_window("primary", config.models.primary),
        look_up_window("relevance", config.models.relevance),
    )
    return derive_plan(config, primary, relevance)


def apply_plan(config: RunConfig, plan: WindowPlan) -> RunConfig:
    """The config the stages work with: the budgets in force and the windows learned."""
    resolved = config.model_copy(deep=True)
    resolved.context.budget_tokens = plan.budget_tokens
    resolved.context.window_tokens = plan.file_tokens
    resolved.models.primary.context_window = plan.primary.window
    resolved.models.relevance.context_window = plan.relevance.window
    return resolved

"""Windows are learned from the config or the server, and the budgets derived from them fit."""

from __future__ import annotations

import asyncio

from sweagent.config import RunConfig, load_config
from sweagent.models.loopback import LoopbackChatServer
from sweagent.models.window import (
    MIN_BUDGET_TOKENS,
    RoleWindow,
    apply_plan,
    derive_plan,
    look_up_window,
    plan_run,
    served_window,
)
from sweagent.models.window_server import WindowedChatServer


def windows(primary: int | None, relevance: int | None = None) -> tuple[RoleWindow, RoleWindow]:
    def role(name: str, window: int | None) -> RoleWindow:
        return RoleWindow(role=name, model="m", window=window, source="config" if window else "unknown")

    return role("primary", primary), role("relevance", relevance)


def never(messages: list[dict[str, str]], purpose: object) -> str:
    return "<done/>"


def test_a_32k_window_derives_a_budget_that_leaves_room_for_reply_prompt_and_turns() -> None:
    config = RunConfig()
    plan = derive_plan(config, *windows(32_768, 32_768))
    assert plan.fits, plan.problems
    assert plan.budget_source == "derived"
    assert MIN_BUDGET_TOKENS <= plan.budget_tokens < 32_768 - config.models.primary.max_tokens - 8_000
    assert plan.file_tokens < 32_768 - config.models.relevance.max_tokens
    resolved = apply_plan(config, plan)
    assert resolved.context.budget_tokens == plan.budget_tokens
    assert resolved.models.primary.context_window == 32_768
    assert config.context.budget_tokens is None  # the stored config still derives it


def test_an_8k_window_with_4k_replies_cannot_fit_and_says_what_to_change() -> None:
    plan = derive_plan(RunConfig(), *windows(8_192))
    assert not plan.fits
    assert "models.primary" in plan.problems[0]
    assert "max_tokens" in plan.problems[0]


def test_a_fixed_budget_is_checked_against_the_window() -> None:
    config = load_config(overrides=["context.budget_tokens=120000"])
    plan = derive_plan(config, *windows(32_768))
    assert not plan.fits
    assert "context.budget_tokens=120000" in plan.problems[0]
    assert derive_plan(config, *windows(None)).fits  # no window known: nothing to check against


def test_no_window_known_keeps_the_default_budget_and_file_size() -> None:
    plan = derive_plan(RunConfig(), *windows(None))
    assert (plan.budget_tokens, plan.budget_source, plan.file_tokens) == (120_000, "default", 100_000)


def test_the_window_comes_from_the_server_unless_the_config_sets_it() -> None:
    with WindowedChatServer(32_768, never, model="served") as server:
        assert served_window(server.url, "served") == 32_768
        config = load_config(
            overrides=["models.primary.name=served", f"models.primary.base_url={server.url}"]
        )
        assert asyncio.run(look_up_window("primary", config.models.primary)).source == "server"
        config.models.primary.context_window = 16_384
        assert asyncio.run(look_up_window("primary", config.models.primary)).window == 16_384
        plan = asyncio.run(plan_run(config))
        assert plan.primary.window == 16_384
        assert plan.relevance.source == "unknown"  # the scripted default has no endpoint
    with LoopbackChatServer() as plain:
        assert served_window(plain.url, "loopback") is None

"""The grammar goes into the request body only where the endpoint supports it.

A real loopback server plays llama.cpp, vLLM (new and old) or an unknown server, and records the
request bodies it receives.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import pytest

from sweagent.models.guidance import Guidance
from sweagent.models.loopback import LoopbackChatServer
from sweagent.models.openai_compat import OpenAICompatModel
from sweagent.models.protocol import ModelRequest, Purpose


def ask(stage: str, turn: int = 1) -> ModelRequest:
    return ModelRequest(
        messages=({"role": "user", "content": "fix it"},),
        purpose=Purpose(stage=stage, turn=turn),
        max_tokens=256,
    )


def bodies(server: LoopbackChatServer, guidance: Guidance | None, *stages: str) -> list[dict[str, Any]]:
    async def run() -> None:
        model = OpenAICompatModel("m", [server.url], timeout=5.0, transport="aiohttp", guidance=guidance)
        try:
            await asyncio.gather(*(model.complete(ask(stage)) for stage in stages))
        finally:
            await model.close()

    asyncio.run(run())
    return server.bodies


def test_llama_cpp_gets_a_gbnf_grammar() -> None:
    with LoopbackChatServer(owned_by="me") as server:
        [body] = bodies(server, Guidance(), "editing")
    assert body["grammar"].startswith("root ::= ")
    assert "<edit>" in body["grammar"]
    assert "structured_outputs" not in body


def test_vllm_gets_structured_outputs_with_a_regex() -> None:
    with LoopbackChatServer(owned_by="vllm", version="0.11.2") as server:
        [body] = bodies(server, Guidance(), "testing")
    pattern = body["structured_outputs"]["regex"]
    assert re.fullmatch(pattern, "<done/>")
    assert not re.fullmatch(pattern, "no action")
    assert "grammar" not in body


def test_vllm_before_0_11_gets_guided_regex() -> None:
    with LoopbackChatServer(owned_by="vllm", version="0.8.5") as server:
        [body] = bodies(server, Guidance(), "selection")
    assert re.fullmatch(body["guided_regex"], "<choose>abc123</choose>")
    assert "structured_outputs" not in body


def test_unknown_server_gets_no_field_and_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="sweagent.models.guidance")
    with LoopbackChatServer(owned_by="openai") as server:
        sent = bodies(server, Guidance(), "testing", "editing", "testing")
    assert len(sent) == 3
    assert all(set(body) == {"model", "messages", "temperature", "max_tokens"} for body in sent)
    assert len([r for r in caplog.records if "not guided" in r.getMessage()]) == 1


def test_guidance_off_sends_nothing_even_to_llama_cpp() -> None:
    with LoopbackChatServer(owned_by="me") as server:
        [body] = bodies(server, None, "editing")
    assert "grammar" not in body


def test_stages_without_a_grammar_are_not_guided() -> None:
    with LoopbackChatServer(owned_by="me") as server:
        [body] = bodies(server, Guidance(), "doctor")
    assert "grammar" not in body


def test_a_named_backend_is_not_asked_for() -> None:
    with LoopbackChatServer(owned_by="openai") as server:
        [body] = bodies(server, Guidance("llamacpp"), "testing")
    assert "grammar" in body


def test_the_first_turn_cannot_approve_what_does_not_exist_yet() -> None:
    async def run(server: LoopbackChatServer) -> None:
        model = OpenAICompatModel("m", [server.url], timeout=5.0, guidance=Guidance("vllm"))
        try:
            await model.complete(ask("testing", turn=0))
            await model.complete(ask("testing", turn=1))
        finally:
            await model.close()

    with LoopbackChatServer(owned_by="vllm") as server:
        asyncio.run(run(server))
    first, later = (body["structured_outputs"]["regex"] for body in server.bodies)
    assert not re.fullmatch(first, "<done/>")
    assert re.fullmatch(first, "<test>print(1)</test>")
    assert re.fullmatch(later, "<done/>")

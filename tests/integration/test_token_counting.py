"""Token counts come from the endpoint's `/tokenize` (vLLM) when it answers, else the stated approximation."""

from __future__ import annotations

import asyncio

from aiohttp import web

from sweagent.context.tokens import APPROXIMATION, VllmTokenizeCounter, token_counter_for
from sweagent.models.loopback import LoopbackChatServer


async def _with_tokenize_server() -> tuple[str, list[int], list[dict[str, str]]]:
    seen: list[dict[str, str]] = []

    async def tokenize(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append(body)
        # A stand-in tokenizer: one token per whitespace-separated word.
        return web.json_response({"count": len(body["prompt"].split()), "max_model_len": 4096})

    app = web.Application()
    app.router.add_post("/tokenize", tokenize)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        counter = await token_counter_for(f"http://127.0.0.1:{port}/v1", "small-model")
        try:
            counts = await counter.count(["one two three", "", "a b"])
            method = counter.method
        finally:
            await counter.close()
    finally:
        await runner.cleanup()
    return method, counts, seen


def test_a_vllm_style_tokenize_endpoint_counts_the_tokens() -> None:
    method, counts, seen = asyncio.run(_with_tokenize_server())
    assert isinstance(method, str)
    assert method.startswith("tokenizer of small-model via http://127.0.0.1:")
    assert counts == [3, 0, 2]
    assert seen[0] == {"model": "small-model", "prompt": "probe"}


def test_an_endpoint_without_tokenize_gives_the_stated_approximation(loopback: LoopbackChatServer) -> None:
    async def probe() -> tuple[str, list[int]]:
        counter = await token_counter_for(loopback.url, "m")
        try:
            return counter.method, await counter.count(["x" * 10])
        finally:
            await counter.close()

    assert asyncio.run(probe()) == (APPROXIMATION, [3])


def test_no_endpoint_means_the_approximation_without_any_request() -> None:
    async def probe() -> str:
        counter = await token_counter_for(None, "scripted:builtin")
        return counter.method

    assert asyncio.run(probe()) == APPROXIMATION


def test_the_tokenize_url_sits_next_to_v1() -> None:
    assert VllmTokenizeCounter("http://h:8000/v1/", "m").url == "http://h:8000/tokenize"
    assert VllmTokenizeCounter("http://h:8000", "m").url == "http://h:8000/tokenize"

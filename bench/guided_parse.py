"""How many of the tiny model's replies parse, without and with guided decoding, side by side.

Starts the packaged gemma-3-270m with `sweagent serve llamacpp`'s command on a loopback port, builds
the first testing and editing prompts of a few swe-mini instances exactly as the quickstart's
generation stage does (BM25 context at the quickstart's 2,000-token budget, the real instruction
and task templates; the editing trajectory is seeded with a reproduction test, as after a testing
trajectory), and asks for `--samples` replies per stage and instance, first unguided, then with
`models.primary.guided` (the llama.cpp GBNF grammar). A reply counts when the stage's parser
accepts it. The last line is the guided parse rate over the unguided one.

    PYTHONPATH=. python bench/guided_parse.py [--samples 4] [--max-tokens 512]

Needs the `local` extra (llama-cpp-python and the GGUF package); not run in CI.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import tempfile
import time
from collections import Counter
from pathlib import Path

import prompts
from sweagent.agent.actions import parse_reply
from sweagent.config import RunConfig
from sweagent.context.providers import Bm25Provider
from sweagent.context.tokens import ApproximateCounter
from sweagent.datasets import checkout_instance, load_dataset
from sweagent.errors import FormatError
from sweagent.generation.stage import generation_prompt
from sweagent.models.guidance import Guidance
from sweagent.models.openai_compat import OpenAICompatModel
from sweagent.models.policies.gold import reproduction_script
from sweagent.models.prompt_layout import layout_messages
from sweagent.models.protocol import Message, ModelRequest, Purpose
from sweagent.models.serve import Launch, default_gguf, llamacpp_command, running_server
from sweagent.records import Instance

STAGES = ("testing", "editing")
ITERATIONS = 2
"""The quickstart's `--iterations`, as the task templates state it."""


async def _prompts(instance: Instance) -> dict[str, list[Message]]:
    """The first prompt of a testing and of an editing trajectory of `instance`."""
    config = RunConfig()
    config.context.budget_tokens = 2000
    provider = Bm25Provider(config.context, ApproximateCounter())
    with tempfile.TemporaryDirectory(prefix="bench-guided-") as tmp:
        repo = Path(tmp) / "repo"
        await asyncio.to_thread(checkout_instance, instance, repo)
        context = await provider.provide(instance, repo)
        files = [
            (f.path, (repo / f.path).read_text(encoding="utf-8", errors="replace")) for f in context.files
        ]
    shared = generation_prompt(instance, files, workdir="/testbed", script_command="python3")
    testing = prompts.render("testing/task", attempts=ITERATIONS)
    editing = prompts.render("editing/task", iterations=ITERATIONS, script=reproduction_script(instance))
    return {"testing": layout_messages(shared, testing, []), "editing": layout_messages(shared, editing, [])}


def _parses(stage: str, text: str) -> tuple[str, str]:
    """("ok", the action's kind) or (why the parser refused it, "")."""
    try:
        action = parse_reply(stage, text)
    except FormatError as err:
        return str(err).split(";")[0][:60], ""
    return "ok", action.kind


async def _measure(
    url: str, name: str, guided: bool, cases: dict[str, dict[str, list[Message]]], args: argparse.Namespace
) -> dict[str, Counter[str]]:
    guidance = Guidance("llamacpp") if guided else None
    model = OpenAICompatModel(name, [url], max_tokens=args.max_tokens, timeout=900.0, guidance=guidance)
    outcomes: dict[str, Counter[str]] = {key: Counter() for s in STAGES for key in (s, f"{s} actions")}
    try:
        for stage in STAGES:
            for instance_id, by_stage in cases.items():
                for sample in range(args.samples):
                    request = ModelRequest(
                        messages=tuple(by_stage[stage]),
                        purpose=Purpose(stage=stage, instance_id=instance_id, sample=sample),
                        temperature=0.5,
                    )
                    started = time.monotonic()
                    response = await model.complete(request)
                    verdict, kind = _parses(stage, response.choices[0])
                    outcomes[stage][verdict] += 1
                    outcomes[f"{stage} actions"][kind or "unparsed"] += 1
                    finish = response.finish_reasons[0] if response.finish_reasons else "?"
                    mode = "guided" if guided else "unguided"
                    print(
                        f"  {mode} {stage} {instance_id} #{sample}: {verdict} {kind} "
                        f"({response.usage.completion_tokens} tokens, {finish}, "
                        f"{time.monotonic() - started:.1f}s): ...{response.choices[0][-160:]!r}",
                        flush=True,
                    )
    finally:
        await model.close()
    return outcomes


def _rate(outcomes: dict[str, Counter[str]], stage: str | None = None) -> tuple[int, int]:
    counters = [outcomes[s] for s in ([stage] if stage else STAGES)]
    return sum(c["ok"] for c in counters), sum(sum(c.values()) for c in counters)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=4, help="replies per stage, instance and mode")
    parser.add_argument(
        "--max-tokens", type=int, default=512, help="the quickstart's models.primary.max_tokens"
    )
    parser.add_argument("--instances", default="pallets__flask-4992,pytest-dev__pytest-7432")
    args = parser.parse_args()
    wanted = args.instances.split(",")
    instances = [i for i in load_dataset("swe-mini").instances if i.instance_id in wanted]
    cases = {i.instance_id: asyncio.run(_prompts(i)) for i in instances}
    port = _free_port()
    url = f"http://127.0.0.1:{port}/v1"
    gguf = default_gguf()
    command = llamacpp_command(gguf, Launch(port, extra=("--verbose", "false")), chat_format="gemma")
    results = {}
    with running_server(command, url, timeout=300):
        for guided in (False, True):
            results[guided] = asyncio.run(_measure(url, str(gguf), guided, cases, args))
    for stage in (*STAGES, None):
        row = []
        for guided in (False, True):
            ok, total = _rate(results[guided], stage)
            row.append(f"{'guided' if guided else 'unguided'} {ok}/{total} ({ok / max(total, 1):.0%})")
        print(f"{stage or 'all'}: " + ", ".join(row))
    for guided in (False, True):
        failures = sum((results[guided][s] for s in STAGES), Counter())
        del failures["ok"]
        actions = {s: dict(results[guided][f"{s} actions"]) for s in STAGES}
        mode = "guided" if guided else "unguided"
        print(f"{mode} failures: {dict(failures.most_common(4))}; actions: {actions}")
    (plain_ok, plain_total), (guided_ok, guided_total) = _rate(results[False]), _rate(results[True])
    plain, guided_rate = plain_ok / max(plain_total, 1), guided_ok / max(guided_total, 1)
    print(
        f"ratio: {guided_rate / plain:.2f}"
        if plain
        else f"ratio: inf (unguided 0%, guided {guided_rate:.0%})"
    )


if __name__ == "__main__":
    main()

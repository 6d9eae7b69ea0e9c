"""Orchestration overhead: many concurrent trajectories against a loopback server with fixed latency.

64 simulated trajectories x 8 turns; each turn is one chat call that takes LATENCY seconds on the
server (a separate process, so the server's threads do not share this process's GIL). With no
overhead the wall time equals the critical path, turns x latency. For each transport (the `openai`
SDK and aiohttp, side by side in one run) it prints wall time, critical path, client CPU
milliseconds per call and the ratio; the last line, `ratio: <wall/critical>`, is the last
transport measured (aiohttp unless `--transports` says otherwise). Target: <= 1.10.

    PYTHONPATH=. python bench/orchestration.py [--trajectories 64] [--turns 8] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from typing import cast

from sweagent.models.openai_compat import OpenAICompatModel
from sweagent.models.prompt_layout import SharedPrompt, layout_messages
from sweagent.models.protocol import Message, ModelRequest, Purpose
from sweagent.models.transports import TransportName


async def trajectory(model: OpenAICompatModel, shared: SharedPrompt, sample: int, turns: int) -> int:
    history: list[Message] = []
    for turn in range(turns):
        messages = layout_messages(shared, f"editing trajectory {sample}", history)
        purpose = Purpose(stage="editing", instance_id="bench", sample=sample, turn=turn)
        response = await model.complete(ModelRequest(messages=tuple(messages), purpose=purpose))
        history += [
            {"role": "assistant", "content": response.choices[0]},
            {"role": "user", "content": f"observation of turn {turn}"},
        ]
    return len(history) // 2


async def run(url: str, trajectories: int, turns: int, transport: TransportName) -> tuple[float, float, int]:
    shared = SharedPrompt(
        instructions="Resolve the issue.",
        issue="parse('') raises IndexError",
        files=(("pkg/parse.py", "def parse(text):\n    return text[0]\n" * 200),),
    )
    model = OpenAICompatModel(
        "bench", [url], max_concurrency=trajectories, timeout=30, retry_seconds=0, transport=transport
    )
    try:
        # Warm up (imports, one connection per trajectory): a long run pays this once, not per turn.
        await asyncio.gather(*(trajectory(model, shared, s, 1) for s in range(trajectories)))
        cpu, wall = time.process_time(), time.perf_counter()
        done = await asyncio.gather(*(trajectory(model, shared, s, turns) for s in range(trajectories)))
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu
    finally:
        await model.close()
    return wall, cpu, sum(done)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trajectories", type=int, default=64)
    parser.add_argument("--turns", type=int, default=8)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--transports", default="openai,aiohttp", help="comma-separated, measured in order")
    args = parser.parse_args()
    critical = args.turns * args.latency
    ratio = 0.0
    server = subprocess.Popen(
        [sys.executable, "-m", "sweagent.models.loopback", "--latency", str(args.latency)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        for transport in args.transports.split(","):
            name = cast(TransportName, transport)
            wall, cpu, calls = asyncio.run(run(url, args.trajectories, args.turns, name))
            ratio = wall / critical
            print(f"[{transport}] trajectories: {args.trajectories}  turns: {args.turns}  calls: {calls}")
            print(f"[{transport}] wall: {wall:.3f} s")
            print(f"[{transport}] critical path: {critical:.3f} s ({args.turns} x {args.latency} s)")
            print(f"[{transport}] client cpu per call: {1000 * cpu / calls:.2f} ms")
            print(f"[{transport}] ratio: {ratio:.3f}")
    finally:
        server.terminate()
        server.wait()
        if server.stdout is not None:
            server.stdout.close()
    print(f"ratio: {ratio:.3f}")


if __name__ == "__main__":
    main()

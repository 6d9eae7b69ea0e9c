"""How much of the editing prompts a prefix cache can serve: the shared-prefix fraction on swe-mini.

For each swe-mini instance, the context is chosen by BM25 at the default budget (no model needed),
and the prompts of 10 editing trajectories are rendered exactly as the editing state machine sends
them, at turns 0, 1 and 2. The per-trajectory parts are what differs between real trajectories:
each is seeded with its own reproduction test and has its own history (the `scripted:gold` TEST
policy's test and edit, varied per sample, and observations of realistic size). The shared-prefix
fraction of each turn's 10 prompts is the part vLLM's prefix cache computes once; the last line
is the fraction over every prompt, in characters (tokens are estimated at 4 characters each, so the
fraction is the same).

    PYTHONPATH=. python bench/prefix_share.py [--trajectories 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
from pathlib import Path

import prompts
from sweagent.agent.observations import describe_run
from sweagent.config import RunConfig
from sweagent.context.providers import Bm25Provider
from sweagent.context.tokens import ApproximateCounter
from sweagent.datasets import checkout_instance, load_dataset
from sweagent.execution.scripts import ScriptRun
from sweagent.generation.stage import generation_prompt
from sweagent.models.policies.gold import edit_blocks, reproduction_script
from sweagent.models.prompt_layout import layout_messages, shared_prefix_fraction
from sweagent.models.protocol import Message
from sweagent.records import Instance

TURNS = 3


def _serialized(messages: list[Message]) -> str:
    return "".join(f"<|{m['role']}|>\n{m['content']}\n" for m in messages)


def _trajectory_prompts(instance: Instance, files: list[tuple[str, str]], sample: int) -> list[list[Message]]:
    """The prompts one editing trajectory sends at turns 0..TURNS-1."""
    shared = generation_prompt(instance, files, workdir="/testbed", script_command="python3")
    seed = f"# reproduction test of sample {sample}\n" + reproduction_script(instance)
    seed_run = ScriptRun(exit_code=2, output=f"sample {sample}: issue present\n" + "trace line\n" * 12)
    task = prompts.render(
        "editing/task", iterations=8, script=seed, seed_output=describe_run(seed_run, 120, 6000)
    )
    history: list[Message] = []
    result = []
    for turn in range(TURNS):
        result.append(layout_messages(shared, task, history))
        reply = f"Attempt {turn} of sample {sample}.\n<edit>\n{edit_blocks(instance.patch or '')}</edit>"
        output = (
            f"sample {sample} turn {turn}: " + "F" * (40 + sample) + "\n" + "log line\n" * (30 + 7 * sample)
        )
        observation = prompts.render(
            "editing/observation",
            patch=instance.patch or "",
            original=f"the test exited with code 2 (issue present). Output:\n```\n{output}```\n",
            edited=f"the test exited with code 0 (fixed). Output:\n```\n{output}```\n",
            remaining=8 - turn - 1,
        )
        history += [{"role": "assistant", "content": reply}, {"role": "user", "content": observation}]
    return result


async def _context_files(instance: Instance, provider: Bm25Provider) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="bench-prefix-") as tmp:
        repo = Path(tmp) / "repo"
        await asyncio.to_thread(checkout_instance, instance, repo)
        context = await provider.provide(instance, repo)
        return [
            (f.path, (repo / f.path).read_text(encoding="utf-8", errors="replace")) for f in context.files
        ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trajectories", type=int, default=10)
    args = parser.parse_args()
    config = RunConfig()
    provider = Bm25Provider(config.context, ApproximateCounter())
    shared_total = all_total = 0.0
    for instance in load_dataset("swe-mini").instances:
        files = asyncio.run(_context_files(instance, provider))
        per_sample = [_trajectory_prompts(instance, files, s) for s in range(args.trajectories)]
        fractions = []
        for turn in range(TURNS):
            texts = [_serialized(per_sample[s][turn]) for s in range(args.trajectories)]
            fraction = shared_prefix_fraction(texts)
            fractions.append(fraction)
            total = sum(len(t) for t in texts)
            shared_total += len(os.path.commonprefix(texts)) * len(texts)
            all_total += total
        print(
            f"{instance.instance_id}: context files {len(files)}, "
            f"prompt ~{len(texts[0]) // 4:,} tokens at turn {TURNS - 1}; shared fraction by turn: "
            + ", ".join(f"{f:.3f}" for f in fractions)
        )
    print(f"shared prefix: {shared_total / 4:,.0f} of {all_total / 4:,.0f} prompt tokens (estimated)")
    print(f"ratio: {shared_total / all_total:.3f}")


if __name__ == "__main__":
    main()

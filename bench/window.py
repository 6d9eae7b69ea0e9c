"""Trajectories in a 32k window with long test outputs: trimming older turns off versus on.

swe-mini runs its context and generate stages twice against one loopback server that enforces a
context window as vLLM does (`sweagent.models.window_server`), with the scripted policy
`long_outputs` (tests printing ~30,000 characters, revised turn after turn): once with
`generation.trim_history=false`, once with it on. It prints the trajectories each run lost to
overflow (`context_exhausted`) and, last, `ratio: <turns completed with trimming / without>`.
Target: no trajectory ends by overflow with trimming on.

    python bench/window.py [--window 32768] [--samples 1] [--iterations 8] [--instances A,B]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sweagent.datasets import load_dataset
from sweagent.models.policies import long_outputs
from sweagent.models.window_server import WindowedChatServer


def run(server: WindowedChatServer, run_dir: Path, trim: bool, args: argparse.Namespace, cache: Path) -> None:
    command = [
        sys.executable, "-m", "sweagent", "run", "--dataset", "swe-mini", "--model", "windowed",
        "--base-url", server.url, "--samples", str(args.samples), "--iterations", str(args.iterations),
        "--stages", "context,generate", "--run-dir", str(run_dir),
        "-o", f"generation.trim_history={str(trim).lower()}", "-o", f"context.cache_dir={cache}",
        "-o", f"context.prefilter_files={args.prefilter}",
    ]  # fmt: skip
    if args.instances:
        command += ["--instances", args.instances]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        sys.exit(f"the run failed ({done.returncode}):\n{done.stderr[-3000:]}")


def tally(run_dir: Path) -> tuple[int, list[str], int]:
    """Turns completed, trajectories ended by overflow, trajectories."""
    turns, overflowed, count = 0, [], 0
    for path in sorted(run_dir.glob("*/trajectories/*.json")):
        trajectory = json.loads(path.read_text())
        count += 1
        turns += len(trajectory["turns"])
        if trajectory["status"] == "context_exhausted":
            overflowed.append(f"{path.parent.parent.name}/{path.stem}")
    return turns, overflowed, count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--window", type=int, default=32_768)
    parser.add_argument("--samples", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=8)
    parser.add_argument("--instances", default="", help="comma-separated ids (default: all of swe-mini)")
    parser.add_argument(
        "--prefilter", type=int, default=40, help="files the relevance scan reads per instance"
    )
    args = parser.parse_args()
    instances = load_dataset("swe-mini").instances
    results = {}
    with tempfile.TemporaryDirectory(prefix="sweagent-window-bench-") as tmp:
        root = Path(tmp)
        with WindowedChatServer(args.window, long_outputs.respond, instances, model="windowed") as server:
            for trim in (False, True):
                name = "with trimming" if trim else "without trimming"
                started = time.perf_counter()
                rejected = server.rejected
                run(server, root / name.replace(" ", "-"), trim, args, root / "cache")
                turns, overflowed, count = tally(root / name.replace(" ", "-"))
                results[trim] = turns
                print(
                    f"{name}: {turns} turns completed in {count} trajectories, {len(overflowed)} ended by "
                    f"overflow, {server.rejected - rejected} requests rejected by the server "
                    f"({time.perf_counter() - started:.0f} s)"
                )
                for trajectory in overflowed:
                    print(f"  overflow: {trajectory}")
    print(f"window: {args.window} tokens; largest prompt accepted: {server.largest_prompt} tokens")
    print(f"ratio: {results[True] / max(results[False], 1):.3f}")


if __name__ == "__main__":
    main()

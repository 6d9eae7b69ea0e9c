"""Instances flowing through the stages against the old stage-by-stage order, on swe-mini.

One loopback server answers every model request after a fixed delay (`--latency`) from the
scripted TEST policy `gold` (`sweagent.models.window_server`); real Docker runs the sandboxes and
the grading. The same run (all four stages, fresh run directory each time) goes once with
`flow.order=staged` (every instance finishes a stage before any starts the next; selection one
instance at a time) and once with `flow.order=flowing`. Images are prepared first (`images build`)
so neither order pays for building them. For each order it prints the wall time and, from the
instances' `stages.jsonl`, each stage's span (first start to last end) and busy time (summed over
instances), the seconds spent in model calls by purpose (the rest of a stage's busy time is
sandbox and CPU work) and the load average; last, `ratio: <stage-by-stage / flowing>`. Target:
>= 1.5 on a 2-core machine.

    PYTHONPATH=. python bench/pipeline.py [--latency 6] [--samples 2] [--iterations 2] [--rounds 2]
        [--instances A,B] [--sandbox-instances N] [--concurrency N]

`--sandbox-instances` and `--concurrency` set the same bounds for both orders; by default both are the
number of instances (one slot each), so that neither order waits for a slot and what is compared is
the order alone. How many instances may generate at once is what a machine's sandboxes and the model
server's capacity allow, and the gain of the flowing order depends on it: with the config's defaults
(4 and 4) it is smaller (1.41 at 6 s in the closing note of issue 17). The default latency, 6 s, is
about what a reply of a thousand tokens takes on a GPU serving an open model at 150-200 tokens a
second; at 2 s the 2-core machine's CPU, not the model, bounds both orders.

With `--rounds 2` (the default) the orders run staged, flowing, flowing, staged, and the ratio is of
the summed walls, so that load which drifts during the run weighs on both orders alike.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench._common import timed
from sweagent.datasets import load_dataset
from sweagent.models.policies import gold
from sweagent.models.window_server import WindowedChatServer
from sweagent.stages import STAGES, read_stage_times

ORDERS = ("staged", "flowing")


def run(server: WindowedChatServer, run_dir: Path, order: str, args: argparse.Namespace) -> float:
    command = [
        sys.executable, "-m", "sweagent", "run", "--dataset", "swe-mini", "--model", "delayed",
        "--base-url", server.url, "--samples", str(args.samples), "--iterations", str(args.iterations),
        "--run-dir", str(run_dir), "-o", f"flow.order={order}",
        "-o", f"context.prefilter_files={args.prefilter}",
        "-o", f"flow.sandbox_instances={args.sandbox_instances}", "-o", f"concurrency={args.concurrency}",
    ]  # fmt: skip
    if args.instances:
        command += ["--instances", args.instances]
    return timed(command, f"the {order} run")


def spans(run_dir: Path, instance_ids: list[str]) -> dict[str, tuple[float, float]]:
    """Per stage: (span from its first start to its last end, busy seconds summed over instances)."""
    found: dict[str, tuple[float, float]] = {}
    times = [t for iid in instance_ids for t in read_stage_times(run_dir, iid)]
    for stage in STAGES:
        of_stage = [t for t in times if t.stage == stage]
        if of_stage:
            span = max(t.finished for t in of_stage) - min(t.started for t in of_stage)
            found[stage] = (span, sum(t.finished - t.started for t in of_stage))
    return found


def model_seconds(run_dir: Path) -> dict[str, float]:
    """Seconds spent in model calls (summed over calls), by purpose, from `usage.json`."""
    usage = json.loads((run_dir / "usage.json").read_text())
    found: dict[str, float] = {}
    for entry in usage["instances"].values():
        for purpose, counts in entry.get("by_stage", {}).items():
            found[purpose] = found.get(purpose, 0.0) + counts.get("seconds", 0.0)
    return found


def predictions(run_dir: Path) -> dict[str, str]:
    rows = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text().splitlines() if line]
    return {row["instance_id"]: row["model_patch"] for row in rows}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--latency", type=float, default=6.0, help="seconds each model request takes")
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=2)
    parser.add_argument("--prefilter", type=int, default=20, help="context.prefilter_files")
    parser.add_argument("--rounds", type=int, default=2, help="runs of each order, alternately first")
    parser.add_argument("--instances", default="", help="comma-separated ids (default: all of swe-mini)")
    parser.add_argument(
        "--sandbox-instances", type=int, default=0,
        help="flow.sandbox_instances in both orders: instances generating (or selecting) at once "
        "(default: one per instance)",
    )  # fmt: skip
    parser.add_argument(
        "--concurrency", type=int, default=0,
        help="concurrency in both orders: instances in a stage at once (in the context stage, flowing) "
        "(default: one per instance)",
    )  # fmt: skip
    args = parser.parse_args()
    chosen = [part for part in args.instances.split(",") if part] or None
    instances = load_dataset("swe-mini", instances=chosen).instances
    ids = [i.instance_id for i in instances]
    args.sandbox_instances = args.sandbox_instances or len(ids)
    args.concurrency = args.concurrency or len(ids)
    build = [sys.executable, "-m", "sweagent", "-q", "images", "build", "--dataset", "swe-mini"]
    build += ["--instances", ",".join(ids)]
    built = subprocess.run(build, capture_output=True, text=True, check=False)
    if built.returncode != 0:
        sys.exit(f"images build failed:\n{built.stderr[-3000:]}")
    print(
        f"instances: {len(ids)}  samples: {args.samples}  iterations: {args.iterations}  "
        f"latency: {args.latency} s  sandbox instances: {args.sandbox_instances}  "
        f"concurrency: {args.concurrency}"
    )
    walls: dict[str, float] = {"staged": 0.0, "flowing": 0.0}
    found: dict[str, dict[str, str]] = {}
    # Round k runs the orders in turn, the second round the other way round (staged, flowing,
    # flowing, staged, ...), so that load which drifts over the run weighs on both alike.
    sequence = [order for k in range(args.rounds) for order in (ORDERS if k % 2 == 0 else ORDERS[::-1])]
    with (
        tempfile.TemporaryDirectory(prefix="sweagent-bench-pipeline-") as tmp,
        WindowedChatServer(131_072, gold.respond, instances, model="delayed", latency=args.latency) as server,
    ):
        for number, order in enumerate(sequence, start=1):
            run_dir = Path(tmp) / f"{number}-{order}"
            wall = run(server, run_dir, order, args)
            walls[order] += wall
            if found.setdefault(order, predictions(run_dir)) != predictions(run_dir):
                sys.exit(f"the {order} runs gave different predictions")
            print(f"[{order}] wall: {wall:.1f} s  load average after: {os.getloadavg()[0]:.1f}")
            for stage, (span, busy) in spans(run_dir, ids).items():
                print(f"[{order}] {stage}: span {span:.1f} s, busy {busy:.1f} s over {len(ids)} instance(s)")
            waits = "  ".join(f"{k} {v:.0f} s" for k, v in sorted(model_seconds(run_dir).items()))
            print(f"[{order}] in model calls (summed over calls): {waits}")
        requests = len(server.bodies)
    same = "yes" if found["staged"] == found["flowing"] else "no"
    print(f"model requests: {requests}  same predictions: {same}")
    rounds = f" (summed over {args.rounds} rounds)" if args.rounds > 1 else ""
    print(f"wall{rounds}: staged {walls['staged']:.1f} s, flowing {walls['flowing']:.1f} s")
    print(f"ratio: {walls['staged'] / walls['flowing']:.2f}")


if __name__ == "__main__":
    main()

"""What `executor: ray` costs on one machine: the same run under the local executor and on Ray.

Workload: `sweagent run` on swe-mini instances with `scripted:gold` (a TEST policy replaying the gold
patch), stages context,generate,select, real Docker sandboxes; `--concurrency` instances at once in
both: the local executor's `concurrency`, and a one-machine Ray cluster (`ray.cluster_utils.Cluster`,
one head node) with that many CPUs and `docker` slots, already running when the run starts (as a
cluster one points `--ray-address` at is). A first untimed local run builds any missing image. Each
run gets a fresh run directory. Prints both wall times, the cluster's start-up time (paid once per
cluster, not per run) and last `ratio: <ray / local>`. Target: <= 1.25.

    PYTHONPATH=. python bench/ray_overhead.py [--instances a,b] [--concurrency 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from bench._common import timed

DEFAULT = "pallets__flask-4992,pallets__flask-5063,pytest-dev__pytest-5103,pytest-dev__pytest-7432"


def sweagent_run(run_dir: Path, instances: str, concurrency: int, *extra: str) -> float:
    """Seconds one `sweagent run` took; exits when it fails."""
    command = [sys.executable, "-m", "sweagent", "run", "--dataset", "swe-mini", "--model", "scripted:gold"]
    command += ["--instances", instances, "--stages", "context,generate,select", "--samples", "2"]
    command += ["--iterations", "3", "-o", f"concurrency={concurrency}", "--run-dir", str(run_dir), *extra]
    return timed(command, f"run ({' '.join(extra) or 'local'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", default=DEFAULT)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()
    from ray.cluster_utils import Cluster

    with tempfile.TemporaryDirectory(prefix="sweagent-bench-ray-") as tmp:
        root = Path(tmp)
        sweagent_run(root / "warm", args.instances, args.concurrency)
        local = sweagent_run(root / "local", args.instances, args.concurrency)
        print(f"local executor: {local:.1f}s ({args.instances}; concurrency {args.concurrency})")
        started = time.perf_counter()
        head = {
            "num_cpus": args.concurrency,
            "resources": {"docker": args.concurrency},
            "include_dashboard": False,
        }
        cluster = Cluster(initialize_head=True, head_node_args=head)
        try:
            cluster.wait_for_nodes()
            up = time.perf_counter() - started
            print(f"ray cluster start-up (once per cluster, not timed below): {up:.1f}s")
            ray = sweagent_run(
                root / "ray", args.instances, args.concurrency, "--ray-address", cluster.address
            )
        finally:
            cluster.shutdown()
        same = (root / "ray" / "predictions.jsonl").read_text() == (
            root / "local" / "predictions.jsonl"
        ).read_text()
        print(f"ray executor (one-machine cluster): {ray:.1f}s; same predictions: {same}")
    print(f"ratio: {ray / local:.2f}")


if __name__ == "__main__":
    main()

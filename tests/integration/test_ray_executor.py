"""`executor: ray` on a real Ray cluster on this machine: a head and two worker nodes with Docker.

The head offers no `docker` resource, so every instance runs as a task on a worker node, in its own
folder, and its artifacts reach the run directory only by being shipped to the driver. The model is
`scripted:gold` (a TEST policy replaying each instance's gold patch); the reference is the same run
under `executor: local`. Runs continued under the other executor start from copies of a run of the
first stages (context, generate) under each executor.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from docker import DockerClient

from sandbox.engine import LABEL
from sweagent.executors.ray_task import work_prefix
from sweagent.records import content_id

ray = pytest.importorskip("ray", reason="the `ray` extra is not installed")
from ray.cluster_utils import Cluster  # noqa: E402

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.network]

INSTANCES = ("pallets__flask-4992", "pallets__flask-5063")
FIRST_HALF = ("--stages", "context,generate")
ALL = ("--stages", "context,generate,select")
WORKER = {"num_cpus": 1, "resources": {"docker": 1}, "object_store_memory": 100 * 1024**2}
ON_NODE = re.compile(r": on node ([0-9a-f]+) \(host [^)]*\), (\d+) artifact\(s\) seeded")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    # A dead node is noticed after ~3 s instead of ~15 s (Ray's defaults): the killed-node test waits less.
    health = {"health_check_period_ms": 1000, "health_check_failure_threshold": 3}
    head = {
        "num_cpus": 1,
        "object_store_memory": 100 * 1024**2,
        "include_dashboard": False,
        "_system_config": health,
    }
    cluster = Cluster(initialize_head=True, head_node_args=head)
    try:
        for _ in range(2):
            cluster.add_node(**WORKER)
        cluster.wait_for_nodes()
        yield cluster
    finally:
        cluster.shutdown()


def _command(run_dir: Path, *extra: str) -> list[str]:
    command = [sys.executable, "-m", "sweagent", "run", "--dataset", "swe-mini", "--model", "scripted:gold"]
    ids = ",".join(INSTANCES)
    return [
        *command,
        "--instances",
        ids,
        "--samples",
        "2",
        "--iterations",
        "3",
        "--run-dir",
        str(run_dir),
        *extra,
    ]


def _run(run_dir: Path, *extra: str) -> None:
    done = subprocess.run(_command(run_dir, *extra), capture_output=True, text=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr[-4000:]


def _on_ray(cluster: Cluster) -> tuple[str, ...]:
    return ("--ray-address", cluster.address)


def _predictions(run_dir: Path) -> dict[str, str]:
    rows = [json.loads(line) for line in (run_dir / "predictions.jsonl").read_text().splitlines() if line]
    return {row["instance_id"]: row["model_patch"] for row in rows}


def _attempts(run_dir: Path, iid: str) -> list[tuple[str, int]]:
    """(node id, artifacts seeded) of each task attempt of the instance, from its instance.log."""
    log = run_dir / iid / "instance.log"
    text = log.read_text() if log.is_file() else ""
    return [(node, int(seeded)) for node, seeded in ON_NODE.findall(text)]


def _usage_calls(run_dir: Path) -> int:
    return json.loads((run_dir / "usage.json").read_text())["total"]["calls"]


@pytest.fixture(scope="module")
def local_half(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run of the first stages under the local executor (its copies are continued below)."""
    run_dir = tmp_path_factory.mktemp("local-half") / "run"
    _run(run_dir, *FIRST_HALF)
    return run_dir


@pytest.fixture(scope="module")
def ray_half(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run of the first stages on the cluster (its copies are continued below)."""
    run_dir = tmp_path_factory.mktemp("ray-half") / "run"
    _run(run_dir, *FIRST_HALF, *_on_ray(cluster))
    return run_dir


@pytest.fixture(scope="module")
def reference(local_half: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The local executor's run: the first stages, continued locally."""
    run_dir = tmp_path_factory.mktemp("local") / "run"
    shutil.copytree(local_half, run_dir)
    _run(run_dir, *ALL)
    return run_dir


def test_a_run_on_the_cluster_gives_the_predictions_of_a_local_run(
    cluster: Cluster, reference: Path, tmp_path: Path
) -> None:
    run_dir = tmp_path / "run"
    _run(run_dir, *ALL, *_on_ray(cluster))
    assert _predictions(run_dir) == _predictions(reference)
    assert all(patch.startswith("diff --git") for patch in _predictions(run_dir).values())
    workers = {node.node_id for node in cluster.worker_nodes}
    for iid in INSTANCES:
        assert [(node in workers, seeded) for node, seeded in _attempts(run_dir, iid)] == [(True, 0)]
        shipped = sorted(p.relative_to(run_dir / iid).as_posix() for p in (run_dir / iid).rglob("*.json"))
        local = sorted(p.relative_to(reference / iid).as_posix() for p in (reference / iid).rglob("*.json"))
        assert shipped == local
    assert _usage_calls(run_dir) == _usage_calls(reference)
    assert (run_dir / "report.md").is_file()


def test_a_worker_node_killed_midway_its_instance_continues_on_another(
    cluster: Cluster, reference: Path, tmp_path: Path, docker_client: DockerClient
) -> None:
    run_dir = tmp_path / "run"
    command = _command(run_dir, *ALL, *_on_ray(cluster))
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600
    victim = None
    while victim is None and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
        for iid in INSTANCES:
            if (run_dir / iid / "trajectories" / "editing-0.json").is_file() and _attempts(run_dir, iid):
                victim = iid
                break
    assert victim is not None, "the run ended before a node could be killed midway"
    node_id = _attempts(run_dir, victim)[0][0]
    node = next(n for n in cluster.worker_nodes if n.node_id == node_id)
    finished_before = {
        path: path.read_bytes()
        for path in (run_dir / victim).glob("trajectories/*.json")
        if json.loads(path.read_bytes())["status"] != "running"
    }
    cluster.remove_node(node, allow_graceful=False)
    cluster.add_node(**WORKER)  # a replacement joins: the retried task may land there or on the other
    _, stderr = process.communicate(timeout=900)
    assert process.returncode == 0, stderr[-4000:]
    assert _predictions(run_dir) == _predictions(reference)
    attempts = _attempts(run_dir, victim)
    assert len(attempts) == 2
    assert attempts[0][0] != attempts[1][0]
    assert attempts[1][1] > 0, "the retried task did not start from the shipped artifacts"
    for path, content in finished_before.items():
        assert path.read_bytes() == content, f"{path} was redone"
    # What the killed task left (its sandboxes, `sleep infinity`, and its private run directory) was
    # removed on the surviving nodes at the end.
    run_label = f"run-{content_id(str(run_dir.resolve()))}"
    assert docker_client.containers.list(all=True, filters={"label": f"{LABEL}.run={run_label}"}) == []
    assert list(Path(tempfile.gettempdir()).glob(work_prefix(run_label) + "*")) == []


@pytest.mark.parametrize(("first", "then"), [("local", "ray"), ("ray", "local")])
def test_a_run_continues_under_the_other_executor(
    cluster: Cluster,
    local_half: Path,
    ray_half: Path,
    reference: Path,
    tmp_path: Path,
    first: str,
    then: str,
) -> None:
    run_dir = tmp_path / "run"
    shutil.copytree({"local": local_half, "ray": ray_half}[first], run_dir)
    candidates = {iid: (run_dir / iid / "candidates.json").read_bytes() for iid in INSTANCES}
    _run(run_dir, *ALL, *({"local": ("--executor", "local"), "ray": _on_ray(cluster)}[then]))
    assert _predictions(run_dir) == _predictions(reference)
    for iid in INSTANCES:
        assert (run_dir / iid / "candidates.json").read_bytes() == candidates[iid]
        attempts = _attempts(run_dir, iid)
        assert len(attempts) == 1  # the one run on the cluster
        seeded = attempts[0][1]
        assert (seeded > 0) == (then == "ray"), "a ray task continuing a run starts from its artifacts"
    assert _usage_calls(run_dir) == _usage_calls(reference)


def test_a_task_no_node_can_take_is_refused_not_left_waiting(cluster: Cluster, tmp_path: Path) -> None:
    """Each worker node offers 1 `docker`, the cluster 2: a task asking 2 fits no node."""
    command = _command(tmp_path / "run", *ALL, *_on_ray(cluster), "-o", "ray.task_docker=2")
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "no node of the Ray cluster can take an instance's task" in done.stderr
    assert "1 docker / 1 CPU" in done.stderr

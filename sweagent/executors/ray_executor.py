"""`executor: ray`: a run's instances as Ray tasks on a cluster's nodes, its artifacts in one place.

The driver (the `sweagent run` process, on a node of the cluster) starts an `ArtifactSink` actor on
its own node, next to the run directory, and one task per instance (`ray_task.run_instance`). Each
task takes `ray.task_cpus` CPUs and `ray.task_docker` of the node's custom `docker` resource, so a
node runs as many instances at once as its resources allow. A task whose node or worker dies is run
again elsewhere (`ray.retries`) and continues from the turns it had shipped. At the end the driver
writes `predictions.jsonl` and `usage.json` as the local executor does.

What cannot hold exactly across tasks: a run-wide budget (`budget.run_tokens`, `budget.run_cost`)
is checked by each task against the run's usage when the task started plus its own, so tasks
running at once can together pass it by what they spend meanwhile; per-instance budgets hold as
locally. The usage of a task attempt whose node died is lost (its saved turns are not).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from sweagent.config import RunConfig
from sweagent.errors import ConfigError, InfrastructureUnavailable
from sweagent.executors.ray_task import InstanceJob, InstanceResult, remove_leftovers_here, run_instance
from sweagent.executors.shipping import ArtifactSink
from sweagent.executors.usage_delta import add_delta
from sweagent.progress import RunProgress
from sweagent.progress.model import ProgressEvent
from sweagent.stages import StagesRequest, write_predictions
from sweagent.store import USAGE_FILE, RunStore

__all__ = ["run_on_ray"]

logger = logging.getLogger(__name__)

DOCKER = "docker"
"""The custom resource a node offers per instance it may run at once (`ray start --resources`)."""


def run_on_ray(request: StagesRequest) -> set[str]:
    """Run the request's stages for every instance on the Ray cluster; the ids of the instances that
    failed one."""
    import ray

    joined = _join(request.config)
    try:
        _check_docker(request.config)
        return _run(request)
    finally:
        if joined:
            ray.shutdown()


def _join(config: RunConfig) -> bool:
    """Connect to the configured cluster (or start a one-machine one); False when already connected."""
    import ray

    if ray.is_initialized():
        return False
    if config.ray.address is None:
        docker = config.concurrency * config.ray.task_docker
        ray.init(resources={DOCKER: docker}, include_dashboard=False, log_to_driver=False)
    else:
        ray.init(address=config.ray.address, log_to_driver=False)
    return True


def _check_docker(config: RunConfig) -> None:
    """ConfigError unless some live node can take a task (its `docker` and CPUs), which Ray would
    otherwise leave waiting for ever."""
    import ray

    need = {DOCKER: config.ray.task_docker, "CPU": config.ray.task_cpus}
    nodes = [n.get("Resources", {}) for n in ray.nodes() if n.get("Alive")]
    if any(all(node.get(key, 0.0) >= amount for key, amount in need.items()) for node in nodes):
        return
    offered = ", ".join(f"{node.get(DOCKER, 0):g} docker / {node.get('CPU', 0):g} CPU" for node in nodes)
    msg = (
        f"no node of the Ray cluster can take an instance's task ({config.ray.task_docker:g} of the "
        f"`{DOCKER}` resource, {config.ray.task_cpus:g} CPU; the nodes offer: {offered or 'none'}); start "
        f"each node that has Docker with `ray start ... --resources '{{\"{DOCKER}\": N}}'` "
        "(N: instances it may run at once)"
    )
    raise ConfigError(msg)


def _run(request: StagesRequest) -> set[str]:
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    from sandbox.engine import RUN_ENV

    config, ledger, progress, run_dir = request.config, request.ledger, request.progress, request.run_dir
    request.sweep_damaged()
    here = ray.get_runtime_context().get_node_id()
    sink: Any = (
        ray.remote(ArtifactSink)
        .options(num_cpus=0, scheduling_strategy=NodeAffinitySchedulingStrategy(here, soft=False))
        .remote(str(run_dir.resolve()), ledger.to_json())
    )
    task = ray.remote(run_instance).options(
        num_cpus=config.ray.task_cpus,
        resources={DOCKER: config.ray.task_docker},
        max_retries=config.ray.retries,
        retry_exceptions=[InfrastructureUnavailable],
    )
    label = os.environ.get(RUN_ENV, "")
    pending: dict[Any, str] = {}  # task ref -> its instance
    for instance in request.instances:
        job = InstanceJob(request.stages, instance, config, request.sources, label)
        pending[task.remote(job, sink)] = instance.instance_id
    logger.info("ray: %d task(s) on %d node(s)", len(pending), len(ray.nodes()))
    failed: set[str] = set()
    try:
        while pending:
            done, _ = ray.wait(list(pending), num_returns=len(pending), timeout=0.5, fetch_local=False)
            _replay(ray.get(sink.drain.remote()), progress)
            for ref in done:
                iid = pending.pop(ref)
                result = _result(ref, iid, progress)
                if result is None:
                    failed.add(iid)
                    continue
                add_delta(ledger, result.usage)
                if result.failed:
                    failed.add(iid)
            if done:
                sink.set_usage.remote(ledger.to_json())
                ledger.write(run_dir / USAGE_FILE)
        _replay(ray.get(sink.drain.remote()), progress)
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
        ledger.write(run_dir / USAGE_FILE)
        _remove_leftovers(label)
    if "select" in request.stages and request.write_predictions:
        # as locally: every instance, in the dataset's order ("" where none was chosen)
        write_predictions(RunStore(run_dir), request.instances, config.selection.selector)
    return failed


def _result(ref: Any, iid: str, progress: RunProgress) -> InstanceResult | None:
    """The task's result; None (noted) when it failed as a whole. Infrastructure failures stop the run."""
    import ray

    try:
        result: InstanceResult = ray.get(ref)
    except ray.exceptions.RayTaskError as err:
        cause = err.cause
        if isinstance(cause, InfrastructureUnavailable):
            raise cause from err
        progress.note(f"{iid}: its task failed: {type(cause).__name__}: {cause}"[:500])
        logger.error("%s: task failed: %s", iid, err)
        return None
    except ray.exceptions.RayError as err:  # the retries ran out: nodes or workers kept dying
        progress.note(f"{iid}: its task was lost: {type(err).__name__}"[:500])
        logger.error("%s: task lost: %s", iid, err)
        return None
    return result


def _replay(events: list[ProgressEvent], progress: RunProgress) -> None:
    """Tell `progress` what the tasks reported."""
    for event in events:
        if event.kind == "stage_started":
            progress.stage_started(event.instance_id, event.stage)
        elif event.kind == "stage_finished":
            ok = event.status not in ("error", "stopped")
            progress.stage_finished(
                event.instance_id, event.stage, ok=ok, status=event.status, summary=event.text
            )
        elif event.kind == "trajectory_started":
            progress.trajectory_started(event.instance_id, event.text)
        elif event.kind == "trajectory_finished":
            progress.trajectory_finished(event.instance_id, event.text, event.status)
        elif event.kind == "note":
            progress.note(event.text)


def _remove_leftovers(run_label: str) -> None:
    """Remove, on every live node with Docker, the run's containers and folders killed tasks left.

    One node after the other: nodes on one machine may share an engine."""
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    if not run_label:
        return
    nodes = [n["NodeID"] for n in ray.nodes() if n.get("Alive") and n.get("Resources", {}).get(DOCKER)]
    cleanup = ray.remote(remove_leftovers_here)
    for node in nodes:
        on_node = NodeAffinitySchedulingStrategy(node, soft=False)
        try:
            removed = ray.get(cleanup.options(num_cpus=0, scheduling_strategy=on_node).remote(run_label))
        except ray.exceptions.RayError as err:
            logger.warning("could not remove the run's leftover containers on node %s: %s", node, err)
            continue
        if removed:
            logger.warning("removed on node %s what tasks that died left: %s", node, ", ".join(removed))

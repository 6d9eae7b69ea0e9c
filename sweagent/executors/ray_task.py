"""One instance's stages as a Ray task, on whichever node Ray places it.

The task runs the ordinary stage code (`sweagent.stages.run_stages`) for its one instance in a
private run directory on its node, against that node's Docker engine (which builds or reuses the
instance's image). The directory is seeded from the driver's run directory through the
`ArtifactSink`, and every artifact, progress event and `instance.log` line goes back through it as it
happens (`sweagent.executors.shipping`). What the task spent comes back as its result.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sweagent.config import RunConfig
from sweagent.datasets import RepoSources
from sweagent.executors.shipping import seed, shipped_writes
from sweagent.executors.usage_delta import UsageDelta, usage_delta
from sweagent.logs import INSTANCE_LOG, PACKAGES
from sweagent.models.usage import UsageLedger
from sweagent.progress import RunProgress
from sweagent.records import Instance
from sweagent.stages import StagesRequest, run_stages
from sweagent.store import USAGE_FILE, safe_name

__all__ = ["InstanceJob", "InstanceResult", "remove_leftovers_here", "run_instance", "work_prefix"]

logger = logging.getLogger(__name__)

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True)
class InstanceJob:
    """What a task needs to run one instance's stages."""

    stages: tuple[str, ...]
    instance: Instance
    config: RunConfig
    sources: RepoSources
    run_label: str
    """The driver's run label (`sandbox.engine.RUN_ENV`), put on this task's containers."""


@dataclass(frozen=True)
class InstanceResult:
    """How a task ended: whether its instance failed a stage, and what it spent."""

    instance_id: str
    failed: bool
    usage: UsageDelta


class _ShippedLog(logging.Handler):
    """Sends each record of the package, formatted, to the instance's `instance.log` on the driver."""

    def __init__(self, sink: Any, relative: str) -> None:
        super().__init__(logging.INFO)
        self.sink = sink
        self.relative = relative
        self.setFormatter(logging.Formatter(_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append.remote(self.relative, self.format(record) + "\n")


@contextmanager
def _shipped_log(sink: Any, instance_id: str) -> Iterator[None]:
    handler = _ShippedLog(sink, f"{safe_name(instance_id)}/{INSTANCE_LOG}")
    loggers = [logging.getLogger(name) for name in PACKAGES]
    levels = [each.level for each in loggers]
    for each in loggers:
        each.setLevel(logging.INFO)
        each.addHandler(handler)
    try:
        yield
    finally:
        for each, level in zip(loggers, levels, strict=True):
            each.removeHandler(handler)
            each.setLevel(level)


@contextmanager
def _run_label(label: str) -> Iterator[None]:
    from sandbox.engine import RUN_ENV

    previous = os.environ.get(RUN_ENV)
    os.environ[RUN_ENV] = label
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(RUN_ENV, None)
        else:
            os.environ[RUN_ENV] = previous


def work_prefix(run_label: str) -> str:
    """How the private run directories of a run's tasks are named (in the node's temporary folder)."""
    return f"sweagent-ray-{safe_name(run_label or 'run')}-"


def remove_leftovers_here(run_label: str) -> list[str]:
    """Remove, on this node, the run's containers and private run directories of tasks that died
    (killed with their node's raylet, they could not clean up); what was removed. Only once no task
    of the run is left: a live task's would go too."""
    from sandbox.engine import connect, remove_run_containers

    client = connect(timeout=30)
    try:
        removed = remove_run_containers(client, run_label)
    finally:
        client.close()
    for folder in Path(tempfile.gettempdir()).glob(work_prefix(run_label) + "*"):
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(str(folder))
    return removed


def run_instance(job: InstanceJob, sink: Any) -> InstanceResult:
    """Run `job`'s stages for its instance on this node, shipping everything to `sink`."""
    import ray

    iid = job.instance.instance_id
    root = Path(tempfile.mkdtemp(prefix=work_prefix(job.run_label)))
    try:
        files, usage = ray.get([sink.snapshot.remote(iid), sink.usage.remote()])
        seed(root, files)
        prices = job.config.models.prices
        if usage is not None:
            (root / USAGE_FILE).write_text(json.dumps(usage), encoding="utf-8")
        before = UsageLedger.read(root / USAGE_FILE, prices) if usage is not None else UsageLedger(prices)
        ledger = UsageLedger.read(root / USAGE_FILE, prices) if usage is not None else UsageLedger(prices)
        progress = RunProgress([iid], job.stages)
        progress.subscribe(lambda event, _snapshot: sink.post.remote(event))

        def send(relative: str, text: str) -> None:
            ray.get(sink.write.remote(relative, text))

        with _run_label(job.run_label), _shipped_log(sink, iid), shipped_writes(root, send):
            node = ray.get_runtime_context().get_node_id()
            host = socket.gethostname()
            logger.info("%s: on node %s (host %s), %d artifact(s) seeded", iid, node, host, len(files))
            asked = StagesRequest(
                job.stages,
                (job.instance,),
                root,
                job.config,
                ledger,
                job.sources,
                progress,
                write_predictions=False,
            )
            failed = asyncio.run(run_stages(asked))
        ray.get(sink.flush.remote())  # the events and log lines sent above have landed
        return InstanceResult(iid, failed=bool(failed), usage=usage_delta(ledger, before))
    finally:
        shutil.rmtree(root, ignore_errors=True)

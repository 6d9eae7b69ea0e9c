"""A container removed from outside mid-execution is replaced and the work retried, not failed.

Invariant: an engine-level fault that clears gives the same result as an undisturbed run; one that
outlasts `RetryPolicy.seconds` is reported as an infrastructure error naming the cause.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import docker.errors
import pytest
from docker import DockerClient

from sandbox.docker import DockerSandbox, DockerSandboxConfig
from sandbox.pool import SandboxPool
from sandbox.restore import PristineImage
from sandbox.transient import RetryPolicy
from sweagent.execution.scripts import ScriptRunner
from sweagent.execution.test_matrix import TestMatrixRunner
from sweagent.records import TestScript

pytestmark = pytest.mark.docker

SLOW_SCRIPT = "import sys, time\ntime.sleep(3)\nprint('still here')\nsys.exit(2)\n"


@pytest.fixture
def pool(docker_client: DockerClient, repo_image: str) -> Iterator[tuple[SandboxPool[DockerSandbox], list]]:
    pristine = PristineImage(docker_client, repo_image)
    config = DockerSandboxConfig(image=repo_image)
    made: list[DockerSandbox] = []

    def factory() -> DockerSandbox:
        made.append(config.build(docker_client, pristine))
        return made[-1]

    with SandboxPool(factory, size=1) as lender:
        lender.warm()
        yield lender, made
    pristine.close()


def _remove_later(client: DockerClient, container_id: str, delay: float) -> threading.Thread:
    def remove() -> None:
        time.sleep(delay)
        try:
            client.containers.get(container_id).remove(force=True)
        except docker.errors.NotFound:
            pass

    thread = threading.Thread(target=remove, daemon=True)
    thread.start()
    return thread


def test_script_run_survives_its_container_being_removed(
    docker_client: DockerClient, pool: tuple[SandboxPool[DockerSandbox], list]
) -> None:
    lender, made = pool
    runner = ScriptRunner(lender, timeout=60, retry=RetryPolicy(seconds=60, first_delay=0.2))
    first = made[0].container_id
    remover = _remove_later(docker_client, first, 1.0)
    run = runner.run(SLOW_SCRIPT)
    remover.join()
    assert (run.exit_code, run.infra_error, run.verdict) == (2, None, "issue present")
    assert "still here" in run.output
    assert made[0].container_id != first, "the pool should have replaced the removed container"


def test_a_fault_that_persists_is_reported_with_its_cause(
    docker_client: DockerClient, pool: tuple[SandboxPool[DockerSandbox], list]
) -> None:
    lender, made = pool
    runner = ScriptRunner(lender, timeout=60, retry=RetryPolicy(seconds=0))
    remover = _remove_later(docker_client, made[0].container_id, 1.0)
    run = runner.run(SLOW_SCRIPT)
    remover.join()
    assert run.verdict == "infrastructure error"
    assert run.infra_error is not None
    assert "persisted" in run.infra_error


def test_matrix_row_survives_its_container_being_removed(
    docker_client: DockerClient, pool: tuple[SandboxPool[DockerSandbox], list]
) -> None:
    lender, made = pool
    tests = [
        TestScript(id="slow", content=SLOW_SCRIPT, source="t"),
        TestScript(id="pass", content="print('ok')\n", source="t"),
    ]
    runner = TestMatrixRunner(lender, timeout=60, retry=RetryPolicy(seconds=60, first_delay=0.2))
    remover = _remove_later(docker_client, made[0].container_id, 1.0)
    outcomes = runner.run_row("", tests)
    remover.join()
    assert outcomes == {"slow": "fail", "pass": "pass"}

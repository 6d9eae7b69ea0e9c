"""An engine fault that outlasts its retries stops the run; it is never a trajectory's result.

Invariant: a trajectory whose sandbox work meets a persisting engine fault is not finished as
`error` (which a resumed run would keep): the run stops with EngineDown (exit code 3) and the next
run redoes the lost turn, ending as an undisturbed run does.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import docker.errors
import pytest
from docker import DockerClient
from docker.models.containers import Container

from sandbox.docker import DockerSandbox, DockerSandboxConfig
from sandbox.pool import SandboxPool
from sandbox.restore import PristineImage
from sandbox.transient import RetryPolicy
from sweagent.agent.trajectory import InstanceSession
from sweagent.config import GenerationConfig
from sweagent.errors import EngineDown
from sweagent.execution.scripts import ScriptRunner
from sweagent.generation.fanout import generate_instance
from sweagent.models.prompt_layout import SharedPrompt
from sweagent.models.protocol import Purpose
from sweagent.models.scripted import ScriptedModel
from sweagent.records import Instance, Trajectory
from sweagent.store import RunStore

pytestmark = pytest.mark.docker

INSTANCE = Instance(
    instance_id="demo__calc-1",
    repo="demo/calc",
    base_commit="0" * 40,
    problem_statement="add(None, 1) raises TypeError; None should count as 0.",
)
REPRO = """<test>
import os, sys, time
sys.path.insert(0, os.getcwd())
time.sleep(3)
from pkg.calc import add
try:
    add(None, 1)
except TypeError:
    sys.exit(2)
sys.exit(0)
</test>"""
FIX = """<edit>
<<<<<<< SEARCH pkg/calc.py
    return a + b
=======
    return (a or 0) + (b or 0)
>>>>>>> REPLACE
</edit>"""


@pytest.fixture
def sandboxes(
    docker_client: DockerClient, repo_image: str
) -> Iterator[tuple[SandboxPool[DockerSandbox], list]]:
    pristine = PristineImage(docker_client, repo_image)
    config = DockerSandboxConfig(image=repo_image)
    made: list[DockerSandbox] = []

    def factory() -> DockerSandbox:
        made.append(config.build(docker_client, pristine))
        return made[-1]

    with SandboxPool(factory, size=1) as pool:
        yield pool, made
    pristine.close()


def _session(
    pool: SandboxPool[DockerSandbox], run_dir: Path, retry: float, on_edit: object = None
) -> InstanceSession:
    def respond(messages: list[dict[str, str]], purpose: Purpose) -> str:
        if purpose.turn > 0:
            return "<done/>"
        if purpose.stage == "testing":
            return REPRO
        if callable(on_edit):
            on_edit()
        return FIX

    config = GenerationConfig(samples=1, iterations=4, script_timeout=60)
    return InstanceSession(
        instance=INSTANCE,
        shared=SharedPrompt(instructions="Fix the issue.", issue=INSTANCE.problem_statement),
        model=ScriptedModel(respond, name="scripted:test"),
        runner=ScriptRunner(pool, timeout=60, retry=RetryPolicy(seconds=retry)),
        store=RunStore(run_dir),
        config=config,
    )


def _runs_a_script(container: Container) -> bool:
    """Whether a Python process (the turn's script) runs in the container."""
    processes = container.top().get("Processes") or []
    return any("python" in " ".join(str(field) for field in row) for row in processes)


def test_a_persisting_engine_fault_stops_the_run_and_the_next_run_finishes_the_trajectory(
    docker_client: DockerClient, sandboxes: tuple[SandboxPool[DockerSandbox], list], tmp_path: Path
) -> None:
    pool, made = sandboxes

    def remove_the_container_soon() -> None:
        def remove() -> None:
            # Once the editing turn's script runs (it sleeps 3 s), not after a fixed delay: on a busy
            # machine applying the edit can take longer than any delay chosen here.
            deadline = time.monotonic() + 60
            try:
                container = docker_client.containers.get(made[-1].container_id)
                while time.monotonic() < deadline and not _runs_a_script(container):
                    time.sleep(0.1)
                container.remove(force=True)
            except docker.errors.NotFound:
                pass

        threading.Thread(target=remove, daemon=True).start()

    with pytest.raises(EngineDown, match="editing trajectory 0 of demo__calc-1"):
        asyncio.run(generate_instance(_session(pool, tmp_path, 0, remove_the_container_soon)))
    store = RunStore(tmp_path)
    testing = store.read(INSTANCE.instance_id, "trajectories/testing-0.json", Trajectory)
    assert testing.status == "done"
    editing = store.load(INSTANCE.instance_id, "trajectories/editing-0.json", Trajectory)
    assert editing is None or editing.status == "running"

    result = asyncio.run(generate_instance(_session(pool, tmp_path, 60)))
    final = store.read(INSTANCE.instance_id, "trajectories/editing-0.json", Trajectory)
    assert (final.status, len(result.candidates)) == ("done", 1)

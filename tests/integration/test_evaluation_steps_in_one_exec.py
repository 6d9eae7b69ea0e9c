"""Steps run in one exec keep what separate execs would give each: its exit code, its output, its
timeout, the environment of a fresh exec (SHLVL 1), and a failed gating step stops the rest."""

from __future__ import annotations

import pytest
from docker import DockerClient

from sandbox.docker import DockerSandboxConfig
from sweagent.evaluation.steps_in_one_exec import Step, run_steps

pytestmark = pytest.mark.docker


def test_each_step_keeps_its_exit_code_and_output(docker_client: DockerClient, base_image: str) -> None:
    steps = [
        Step("first", "echo one; echo err >&2", 30),
        Step("optional", "echo two; exit 3", 30, gate=False),
        Step("file", "cat /tmp/in/data.txt", 30),
        Step("last", 'echo "level $SHLVL"; exit 4', 30),
    ]
    with DockerSandboxConfig(image=base_image, workdir="/tmp").build(docker_client) as box:
        done = run_steps(box, steps, {"/tmp/in/data.txt": "given\n"})
    assert [(title, r.exit_code, r.stdout.strip()) for title, r in done] == [
        ("first", 0, "one\nerr"),
        ("optional", 3, "two"),
        ("file", 0, "given"),
        ("last", 4, "level 1"),
    ]


def test_a_failed_gate_stops_the_steps_after_it(docker_client: DockerClient, base_image: str) -> None:
    steps = [Step("apply", "echo no; exit 1", 30), Step("setup", "touch /tmp/ran", 30)]
    with DockerSandboxConfig(image=base_image, workdir="/tmp").build(docker_client) as box:
        done = run_steps(box, steps, {})
        assert not box.exec("test -e /tmp/ran").ok
    assert [(title, r.exit_code, r.stdout.strip()) for title, r in done] == [("apply", 1, "no")]


def test_the_step_running_at_the_deadline_is_the_one_timed_out(
    docker_client: DockerClient, base_image: str
) -> None:
    steps = [Step("quick", "true", 1), Step("slow", "echo started; sleep 60", 1), Step("setup", "true", 1)]
    with DockerSandboxConfig(image=base_image, workdir="/tmp").build(docker_client) as box:
        done = run_steps(box, steps, {})
    assert [title for title, _ in done] == ["quick", "slow"]
    slow = done[1][1]
    assert slow.timed_out
    assert not slow.ok
    assert "started" in slow.stdout

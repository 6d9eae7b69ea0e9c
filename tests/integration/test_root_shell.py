"""The persistent root shell behind resets: statuses, arguments, stderr on failure, a dead shell."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from docker import DockerClient
from docker.models.containers import Container

from sandbox.engine import labels
from sandbox.errors import SandboxError
from sandbox.root_shell import RootShell

pytestmark = pytest.mark.docker


@pytest.fixture
def container(docker_client: DockerClient, base_image: str) -> Iterator[Container]:
    box = docker_client.containers.run(
        base_image, ["sleep", "infinity"], detach=True, init=True, labels=labels("test"), network_mode="none"
    )
    yield box
    box.remove(force=True)


def test_scripts_run_with_arguments_and_status(docker_client: DockerClient, container: Container) -> None:
    shell = RootShell(docker_client, str(container.id))
    try:
        assert shell.run('echo "$1|$2"; id -u', ("a b", "it's")) == (0, b"a b|it's\n0\n")
        # `exit` and `set -e` stay inside the script's subshell: the shell answers the next script.
        assert shell.run("set -e; false; echo never") == (1, b"")
        assert shell.run("echo out; echo err >&2; exit 3") == (3, b"out\nerr\n")
        assert shell.run("echo quiet >&2; printf 'no newline'") == (0, b"no newline")
        big = shell.run("head -c 3000000 /dev/zero | tr '\\0' x")
        assert big == (0, b"x" * 3_000_000)
    finally:
        shell.close()


def test_a_shell_whose_process_died_raises(docker_client: DockerClient, container: Container) -> None:
    shell = RootShell(docker_client, str(container.id))
    try:
        with pytest.raises(SandboxError, match="root shell"):
            shell.run("kill -9 $$; sleep 5", timeout=20)
    finally:
        shell.close()


def test_a_stuck_script_times_out(docker_client: DockerClient, container: Container) -> None:
    shell = RootShell(docker_client, str(container.id))
    try:
        with pytest.raises(SandboxError, match="stopped answering"):
            shell.run("sleep 30", timeout=1)
    finally:
        shell.close()

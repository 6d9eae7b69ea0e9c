"""The tool's own image builds offline on the base recipe and drives the host engine through its socket."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from docker import DockerClient

from sandbox.engine import labels

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.network]

ROOT = Path(__file__).resolve().parents[2]
TAG = "sweagent-tool:test"


@pytest.fixture(scope="module")
def tool_image(docker_client: DockerClient, base_image: str) -> str:
    docker_client.images.build(
        path=str(ROOT), tag=TAG, buildargs={"BASE": base_image}, labels=labels("tool"), rm=True, forcerm=True
    )
    return TAG


def test_help_runs_inside_the_image(docker_client: DockerClient, tool_image: str) -> None:
    output = docker_client.containers.run(tool_image, ["--help"], remove=True, labels=labels("tool-run"))
    assert b"sandbox" in output
    assert b"cleanup" in output


def test_the_image_drives_the_host_engine(docker_client: DockerClient, tool_image: str) -> None:
    output = docker_client.containers.run(
        tool_image,
        ["sandbox", "exec", "--", "echo from a sibling container; id -u"],
        volumes={"/var/run/docker.sock": {"bind": "/var/run/docker.sock", "mode": "rw"}},
        remove=True,
        labels=labels("tool-run"),
    )
    result = json.loads(output)
    assert result["exit_code"] == 0
    assert result["stdout"] == "from a sibling container\n1000\n"

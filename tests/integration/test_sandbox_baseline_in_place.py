"""A reset baseline taken in a sandbox nothing has run in equals one taken in a throw-away container;
once something has run, the sandbox's own (dirty) files never become the baseline."""

from __future__ import annotations

import pytest
from docker import DockerClient

from sandbox.docker import DockerSandboxConfig
from sandbox.restore import PristineImage

pytestmark = pytest.mark.docker


def test_baseline_in_an_untouched_sandbox_equals_a_throw_away_one(
    docker_client: DockerClient, repo_image: str
) -> None:
    reference = PristineImage(docker_client, repo_image)
    in_place = PristineImage(docker_client, repo_image)
    try:
        with DockerSandboxConfig(image=repo_image).build(docker_client, in_place) as box:
            box.take_baseline()
            assert in_place.baseline() == reference.baseline()
            assert box.exec("echo changed >> README.md && touch /tmp/new").ok
            box.reset()
            assert box.diff() == ""
            assert not box.exec("test -e /tmp/new").ok
    finally:
        reference.close()
        in_place.close()


def test_a_used_sandbox_never_gives_its_files_to_the_baseline(
    docker_client: DockerClient, repo_image: str
) -> None:
    pristine = PristineImage(docker_client, repo_image)
    try:
        with DockerSandboxConfig(image=repo_image).build(docker_client, pristine) as box:
            assert box.exec("touch /tmp/dirt").ok
            box.take_baseline()
            assert b"/tmp/dirt" not in pristine.baseline().listing
            box.reset()
            assert not box.exec("test -e /tmp/dirt").ok
    finally:
        pristine.close()

"""Files written and restored through the root shell: exact bytes, the sandbox user's ownership,
never through a link the user planted, and a reset that puts back a directory replaced by a link."""

from __future__ import annotations

import logging

import pytest
from docker import DockerClient
from evaluation_image import build_eval_image

from sandbox.docker import DockerSandboxConfig
from sandbox.errors import SandboxError

pytestmark = pytest.mark.docker

LISTING = "find /testbed /tmp /home/sandbox /dev/shm -printf '%p %y %m %U %s\\n' | sort"


@pytest.fixture(scope="module")
def eval_image(docker_client: DockerClient, base_image: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_eval_image(docker_client, tmp_path_factory.mktemp("eval-image"))


def test_write_files_keeps_bytes_and_owner(docker_client: DockerClient, base_image: str) -> None:
    data = bytes(range(256)) * 3
    with DockerSandboxConfig(image=base_image, workdir="/tmp").build(docker_client) as box:
        box.write_files({"/tmp/deep/dir/blob": data, "text.txt": "héllo"})
        assert box.read_file("/tmp/deep/dir/blob") == data
        assert box.read_file("/tmp/text.txt") == "héllo".encode()
        assert box.exec("stat -c '%u %a' /tmp/deep/dir/blob").stdout == "1000 644\n"


def test_write_files_never_writes_through_a_planted_link(
    docker_client: DockerClient, base_image: str
) -> None:
    with DockerSandboxConfig(image=base_image, workdir="/tmp").build(docker_client) as box:
        passwd = box.read_file("/etc/passwd")
        assert box.exec("ln -s /etc/passwd /tmp/link").ok
        with pytest.raises(SandboxError, match="Permission denied"):
            box.write_files({"/tmp/link": "root::0:0::/:/bin/sh\n"})
        assert box.read_file("/etc/passwd") == passwd


def test_reset_restores_a_directory_replaced_by_a_link_without_fallback(
    docker_client: DockerClient, eval_image: str, caplog: pytest.LogCaptureFixture
) -> None:
    with DockerSandboxConfig(image=eval_image).build(docker_client) as box:
        before = box.exec(LISTING).stdout
        box.reset()  # takes the baseline
        mess = "mkdir /tmp/target && rm -rf calc && ln -s /tmp/target calc && echo x >> tests/test_ops.py"
        assert box.exec(mess).ok
        with caplog.at_level(logging.WARNING, logger="sandbox.docker"):
            box.reset()
        assert box.exec(LISTING).stdout == before
        assert box.diff() == ""
        assert not caplog.records, "the copy-back fell back to put_archive"

"""The pool lends reset sandboxes and replaces broken ones."""

from __future__ import annotations

import threading

import pytest
from docker import DockerClient

from sandbox.docker import DockerSandbox, DockerSandboxConfig
from sandbox.engine import cleanup, labels
from sandbox.pool import SandboxPool
from sandbox.restore import PristineImage

pytestmark = pytest.mark.docker


def test_pool_reuses_one_container_and_resets_it(repo_image: str, docker_client: DockerClient) -> None:
    config = DockerSandboxConfig(image=repo_image)
    pristine = PristineImage(docker_client, repo_image)
    with SandboxPool(lambda: config.build(docker_client, pristine), size=1) as pool:
        with pool.acquire() as box:
            first = box.container_id
            box.exec("echo dirty > README.md && touch extra")
        with pool.acquire() as box:
            assert box.container_id == first
            assert box.exec("cat README.md; ls extra").stdout == "hello\n"
    pristine.close()


def test_pool_bounds_concurrency(base_image: str) -> None:
    config = DockerSandboxConfig(image=base_image)
    lent: list[int] = []
    peak = []
    lock = threading.Lock()

    def work(pool: SandboxPool[DockerSandbox]) -> None:
        with pool.acquire(timeout=120) as box:
            with lock:
                lent.append(1)
                peak.append(len(lent))
            box.exec("sleep 0.3")
            with lock:
                lent.pop()

    with SandboxPool(config.build, size=2) as pool:
        threads = [threading.Thread(target=work, args=(pool,)) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert max(peak) <= 2


def test_cleanup_removes_labelled_leftovers(base_image: str, docker_client: DockerClient) -> None:
    leftover = docker_client.containers.create(base_image, labels=labels("leftover"))
    report = cleanup(docker_client)
    assert leftover.name in report.containers
    assert not docker_client.containers.list(all=True, filters={"label": "sweagent.kind=leftover"})

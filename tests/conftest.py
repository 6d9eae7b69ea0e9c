"""Shared fixtures: a Docker engine (tests marked `docker` skip, saying why, only when none answers)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from docker import DockerClient

from sandbox.engine import LABEL, SESSION_ENV, connect
from sandbox.errors import EngineUnavailable
from sandbox.images import base_tag, build_image, ensure_base

REPO_IMAGE = "sweagent-test-repo:latest"
REPO_DOCKERFILE = f"""
FROM {base_tag()}
USER sandbox
RUN git init -q . && mkdir -p pkg && printf 'def add(a, b):\\n    return a + b\\n' > pkg/calc.py \\
 && printf 'hello\\n' > README.md && printf '__pycache__/\\n' > .gitignore \\
 && git add -A && git commit -q -m base
USER root
"""


@pytest.fixture(scope="session")
def docker_client() -> Iterator[DockerClient]:
    try:
        client = connect()
    except EngineUnavailable as err:
        pytest.skip(f"no Docker engine: {err}")
    # Containers of this test session carry its id, so other users of the engine do not count.
    session = os.environ.setdefault(SESSION_ENV, f"tests-{uuid.uuid4().hex[:12]}")
    yield client
    leftovers = client.containers.list(all=True, filters={"label": f"{LABEL}.session={session}"})
    client.close()
    assert not leftovers, f"containers left behind: {[c.name for c in leftovers]}"


@pytest.fixture(scope="session")
def base_image(docker_client: DockerClient) -> str:
    return ensure_base(docker_client, progress=lambda _: None)


@pytest.fixture(scope="session")
def repo_image(docker_client: DockerClient, base_image: str) -> str:
    """The base image with a tiny committed git repository at /testbed."""
    return build_image(docker_client, REPO_DOCKERFILE, REPO_IMAGE, kind="test")

"""A real Docker Registry (API v2) on loopback, from Debian's `docker-registry` package, and an image in
the SWE-bench harness's layout: root as the user, no uid 1000, a conda-style environment `testbed`
(a venv under /opt/miniconda3/envs with a conda-like `activate`), the tiny repository at /testbed."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from docker import DockerClient
from evaluation_image import BASE_FILES, write_files

from sandbox.images import base_tag, build_image

__all__ = ["OFFICIAL_LAYOUT_IMAGE", "build_official_layout", "free_port", "loopback_registry"]

OFFICIAL_LAYOUT_IMAGE = "sweagent-test-official-layout:latest"
# conda's `activate ENV` in a few lines: what the adapter must find and capture.
CONDA_ACTIVATE = """\
export CONDA_PREFIX=/opt/miniconda3/envs/${1:-base}
export CONDA_DEFAULT_ENV=${1:-base}
export PATH=$CONDA_PREFIX/bin:/opt/miniconda3/condabin:$PATH
"""
OFFICIAL_DOCKERFILE = f"""
FROM {base_tag()}
RUN sed -i '/^sandbox:/d' /etc/passwd /etc/group && rm -rf /home/sandbox \\
 && python3 -m venv /opt/miniconda3/envs/testbed \\
 && /opt/miniconda3/envs/testbed/bin/pip install -q 'pytest>=7,<9' \
 && /opt/miniconda3/envs/testbed/bin/python -c 'import site; print(site.getsitepackages()[0])' \
    | xargs -I{{}} sh -c 'echo /testbed > {{}}/testbed.pth'
COPY activate /opt/miniconda3/bin/activate
COPY repo/ /testbed/
RUN chown -R root:root /testbed && git init -q . && git add -A \\
 && git -c user.name=h -c user.email=h@h commit -q -m base
USER root
"""


def build_official_layout(client: DockerClient, workdir: Path) -> str:
    """The harness-shaped image of the tiny instance (built once, then reused by tag)."""
    write_files(workdir / "repo", BASE_FILES)
    (workdir / "activate").write_text(CONDA_ACTIVATE)
    context = {"repo": workdir / "repo", "activate": workdir / "activate"}
    return build_image(client, OFFICIAL_DOCKERFILE, OFFICIAL_LAYOUT_IMAGE, kind="test", context=context)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def loopback_registry(workdir: Path) -> Iterator[str]:
    """`docker-registry` serving 127.0.0.1:<free port> from a temporary folder; yields `host:port`."""
    binary = shutil.which("docker-registry")
    if binary is None:
        msg = "docker-registry is not installed (apt-get install docker-registry; scripts/bootstrap.sh does)"
        raise RuntimeError(msg)
    address = f"127.0.0.1:{free_port()}"
    config = workdir / "registry.yml"
    config.write_text(
        "version: 0.1\nlog:\n  level: error\n"
        f"storage:\n  filesystem:\n    rootdirectory: {workdir / 'data'}\nhttp:\n  addr: {address}\n"
    )
    log = (workdir / "registry.log").open("w")
    process = subprocess.Popen([binary, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://{address}/v2/", timeout=1).close()  # noqa: S310
                break
            except (urllib.error.URLError, OSError):
                time.sleep(0.1)
        else:
            msg = f"docker-registry did not answer on {address}: {(workdir / 'registry.log').read_text()}"
            raise RuntimeError(msg)
        yield address
    finally:
        process.terminate()
        process.wait(10)
        log.close()

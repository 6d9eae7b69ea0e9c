"""Building a labelled image from an in-memory Dockerfile plus a few host paths."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Mapping
from pathlib import Path

import docker.errors
from docker import DockerClient

from sandbox.engine import labels
from sandbox.errors import SandboxError

__all__ = ["build_failure", "build_image"]


def build_image(
    client: DockerClient,
    dockerfile: str,
    tag: str,
    *,
    kind: str,
    context: Mapping[str, Path] | None = None,
) -> str:
    """Build `tag` from `dockerfile`, with each host path of `context` at its name; return the tag."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        data = dockerfile.encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        for name, path in (context or {}).items():
            tar.add(path, arcname=name)
    buffer.seek(0)
    try:
        client.images.build(
            fileobj=buffer, custom_context=True, tag=tag, labels=labels(kind), rm=True, forcerm=True
        )
    except (docker.errors.BuildError, docker.errors.APIError) as err:
        raise build_failure(tag, err) from err
    return tag


def build_failure(tag: str, err: docker.errors.BuildError | docker.errors.APIError) -> SandboxError:
    """Why building `tag` failed: the builder's message and the last lines of its log, or the engine's."""
    if isinstance(err, docker.errors.BuildError):
        log = "".join(str(chunk.get("stream", chunk.get("error", ""))) for chunk in err.build_log)
        tail = "\n".join(log.strip().splitlines()[-15:])
        return SandboxError(f"building {tag} failed: {err.msg}\n{tail}")
    return SandboxError(f"building {tag} failed: {err.explanation or err}")

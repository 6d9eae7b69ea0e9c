"""Connecting to the Docker engine with one-line errors, and removing what this package labelled."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import docker
import docker.errors
from docker import DockerClient
from docker.utils.socket import STDERR, frames_iter

from sandbox.errors import EngineUnavailable

__all__ = [
    "LABEL",
    "RUN_ENV",
    "SESSION_ENV",
    "CleanupReport",
    "cleanup",
    "connect",
    "exec_frames",
    "exec_script",
    "labels",
    "remove_run_containers",
]

LABEL = "sweagent"
"""Every container and image this package creates carries this label (value "1")."""


SESSION_ENV = "SWEAGENT_SESSION"
"""When set, its value is added as the `sweagent.session` label, so one session's objects can be found."""


RUN_ENV = "SWEAGENT_RUN"
"""When set, its value is added as the `sweagent.run` label: a resumed run removes what its killed
predecessor left behind (`remove_run_containers`)."""


def labels(kind: str, **extra: str) -> dict[str, str]:
    """The labels of a container or image of `kind` (sandbox, pristine, base, rootfs, ...)."""
    scoped = {
        f"{LABEL}.{name}": os.environ[variable]
        for name, variable in (("session", SESSION_ENV), ("run", RUN_ENV))
        if os.environ.get(variable)
    }
    return {LABEL: "1", f"{LABEL}.kind": kind, **scoped, **{f"{LABEL}.{k}": v for k, v in extra.items()}}


def remove_run_containers(client: DockerClient, run_id: str) -> list[str]:
    """Remove the containers labelled with run `run_id` (left by a killed process of that run)."""
    return _remove_containers(client, f"{LABEL}.run={run_id}")


def _remove_containers(client: DockerClient, label: str) -> list[str]:
    """Remove every container carrying `label` (`key=value`); the names of those removed."""
    removed = []
    for container in client.containers.list(all=True, filters={"label": label}):
        try:
            container.remove(force=True)
        except docker.errors.NotFound:
            continue  # removed meanwhile by another process
        removed.append(container.name or container.id or "")
    return removed


def connect(docker_host: str | None = None, timeout: float = 120.0) -> DockerClient:
    """A client for `docker_host` (default: DOCKER_HOST or the local socket) that answered a ping."""
    address = docker_host or os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    try:
        if address.startswith("unix://"):
            # docker-py leaks the socket of a failed unix connection: find out first, with our own.
            with socket.socket(socket.AF_UNIX) as probe:
                probe.settimeout(5)
                probe.connect(address.removeprefix("unix://"))
        client = DockerClient(base_url=address, timeout=int(timeout))
    except (docker.errors.DockerException, OSError) as err:
        msg = (
            f"the Docker engine at {address} does not answer ({_first_line(err)}); "
            "start it (`dockerd &` as root, or `bash scripts/bootstrap.sh`) or use the bwrap backend"
        )
        raise EngineUnavailable(msg) from err
    try:
        client.ping()
    except docker.errors.DockerException as err:
        client.close()
        msg = f"the Docker engine at {address} does not answer a ping ({_first_line(err)})"
        raise EngineUnavailable(msg) from err
    return client


def exec_frames(client: DockerClient, exec_id: str) -> Iterator[tuple[int, bytes]]:
    """The (stream, bytes) frames of an exec, read from its own socket and closed at the end.

    docker-py's own streaming leaves that socket for the garbage collector; this does not.
    """
    sock = client.api.exec_start(exec_id, socket=True)
    raw = getattr(sock, "_sock", sock)
    try:
        raw.settimeout(None)  # a command may stay silent for longer than the API timeout
        yield from frames_iter(sock, tty=False)
    finally:
        sock.close()
        raw.close()


def exec_script(
    client: DockerClient, container_id: str, script: str, args: Sequence[str] = (), user: str = "root"
) -> tuple[int | None, bytes, bytes]:
    """Run a bash script in a running container: (exit code, stdout, stderr); code None if it never ran."""
    out, err = bytearray(), bytearray()
    try:
        command = ["bash", "-c", script, "sweagent", *args]
        exec_id = client.api.exec_create(container_id, command, user=user)["Id"]
        for stream, data in exec_frames(client, exec_id):
            (err if stream == STDERR else out).extend(data)
        code = client.api.exec_inspect(exec_id).get("ExitCode")
    except (docker.errors.APIError, OSError) as error:
        return None, bytes(out), str(error).encode()
    return (code if isinstance(code, int) else None), bytes(out), bytes(err)


def _first_line(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return text.splitlines()[0][:300]


@dataclass(frozen=True)
class CleanupReport:
    """What `cleanup` removed."""

    containers: tuple[str, ...]
    images: tuple[str, ...]


def cleanup(client: DockerClient, *, images: bool = False) -> CleanupReport:
    """Remove every container (and, with `images`, every image) carrying this package's label."""
    removed = _remove_containers(client, f"{LABEL}=1")
    removed_images: list[str] = []
    if images:
        # Newest first: an image that others are built on goes after them.
        found = client.images.list(filters={"label": f"{LABEL}=1"})
        for image in sorted(found, key=lambda i: str(i.attrs.get("Created", "")), reverse=True):
            try:
                client.images.remove(image.id, force=True)
            except docker.errors.NotFound:
                continue
            except docker.errors.APIError:  # still used by an image this tool did not label
                continue
            removed_images.append(", ".join(image.tags) or image.short_id)
    return CleanupReport(containers=tuple(removed), images=tuple(removed_images))

"""Sandboxes as the CLI and the pipeline see them: built from the run config's `sandbox` section."""

from __future__ import annotations

import shutil
import subprocess

from sandbox.docker import DockerSandbox, DockerSandboxConfig
from sandbox.engine import CleanupReport, cleanup, connect
from sandbox.errors import EngineUnavailable
from sandbox.images import base_tag
from sandbox.network import NetworkMode
from sandbox.result import ExecResult
from sweagent.errors import ConfigError
from sweagent.sandbox_settings import BWRAP_REFUSED, DockerSandboxSettings, SandboxSettings

__all__ = [
    "FINISHING_CPU_SHARES",
    "docker_checks",
    "docker_config",
    "open_shell",
    "remove_leftovers",
    "run_once",
    "use_network",
]


def docker_config(
    settings: SandboxSettings,
    image: str | None = None,
    *,
    network: bool = False,
    default_network: NetworkMode = "none",
) -> DockerSandboxConfig:
    """The Docker sandbox config of one use of the run's settings (see `DockerSandboxSettings.for_use`)."""
    if not isinstance(settings, DockerSandboxSettings):  # the run refuses the others when it loads
        raise ConfigError(BWRAP_REFUSED.format(kind=settings.type))
    return settings.for_use(image, network=network, default_network=default_network)


def use_network(settings: SandboxSettings, default: NetworkMode) -> NetworkMode:
    """The network a use whose own default is `default` gets under the run's settings."""
    return docker_config(settings, default_network=default).network_mode


FINISHING_CPU_SHARES = 512
"""CPU weight of the sandboxes that finish an instance (selection, grading): half of a generation
sandbox's, so that while instances flow, the ones still generating, whose end the run waits for,
go first on a busy machine, and the finishing work takes every CPU they leave idle."""


def run_once(config: DockerSandboxConfig, command: list[str], timeout: float | None) -> ExecResult:
    """Run one command in a fresh sandbox, then remove it."""
    argv: str | list[str] = command[0] if len(command) == 1 else command
    with DockerSandbox(config) as sandbox:
        return sandbox.exec(argv, timeout)


def open_shell(config: DockerSandboxConfig) -> int:
    """An interactive bash in a fresh sandbox (through the docker CLI, which owns the terminal)."""
    docker_cli = shutil.which("docker")
    if docker_cli is None:
        msg = "`sweagent shell` needs the docker command-line client on PATH"
        raise ConfigError(msg)
    with DockerSandbox(config) as sandbox:
        container = sandbox.container_id
        return subprocess.call(
            [docker_cli, "exec", "-it", "-u", "1000", "-w", config.workdir, container, "bash"]
        )


def remove_leftovers(*, images: bool = False) -> CleanupReport:
    """Remove every container (and with `images`, every image) this tool labelled."""
    client = connect()
    try:
        return cleanup(client, images=images)
    finally:
        client.close()


def docker_checks() -> dict[str, tuple[bool, str]]:
    """Whether the engine answers and the base image exists, each with what to do when not."""
    try:
        client = connect()
    except EngineUnavailable as err:
        return {"docker engine": (False, str(err)), "base image": (False, "needs the engine")}
    try:
        version = str(client.version().get("Version", "?"))
        try:
            client.images.get(base_tag())
            image = (True, base_tag())
        except Exception:  # noqa: BLE001 - any failure means the image is not usable
            image = (False, f"{base_tag()} missing: run `python -m sandbox.images ensure-base`")
        return {"docker engine": (True, f"version {version}"), "base image": image}
    finally:
        client.close()

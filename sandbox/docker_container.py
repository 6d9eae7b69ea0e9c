"""The container behind a Docker sandbox: start, replace, liveness, close, and root maintenance scripts.

The container runs `sleep infinity` under Docker's init as root; every command of the sandbox runs as
the unprivileged user `sandbox` (uid 1000); root only runs the maintenance scripts
(killing that user's processes, counting OOM kills), through a long-lived root shell when it can.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

import docker.errors
import requests.exceptions
from docker import DockerClient
from docker.models.containers import Container

from sandbox.engine import connect, exec_script, labels
from sandbox.errors import ImageNotFound, SandboxClosed, SandboxError
from sandbox.network import NetworkPlan, plan_network
from sandbox.restore import PristineImage
from sandbox.root_shell import RootShell
from sandbox.scripts import KILL_USER_SCRIPT, OOM_COUNT_SCRIPT
from sandbox.transient import is_transient

if TYPE_CHECKING:
    from typing import Self

    from sandbox.docker import DockerSandboxConfig

__all__ = ["SANDBOX_UID", "DockerContainer"]

SANDBOX_UID = 1000


class DockerContainer:
    """One labelled container of `config.image` and its lifecycle; `DockerSandbox` builds on it."""

    def __init__(
        self,
        config: DockerSandboxConfig,
        *,
        client: DockerClient | None = None,
        pristine: PristineImage | None = None,
    ) -> None:
        self.config = config
        self.workdir = config.workdir
        self._own_client = client is None
        self._client = client or connect(config.docker_host)
        try:
            self._network = self._plan_network()
        except SandboxError:
            if self._own_client:
                self._client.close()
            raise
        self._own_pristine = pristine is None
        self._pristine = pristine or PristineImage(self._client, config.image)
        self._closed = False
        self._oom_seen = 0
        self._baseline_installed = False
        self._untouched = True
        self._shell: RootShell | None = None
        self._since = time.time()
        self._container = self._start()

    # -- lifecycle -------------------------------------------------------------------------------

    def _environment(self) -> dict[str, str]:
        env = {name: os.environ[name] for name in self.config.pass_env if name in os.environ}
        env.update(self.config.env)
        return env

    @property
    def network_warning(self) -> str | None:
        """Why the sandbox got less network than its config asked for (`dropped` became `none`)."""
        return self._network.warning

    def _plan_network(self) -> NetworkPlan:
        try:
            return plan_network(self._client, self.config.network_mode)
        except docker.errors.APIError as err:
            msg = (
                f"preparing the sandbox network ({self.config.network_mode}) failed: {err.explanation or err}"
            )
            raise SandboxError(msg) from err

    def _start(self) -> Container:
        try:
            self._client.images.get(self.config.image)
        except docker.errors.ImageNotFound as err:
            msg = (
                f"image {self.config.image!r} not found locally; build it "
                "(`python -m sandbox.images ensure-base`, `sweagent images build`) or pull it"
            )
            raise ImageNotFound(msg) from err
        except docker.errors.APIError as err:
            msg = f"looking up image {self.config.image!r} failed: {err.explanation or err}"
            raise SandboxError(msg) from err
        try:
            return self._client.containers.run(
                self.config.image,
                command=["sleep", "infinity"],
                detach=True,
                init=True,
                user="root",
                working_dir=self.config.workdir,
                environment=self._environment(),
                network_mode=self._network.network_mode,
                dns=list(self._network.dns) or None,
                # A lookup through a resolver that never answers fails in a second or two, not ten.
                dns_opt=["timeout:1", "attempts:1"] if self._network.dns else None,
                extra_hosts=dict(self.config.hosts) or None,
                sysctls={"net.ipv4.ip_unprivileged_port_start": "0"} if self.config.low_ports else None,
                mem_limit=self.config.memory,
                memswap_limit=self.config.memory,
                pids_limit=self.config.pids,
                cpu_shares=self.config.cpu_shares,
                labels=labels("sandbox", image=self.config.image),
            )
        except docker.errors.APIError as err:
            msg = f"starting a container of {self.config.image!r} failed: {err.explanation or err}"
            raise SandboxError(msg) from err

    @property
    def container_id(self) -> str:
        """The id of the container currently backing this sandbox."""
        return str(self._container.id)

    def _replace(self) -> None:
        self._close_shell()
        try:
            self._container.remove(force=True)
        except docker.errors.APIError:
            pass
        self._oom_seen, self._baseline_installed, self._since = 0, False, time.time()
        self._container = self._start()
        self._untouched = True

    def _close_shell(self) -> None:
        if self._shell is not None:
            self._shell.close()
            self._shell = None

    def _alive(self) -> bool:
        try:
            self._container.reload()
        except docker.errors.NotFound:
            return False
        return self._container.status == "running"

    def _dying(self) -> bool:
        """Whether the container stops within a second (its state lags behind its killed processes)."""
        for _ in range(10):
            if not self._alive():
                return True
            time.sleep(0.1)
        return False

    def close(self) -> None:
        """Remove the container (and the pristine reader this sandbox owns); safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._close_shell()
        try:
            self._container.remove(force=True)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as err:
            if "already in progress" not in str(err) and not is_transient(err):
                raise
        except requests.exceptions.ConnectionError:
            pass  # the engine is down: the run's labels let a later run or `sweagent cleanup` remove it
        if self._own_pristine:
            self._pristine.close()
        if self._own_client:
            self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            msg = "the sandbox is closed"
            raise SandboxClosed(msg)

    def _root_bytes(self, script: str, *args: str) -> tuple[int | None, bytes]:
        """Run a maintenance script as root: (exit code, stdout, or stdout and stderr on failure)."""
        if self._shell is None:
            try:
                self._shell = RootShell(self._client, self.container_id)
            except SandboxError:
                self._shell = None
        if self._shell is not None:
            try:
                return self._shell.run(script, args)
            except SandboxError:
                self._shell = None  # gone with its container or stuck: fall back to a plain exec
        code, out, err = exec_script(self._client, self.container_id, script, args)
        return code, out if code == 0 else out + err

    def _root(self, script: str, *args: str) -> tuple[int | None, str]:
        code, output = self._root_bytes(script, *args)
        return code, output.decode("utf-8", errors="replace")

    def _kill_user_processes(self) -> None:
        """Kill every process of the sandbox user; if that cannot even start, kill the container."""
        for _ in range(5):
            code, _ = self._root(KILL_USER_SCRIPT, str(SANDBOX_UID))
            if code == 0:
                return
            time.sleep(0.2)
        # A fork bomb at the pid limit can leave no room for one more process: give up the container.
        try:
            self._container.kill()
        except docker.errors.APIError:
            pass

    def _oom_happened(self) -> bool:
        code, output = self._root(OOM_COUNT_SCRIPT)
        if code != 0:
            return False
        count = int(output.strip() or 0)
        happened = count > self._oom_seen
        self._oom_seen = count
        return happened

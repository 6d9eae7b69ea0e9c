"""A sandbox in one long-lived Docker container: exec with a wall-clock deadline, copy, diff, reset.

The container runs `sleep infinity` under Docker's init as root; every command runs as the
unprivileged user `sandbox` (uid 1000). At the deadline all of that user's processes are killed, so
a command's background children and process-group escapes die with it, while the container lives
on. `reset()` undoes only what changed (see sandbox/restore.py) instead of starting a new container.

Here: the config, patches, diffs and reset. The container's lifecycle and root maintenance scripts
are in sandbox/docker_container.py; exec and file transfer in sandbox/docker_transfer.py.
"""

from __future__ import annotations

import logging
import time
from typing import Literal

from docker import DockerClient
from pydantic import BaseModel, ConfigDict, Field, field_validator

from sandbox.docker_container import SANDBOX_UID
from sandbox.docker_transfer import ExecContainer
from sandbox.errors import SandboxError
from sandbox.network import NetworkMode
from sandbox.restore import PristineImage, RestorePlan, plan_restore
from sandbox.result import DEFAULT_OUTPUT_LIMIT, ExecResult
from sandbox.scripts import DIFF_SCRIPT, RESET_SCRIPT, SECTION
from sandbox.shell_transfer import SHELL_TRANSFER_LIMIT, extract_script
from sandbox.transient import check_infra

__all__ = ["DockerSandbox", "DockerSandboxConfig"]

_log = logging.getLogger(__name__)
MAX_RESTORES = 64
"""Above this many paths to copy back, reset replaces the container instead."""


class DockerSandboxConfig(BaseModel):
    """How to start a Docker sandbox."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["docker"] = "docker"
    """Discriminator of the sandbox configs."""
    image: str = "sweagent-base:bookworm"
    """Image to run: the base image, or an environment/instance image built on it."""
    workdir: str = "/testbed"
    """The repository inside the container, and the default working directory."""
    memory: str = "4g"
    """Memory limit (swap included), in Docker's notation: 512m, 4g."""
    pids: int = Field(default=1024, ge=16)
    """Most processes the container may hold at once."""
    cpu_shares: int | None = Field(default=None, ge=2)
    """The container's weight when the CPUs are contended (Docker's default is 1024; None leaves it):
    a container of half the weight gets half the share against a default one, and all of an idle CPU."""
    network: NetworkMode | None = None
    """`none`: loopback only; `dropped`: outbound packets silently dropped (connects time out, names do
    not resolve; see sandbox/network.py); `open`: Docker's default bridge. Unset: `none`, left for the
    user of the config to choose (a run's uses pick their own). `true` means `open`, `false` unset."""
    hosts: dict[str, str] = Field(default_factory=dict)
    """Extra name-to-address lines of the container's /etc/hosts (a name served on loopback, say)."""
    low_ports: bool = False
    """Whether the sandbox user may listen on ports below 1024 (a stand-in for a web service on 80/443);
    the ports are the container's own network namespace's, never the host's."""
    env: dict[str, str] = Field(default_factory=dict)
    """Variables set inside the container."""
    pass_env: list[str] = Field(default_factory=list)
    """Host variables copied in by name; nothing else of the host's environment enters."""
    timeout: float = Field(default=300.0, gt=0)
    """Wall-clock seconds an execution may take when the caller gives none."""
    output_limit: int = Field(default=DEFAULT_OUTPUT_LIMIT, ge=64)
    """Bytes kept of each of stdout and stderr (head and tail halves)."""
    docker_host: str | None = None
    """Engine address; default DOCKER_HOST or the local socket."""

    @field_validator("network", mode="before")
    @classmethod
    def _network_from_bool(cls, value: object) -> object:
        if isinstance(value, bool):  # the setting was a bool before the modes existed
            return "open" if value else None
        return value

    @property
    def network_mode(self) -> NetworkMode:
        """The network a sandbox built from this config gets."""
        return self.network or "none"

    def build(
        self, client: DockerClient | None = None, pristine: PristineImage | None = None
    ) -> DockerSandbox:
        return DockerSandbox(self, client=client, pristine=pristine)


class DockerSandbox(ExecContainer):
    """One container; see the module docstring. Use as a context manager or call `close()`."""

    def apply_patch(self, patch: str) -> ExecResult:
        """`git apply` the unified diff in the workdir; the result says whether it applied."""
        self._check_open()
        self.write_file("/tmp/sweagent-apply.patch", patch if patch.endswith("\n") else patch + "\n")
        return self.exec("git apply --whitespace=nowarn /tmp/sweagent-apply.patch", timeout=120)

    def diff(self) -> str:
        """`git diff` of the workdir against HEAD, untracked files included; the index is left alone."""
        self._check_open()
        result = check_infra(self.exec(DIFF_SCRIPT, timeout=120))  # an engine fault is not git's
        if not result.ok:
            msg = f"git diff in {self.workdir} failed: {(result.stderr or result.stdout).strip()[:300]}"
            raise SandboxError(msg)
        return result.stdout if result.stdout_bytes == len(result.stdout.encode()) else self._full_diff()

    def _full_diff(self) -> str:
        # A diff larger than the output limit is written to a file and read back whole.
        check_infra(self.exec(f"{DIFF_SCRIPT} > /tmp/sweagent.diff", timeout=120))
        return self.read_file("/tmp/sweagent.diff").decode("utf-8", errors="replace")

    # -- reset -----------------------------------------------------------------------------------

    def take_baseline(self) -> None:
        """Take the image's reset baseline now: in this container while nothing has run in it (which
        spares the throw-away container a first reset would start), else as a reset would."""
        self._check_open()
        self._pristine.baseline(self.container_id if self._untouched else None)

    def reset(self) -> None:
        """Back to the image's state: kill leftovers, delete what was added, copy back what changed."""
        self._check_open()
        if not self._alive():
            # The last command killed its own container (or the pid limit forced us to): start anew.
            self._replace()
            return
        baseline = self._pristine.baseline()
        if not self._baseline_installed:
            if not self._container.put_archive("/", baseline.state_archive()):
                msg = f"installing the reset baseline into container {self._container.short_id} failed"
                raise SandboxError(msg)
            self._baseline_installed = True
        for _ in range(3):
            since = self._since
            code, output = self._root_bytes(RESET_SCRIPT, str(SANDBOX_UID), f"{since:.6f}")
            if code != 0 or output.count(SECTION) != 2:
                text = output.decode("utf-8", errors="replace").strip()[-300:]
                msg = f"reset failed in container {self._container.short_id}: {text}"
                raise SandboxError(msg)
            head, deleted_part, changed_part = output.split(SECTION)
            self._since = time.time()  # after the listing: later changes count for the next reset
            plan = plan_restore(_paths(deleted_part), _entries(changed_part), baseline)
            if len(plan.trees) + len(plan.entries) > MAX_RESTORES:
                self._replace()  # copying back hundreds of paths one by one costs more than a new container
                return
            self._restore(plan)
            if plan.trees or plan.entries:
                self._since = time.time()  # the copies just made are pristine, not changes
            if head.split()[:1] == [b"0"]:
                return  # no leftover process could have written after the listing
        msg = f"reset of container {self._container.short_id}: processes kept coming back"
        raise SandboxError(msg)

    def _restore(self, plan: RestorePlan) -> None:
        """Copy the plan's pristine paths back: through the root shell, or `put_archive` when large."""
        if not (plan.trees or plan.entries):
            return
        archive = self._pristine.archive(plan)
        if len(archive) <= SHELL_TRANSFER_LIMIT:
            code, output = self._root(extract_script(archive))
            if code == 0:
                return
            _log.warning("restoring through the root shell failed (%s); using put_archive", output[-200:])
        self._pristine.restore(self._container, plan)


def _paths(part: bytes) -> list[str]:
    return [p.decode("utf-8", errors="surrogateescape") for p in part.split(b"\0") if p]


def _entries(part: bytes) -> list[tuple[str, str, str]]:
    entries = []
    for item in _paths(part):
        kind_mode, _, path = item.partition(" ")
        entries.append((kind_mode[:1], kind_mode[1:], path))
    return entries

"""A sandbox in one long-lived Docker container: exec with a wall-clock deadline, copy, diff, reset.

The container runs `sleep infinity` under Docker's init as root; every command runs as the
unprivileged user `sandbox` (uid 1000). At the deadline all of that user's processes are killed, so
a command's background children and process-group escapes die with it, while the container lives
on. `reset()` undoes only what changed (see sandbox/restore.py) instead of starting a new container.
"""

from __future__ import annotations

import io
import logging
import os
import posixpath
import tarfile
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Literal

import docker.errors
import requests.exceptions
from docker import DockerClient
from docker.models.containers import Container
from docker.utils.socket import STDERR
from pydantic import BaseModel, ConfigDict, Field

from sandbox.engine import connect, exec_frames, exec_script, labels
from sandbox.errors import ImageNotFound, SandboxClosed, SandboxError
from sandbox.restore import PristineImage, RestorePlan, plan_restore
from sandbox.result import DEFAULT_OUTPUT_LIMIT, ExecResult, OutputBuffer
from sandbox.root_shell import RootShell
from sandbox.scripts import DIFF_SCRIPT, KILL_USER_SCRIPT, OOM_COUNT_SCRIPT, RESET_SCRIPT, SECTION
from sandbox.shell_transfer import SHELL_TRANSFER_LIMIT, extract_script, write_script
from sandbox.transient import check_infra, is_transient

__all__ = ["DockerSandbox", "DockerSandboxConfig"]

SANDBOX_UID = 1000
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
    network: bool = False
    """Attach the default bridge network; without it the container has only loopback."""
    env: dict[str, str] = Field(default_factory=dict)
    """Variables set inside the container."""
    pass_env: tuple[str, ...] = ()
    """Host variables copied in by name; nothing else of the host's environment enters."""
    timeout: float = Field(default=300.0, gt=0)
    """Wall-clock seconds an execution may take when the caller gives none."""
    output_limit: int = Field(default=DEFAULT_OUTPUT_LIMIT, ge=64)
    """Bytes kept of each of stdout and stderr (head and tail halves)."""
    docker_host: str | None = None
    """Engine address; default DOCKER_HOST or the local socket."""

    def build(
        self, client: DockerClient | None = None, pristine: PristineImage | None = None
    ) -> DockerSandbox:
        return DockerSandbox(self, client=client, pristine=pristine)


class DockerSandbox:
    """One container; see the module docstring. Use as a context manager or call `close()`."""

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
                network_mode=None if self.config.network else "none",
                mem_limit=self.config.memory,
                memswap_limit=self.config.memory,
                pids_limit=self.config.pids,
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

    def __enter__(self) -> DockerSandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            msg = "the sandbox is closed"
            raise SandboxClosed(msg)

    # -- execution -------------------------------------------------------------------------------

    def exec(
        self,
        cmd: str | Sequence[str],
        timeout: float | None = None,
        *,
        env: Mapping[str, str] | None = None,
        workdir: str | None = None,
    ) -> ExecResult:
        """Run `cmd` as the sandbox user; returns an ExecResult whatever happens to the command."""
        self._check_open()
        self._untouched = False
        argv = ["bash", "-c", cmd] if isinstance(cmd, str) else list(cmd)
        limit = self.config.timeout if timeout is None else timeout
        started = time.monotonic()
        try:
            exec_id = self._client.api.exec_create(
                self._container.id,
                argv,
                user=str(SANDBOX_UID),
                workdir=workdir or self.workdir,
                environment=dict(env or {}),
            )["Id"]
        except docker.errors.APIError as err:
            return self._infra_failure(err, started)
        stdout, stderr = OutputBuffer(self.config.output_limit), OutputBuffer(self.config.output_limit)
        failure: list[BaseException] = []
        reader = threading.Thread(
            target=self._pump, args=(exec_id, stdout, stderr, failure), daemon=True, name="sandbox-exec"
        )
        reader.start()
        reader.join(limit)
        timed_out = reader.is_alive()
        if timed_out:
            self._kill_user_processes()
            reader.join(10)
        duration = time.monotonic() - started
        if failure:
            return self._infra_failure(failure[0], started, stdout, stderr)
        exit_code = None if timed_out else self._exit_code(exec_id)
        if not timed_out and exit_code in (None, 137) and self._dying():
            # Killed with its container (removed, engine restarted): the engine's fault, not the command's.
            gone = SandboxClosed("the container stopped while the command ran")
            return self._infra_failure(gone, started, stdout, stderr)
        oom = exit_code == 137 and self._oom_happened()
        return ExecResult(
            exit_code=exit_code,
            stdout=stdout.text(),
            stderr=stderr.text(),
            duration=duration,
            timed_out=timed_out,
            oom_killed=oom,
            stdout_bytes=stdout.total,
            stderr_bytes=stderr.total,
        )

    def _pump(
        self, exec_id: str, stdout: OutputBuffer, stderr: OutputBuffer, failure: list[BaseException]
    ) -> None:
        try:
            for stream, data in exec_frames(self._client, exec_id):
                (stderr if stream == STDERR else stdout).write(data)
        except Exception as err:  # noqa: BLE001 - handed to the caller as an infrastructure error
            failure.append(err)

    def _exit_code(self, exec_id: str) -> int | None:
        try:
            code = self._client.api.exec_inspect(exec_id).get("ExitCode")
        except docker.errors.APIError:
            return None
        return code if isinstance(code, int) else None

    def _infra_failure(
        self,
        err: BaseException,
        started: float,
        stdout: OutputBuffer | None = None,
        stderr: OutputBuffer | None = None,
    ) -> ExecResult:
        reason = str(getattr(err, "explanation", None) or err).strip().splitlines()[0][:300]
        if not self._alive():
            reason = f"the container is gone or stopped ({reason})"
        return ExecResult(
            exit_code=None,
            stdout=stdout.text() if stdout else "",
            stderr=stderr.text() if stderr else "",
            duration=time.monotonic() - started,
            infra_error=reason,
            stdout_bytes=stdout.total if stdout else 0,
            stderr_bytes=stderr.total if stderr else 0,
        )

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

    # -- files -----------------------------------------------------------------------------------

    def _abs(self, path: str) -> str:
        full = posixpath.normpath(posixpath.join(self.workdir, path))
        if not full.startswith("/"):
            msg = f"bad sandbox path {path!r}"
            raise SandboxError(msg)
        return full

    def write_file(self, path: str, content: str | bytes) -> None:
        """Write a file owned by the sandbox user, creating its directory if needed."""
        self._check_open()
        self._untouched = False
        full = self._abs(path)
        data = content.encode("utf-8") if isinstance(content, str) else content
        info = tarfile.TarInfo(posixpath.basename(full))
        info.size, info.mode, info.mtime = len(data), 0o644, int(time.time())
        info.uid = info.gid = SANDBOX_UID
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            tar.addfile(info, io.BytesIO(data))
        parent = posixpath.dirname(full)
        try:
            if not self._container.put_archive(parent, buffer.getvalue()):
                raise SandboxError(f"writing {full} failed")  # noqa: EM102, TRY301
        except docker.errors.NotFound:
            made = check_infra(self.exec(["mkdir", "-p", parent], timeout=30))
            if not made.ok:
                msg = f"cannot create directory {parent} in the sandbox: {made.stderr.strip()}"
                raise SandboxError(msg) from None
            self._container.put_archive(parent, buffer.getvalue())
        except docker.errors.APIError as err:
            msg = f"writing {full} failed: {err.explanation or err}"
            raise SandboxError(msg) from err

    def write_files(self, files: Mapping[str, str | bytes]) -> None:
        """Write several files owned by the sandbox user in one round trip (through the root shell)."""
        self._check_open()
        self._untouched = False
        data = {self._abs(p): c.encode("utf-8") if isinstance(c, str) else c for p, c in files.items()}
        if sum(map(len, data.values())) > SHELL_TRANSFER_LIMIT:
            for path, content in data.items():
                self.write_file(path, content)
            return
        code, output = self._root(write_script(data, SANDBOX_UID))
        if code is None:  # the engine could not run the script: the container is gone, or the engine
            msg = f"writing {', '.join(data)} failed: {output.strip()[-300:]}"
            raise SandboxClosed(msg)
        if code != 0:
            msg = f"writing {', '.join(data)} failed: {output.strip()[-300:]}"
            raise SandboxError(msg)

    def read_file(self, path: str) -> bytes:
        """The bytes of a regular file; FileNotFoundError when it does not exist."""
        self._check_open()
        full = self._abs(path)
        try:
            stream, _ = self._container.get_archive(full)
        except docker.errors.NotFound as err:
            if "no such container" in str(err).lower():
                raise SandboxClosed(f"the container is gone: {err}") from err  # noqa: EM102
            raise FileNotFoundError(f"no such file in the sandbox: {full}") from None  # noqa: EM102
        except docker.errors.APIError as err:
            msg = f"reading {full} failed: {err.explanation or err}"
            raise SandboxError(msg) from err
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.next()
            handle = tar.extractfile(member) if member and member.isfile() else None
            if handle is None:
                msg = f"{full} in the sandbox is not a regular file"
                raise SandboxError(msg)
            return handle.read()

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

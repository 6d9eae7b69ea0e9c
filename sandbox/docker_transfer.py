"""Commands and files in a Docker sandbox's container: exec with a wall-clock deadline, write, read.

At the deadline all of the sandbox user's processes are killed, so a command's background children
and process-group escapes die with it, while the container lives on.
"""

from __future__ import annotations

import io
import posixpath
import tarfile
import threading
import time
from collections.abc import Mapping

import docker.errors
from docker.utils.socket import STDERR

from sandbox.command import Command, CommandRunner
from sandbox.docker_container import SANDBOX_UID, DockerContainer
from sandbox.engine import exec_frames
from sandbox.errors import SandboxClosed, SandboxError
from sandbox.result import ExecResult, OutputBuffer
from sandbox.shell_transfer import SHELL_TRANSFER_LIMIT, write_script
from sandbox.transient import check_infra

__all__ = ["ExecContainer"]


class ExecContainer(DockerContainer, CommandRunner):
    """A container that runs commands as the sandbox user and moves files in and out."""

    # -- execution -------------------------------------------------------------------------------

    def _default_timeout(self) -> float:
        return self.config.timeout

    def _run_command(self, command: Command) -> ExecResult:
        """Run one command of `exec` as the sandbox user; an ExecResult whatever happens to it."""
        self._check_open()
        self._untouched = False
        started = time.monotonic()
        try:
            exec_id = self._client.api.exec_create(
                self._container.id,
                command.argv,
                user=str(SANDBOX_UID),
                workdir=command.workdir,
                environment=dict(command.env),
            )["Id"]
        except docker.errors.APIError as err:
            return self._infra_failure(err, started)
        stdout, stderr = OutputBuffer(self.config.output_limit), OutputBuffer(self.config.output_limit)
        failure: list[BaseException] = []
        reader = threading.Thread(
            target=self._pump, args=(exec_id, stdout, stderr, failure), daemon=True, name="sandbox-exec"
        )
        reader.start()
        reader.join(command.timeout)
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

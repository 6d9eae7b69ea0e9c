"""A root bash kept open inside a container, so maintenance scripts skip the cost of a new exec.

Each `docker exec` costs tens of milliseconds in the engine and runc; a reset needs one script run
as root. This shell is started once per container and reads scripts from its attached stdin; each
script runs in a subshell (so `exit` and `set` stay inside it) and is followed by a line carrying a
random token and the exit status, which marks the end of its output.
"""

from __future__ import annotations

import re
import secrets
import shlex
import socket
import struct
from collections.abc import Sequence

import docker.errors
from docker import DockerClient

from sandbox.errors import SandboxError
from sandbox.scripts import STATE_DIR

__all__ = ["RootShell"]

STDOUT = 1


class RootShell:
    """`bash` as root in a running container, driven through its attached stdin and stdout."""

    def __init__(self, client: DockerClient, container_id: str) -> None:
        try:
            exec_id = client.api.exec_create(container_id, ["bash"], stdin=True, user="root")["Id"]
            self._sock = client.api.exec_start(exec_id, socket=True)
        except docker.errors.APIError as err:
            msg = f"starting a root shell in container {container_id[:12]} failed: {err.explanation or err}"
            raise SandboxError(msg) from err
        self._raw: socket.socket = getattr(self._sock, "_sock", self._sock)
        self._pending = bytearray()

    def run(self, script: str, args: Sequence[str] = (), timeout: float = 30.0) -> tuple[int, bytes]:
        """Run `script` with positional `args`: (exit status, stdout and, on failure, stderr).

        Raises SandboxError when the shell is gone or does not finish within `timeout` seconds.
        """
        token = secrets.token_hex(12)
        # stderr is kept aside (outside the paths a reset scans) and shown after stdout only on failure,
        # as a plain exec would report it.
        quoted = " ".join(shlex.quote(a) for a in args)
        text = (
            f"mkdir -p {STATE_DIR}; e=$(mktemp -p {STATE_DIR}); "
            f'( set -- {quoted}\n{script}\n) </dev/null 2>"$e"; '
            f's=$?; [ $s -eq 0 ] || cat "$e"; rm -f "$e"; printf \'\\n{token} %d\\n\' $s\n'
        )
        end = re.compile(rb"\n" + token.encode() + rb" (\d+)\n\Z")
        output = bytearray()
        try:
            self._raw.settimeout(timeout)
            self._raw.sendall(text.encode())
            while True:
                stream, data = self._frame()
                if stream != STDOUT:
                    continue
                output += data
                found = end.search(output[-64:]) if len(output) >= len(token) else None
                if found:
                    status = int(found.group(1))
                    return status, bytes(output[: len(output) - len(found.group(0))])
        except (OSError, struct.error) as err:
            self.close()
            msg = f"the root shell stopped answering ({err or type(err).__name__})"
            raise SandboxError(msg) from err

    def _recv_exactly(self, size: int) -> bytes:
        while len(self._pending) < size:
            chunk = self._raw.recv(max(65536, size - len(self._pending)))
            if not chunk:
                msg = "the root shell's connection closed"
                raise ConnectionError(msg)
            self._pending += chunk
        data = bytes(self._pending[:size])
        del self._pending[:size]
        return data

    def _frame(self) -> tuple[int, bytes]:
        # Docker multiplexes a non-tty exec's streams: 8-byte header (stream, 0, 0, 0, big-endian size).
        stream, size = struct.unpack(">BxxxL", self._recv_exactly(8))
        return stream, self._recv_exactly(size)

    def close(self) -> None:
        """Close the connection; the shell exits at the end of its input."""
        try:
            self._sock.close()
        finally:
            self._raw.close()

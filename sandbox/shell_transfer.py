"""Scripts that carry file contents into a container through its open root shell.

`put_archive` costs a request and a helper process in the engine (about 0.1 s here) per call; the
root shell (sandbox/root_shell.py) is already open, so data sent as a here-document in a script
costs only the bytes. Contents travel base64-encoded, so any bytes survive bash.
"""

from __future__ import annotations

import base64
import secrets
import shlex
from collections.abc import Mapping

from sandbox.scripts import STATE_DIR

__all__ = ["SHELL_TRANSFER_LIMIT", "extract_script", "write_script"]

SHELL_TRANSFER_LIMIT = 1024 * 1024
"""Bytes above which callers should use `put_archive`: a large here-document gains nothing."""


def _here_document(data: bytes) -> tuple[str, str]:
    """(delimiter, body) of a here-document holding `data` base64-encoded; the body ends with a newline."""
    delimiter = f"SWEAGENT_{secrets.token_hex(8)}"  # base64 never contains `_`
    return delimiter, base64.encodebytes(data).decode("ascii")


def write_script(files: Mapping[str, bytes], uid: int) -> str:
    """As root: write each file (absolute path) as user `uid`, creating its directory; mode from umask 022.

    The writes run as `uid`, so a symbolic link the user planted cannot make root write elsewhere.
    """
    parts = [f"export TMPDIR={STATE_DIR}", "set -e", "umask 022"]
    user = f"setpriv --reuid={uid} --regid={uid} --clear-groups"
    for path, data in files.items():
        delimiter, body = _here_document(data)
        writer = 'mkdir -p -- "$(dirname -- "$1")" && base64 -d > "$1"'
        parts.append(f"{user} bash -c {shlex.quote(writer)} write {shlex.quote(path)} <<'{delimiter}'")
        parts.append(f"{body}{delimiter}")
    return "\n".join(parts) + "\n"


def extract_script(archive: bytes) -> str:
    """As root: unpack the tar `archive` at / with its numeric owners, modes and times."""
    delimiter, body = _here_document(archive)
    return (
        f"export TMPDIR={STATE_DIR}\nset -o pipefail\n"
        f"base64 -d <<'{delimiter}' | tar -x -f - -C / --numeric-owner --same-owner --same-permissions\n"
        f"{body}{delimiter}\n"
    )

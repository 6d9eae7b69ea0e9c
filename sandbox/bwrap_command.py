"""The pieces of a bubblewrap sandbox that need no state: its command line, paths, limits."""

from __future__ import annotations

import os
import posixpath
import re
import shutil
import stat
import subprocess
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from sandbox.errors import EngineUnavailable, SandboxPathError
from sandbox.result import ExecResult

__all__ = [
    "bwrap_argv",
    "check_reachable",
    "find_executable",
    "gitignore_literal",
    "host_path",
    "looks_out_of_memory",
    "parse_memory",
    "remove_tree",
    "root_mirror_args",
]

_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_MEMORY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([bkmgt]?)b?\s*$", re.IGNORECASE)
# Mounted by bubblewrap itself (or by us: the repository and /tmp); never mirrored from the host.
_NOT_MIRRORED = frozenset({"proc", "dev", "tmp"})
_OOM_MARKERS = ("MemoryError", "Cannot allocate memory", "std::bad_alloc", "out of memory")


def parse_memory(text: str) -> int:
    """Bytes in a Docker-style size: `4g`, `512m`, `1024k`, `1.5g`, or a plain number of bytes."""
    match = _MEMORY.match(text)
    if match is None:
        msg = f"memory must look like 4g, 512m or 1048576 (bytes), not {text!r}"
        raise ValueError(msg)
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


def root_mirror_args(workdir: str, root: Path = Path("/")) -> list[str]:
    """Read-only binds of the host's top-level entries, except the one holding `workdir`.

    `--ro-bind / /` alone would leave no place to mount the repository when `workdir` does not
    exist on the host (a read-only mount cannot grow a mount point), so each top-level entry is
    bound on its own onto bubblewrap's root tmpfs, which is made read-only at the end. The host's
    top-level directory of `workdir` (`/testbed` by default, rarely present) is hidden, and /run
    is replaced by an empty one.
    """
    hidden = PurePosixPath(workdir).parts[1]
    args: list[str] = []
    for entry in sorted(os.scandir(root), key=lambda e: e.name):
        if entry.name in _NOT_MIRRORED or entry.name == hidden:
            continue
        target = f"/{entry.name}"
        if entry.name == "run":
            args += _private_run(root)
        elif entry.is_symlink():  # merged /usr: /bin -> usr/bin must stay a link
            args += ["--symlink", str(Path(entry.path).readlink()), target]
        else:
            args += ["--ro-bind", entry.path, target]
    return args


def _private_run(root: Path) -> list[str]:
    """An empty /run: the host's holds sockets that are root on a plate (docker.sock, D-Bus)."""
    # A socket file stays connectable through a read-only bind, and an unprivileged user namespace
    # keeps the host user's groups (the docker group, say), so hiding is the only defence.
    args = ["--tmpfs", "/run"]
    resolv = (root / "etc" / "resolv.conf").resolve()
    if resolv.is_file() and resolv.is_relative_to(root / "run"):  # systemd-resolved's stub file
        inside = f"/{resolv.relative_to(root).as_posix()}"
        args += ["--ro-bind", str(resolv), inside]
    return args


def bwrap_argv(
    *,
    bwrap: str,
    prlimit: str,
    mirror: Sequence[str],
    repo: Path,
    tmp: Path,
    workdir: str,
    chdir: str,
    network: bool,
    uid: int,
    gid: int,
    memory_bytes: int,
    file_bytes: int,
    pids: int,
    cmd: Sequence[str],
) -> list[str]:
    """The full command line: namespaces, mounts, then `prlimit` applying the limits, then `cmd`."""
    argv = [bwrap, *mirror, "--proc", "/proc", "--dev", "/dev"]
    # /tmp is a host directory of this sandbox rather than a tmpfs so that files left there by one
    # exec (a reproduction script) are still there for the next; reset() empties it.
    argv += ["--bind", str(tmp), "/tmp", "--bind", str(repo), workdir, "--remount-ro", "/"]
    argv += ["--chdir", chdir, "--unshare-all", "--unshare-user", "--uid", str(uid), "--gid", str(gid)]
    if network:
        argv.append("--share-net")
    argv += ["--hostname", "sandbox", "--die-with-parent", "--new-session", "--"]
    # Limits are set inside the sandbox, after the user namespace exists: RLIMIT_NPROC is then
    # counted per user in that namespace, so it caps this sandbox's processes only, not every
    # process of the same host uid (other sandboxes included). RLIMIT_AS caps each process's
    # address space and RLIMIT_FSIZE each file's size; there is no cgroup here, so neither the
    # memory of all processes nor the disk they fill together is capped.
    limits = [f"--as={memory_bytes}", f"--fsize={file_bytes}", f"--nproc={pids}", "--core=0"]
    return [*argv, prlimit, *limits, "--", *cmd]


def host_path(path: str, mounts: Sequence[tuple[str, Path]], workdir: str) -> Path:
    """The host file behind a sandbox path, refusing any path (or symlink) that leads outside `mounts`.

    Only valid while no sandboxed process runs (between execs), so nothing can swap a checked
    directory for a symlink before the caller uses the result.
    """
    inside = posixpath.normpath(posixpath.join(workdir, path))
    for mount_point, host_root in mounts:
        if inside != mount_point and not inside.startswith(mount_point.rstrip("/") + "/"):
            continue
        candidate = host_root / posixpath.relpath(inside, mount_point)
        real_root = host_root.resolve()
        real = candidate.resolve()
        if real == real_root or real_root in real.parents:
            return real
        msg = f"path {path!r} leads outside the sandbox through a symlink"
        raise SandboxPathError(msg)
    allowed = " or ".join(point for point, _ in mounts)
    msg = f"path {path!r} is outside the sandbox's files; use a path under {allowed}"
    raise SandboxPathError(msg)


def looks_out_of_memory(result: ExecResult) -> bool:
    """Best guess that the memory limit ended a failed command (see `BwrapSandbox.exec`)."""
    if result.timed_out or result.exit_code in (0, None):
        return False
    if result.exit_code == 128 + 9:  # SIGKILL not sent by us: most likely the kernel's OOM killer
        return True
    tail = result.stderr[-4096:]
    return any(marker in tail for marker in _OOM_MARKERS)


def find_executable(name: str, missing: str) -> str:
    """The full path of an executable, or EngineUnavailable with the `missing` message."""
    found = shutil.which(name)
    if found is None:
        raise EngineUnavailable(missing)
    return found


def gitignore_literal(name: str) -> str:
    """A file name as a gitignore pattern matching only itself."""
    escaped = "".join("\\" + char if char in "*?[]\\" else char for char in name)
    return "\\" + escaped if escaped[:1] in ("#", "!") else escaped


def remove_tree(path: Path) -> None:
    """Remove a directory tree written by the sandbox, whatever modes it left behind."""
    # Files written inside may lack the owner's write bit on their directory; restore it first
    # (root needs none of this).
    if os.geteuid() != 0 and path.exists():
        subprocess.run(["chmod", "-R", "u+rwX", str(path)], capture_output=True)
    shutil.rmtree(path, ignore_errors=True)


def check_reachable(directory: Path, uid: int, gid: int) -> None:
    """Refuse a directory that `uid` cannot reach: bubblewrap, run as `uid`, could not bind it."""
    for part in [directory.resolve(), *directory.resolve().parents]:
        info = part.stat()
        if info.st_mode & stat.S_IXOTH:
            continue
        if (info.st_uid == uid and info.st_mode & stat.S_IXUSR) or (
            info.st_gid == gid and info.st_mode & stat.S_IXGRP
        ):
            continue
        msg = f"uid {uid}, the sandbox's user, cannot enter {part}; choose a scratch_dir it can reach"
        raise SandboxPathError(msg)

"""The bubblewrap backend: a private copy of a repository, run in namespaces on a read-only host."""

from __future__ import annotations

import functools
import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from sandbox.bounded_run import run_bounded
from sandbox.bwrap_command import (
    bwrap_argv,
    check_reachable,
    find_executable,
    gitignore_literal,
    host_path,
    looks_out_of_memory,
    parse_memory,
    remove_tree,
    root_mirror_args,
)
from sandbox.bwrap_config import BwrapSandboxConfig
from sandbox.command import Command, CommandRunner
from sandbox.errors import EngineUnavailable, RepositoryBroken, SandboxClosed, SandboxPathError
from sandbox.result import ExecResult

__all__ = ["BwrapSandbox", "BwrapSandboxConfig"]

_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_INTERNAL_TIMEOUT = 600.0
_INSTALL_HINT = "install it with `apt-get install bubblewrap`"
_USERNS_HINT = (
    "if it cannot create namespaces, allow unprivileged user namespaces (sysctl "
    "kernel.unprivileged_userns_clone=1, or kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu 24.04)"
)


class BwrapSandbox(CommandRunner):
    """A private copy of `source` bound read-write at `workdir` on a read-only view of the host.

    Each exec is a fresh bubblewrap process with new user, pid, network, ipc and uts namespaces,
    running as a non-root uid; when it returns, its pid namespace is gone and with it every
    process it started. Not thread-safe: one exec at a time.

    Limits, without cgroups: each process's address space (RLIMIT_AS, `memory`), each file's size
    (RLIMIT_FSIZE), the number of processes of the sandbox's user (RLIMIT_NPROC, counted in its
    own user namespace, so per sandbox) and wall-clock time. Not limited: the memory of all
    processes together, total disk use, CPU share.
    """

    def __init__(self, config: BwrapSandboxConfig) -> None:
        self.config = config
        self.workdir = config.workdir
        self._bwrap = find_executable(
            config.bwrap_path, f"bubblewrap ({config.bwrap_path}) not found; {_INSTALL_HINT}"
        )
        self._prlimit = find_executable(
            "prlimit", "prlimit not found; install it with `apt-get install util-linux`"
        )
        if not (config.source / ".git").is_dir():
            msg = f"source {config.source} is not a git repository with its own .git directory"
            raise SandboxPathError(msg)
        # As root, run bubblewrap as an ordinary host uid: inside, root-owned host files are then
        # other people's files (no reading /root or /etc/shadow), and RLIMIT_NPROC is enforced, which
        # it never is for host root. The copy is chowned to that uid so the sandbox can write it.
        self._as_user = config.uid if os.geteuid() == 0 else None
        if self._as_user is not None:
            check_reachable(Path(config.scratch_dir or tempfile.gettempdir()), config.uid, config.gid)
        mirror = root_mirror_args(config.workdir)
        self._closed = False
        self._scratch = Path(tempfile.mkdtemp(prefix="sweagent-bwrap-", dir=config.scratch_dir))
        self._repo = self._scratch / "repo"
        self._tmp = self._scratch / "tmp"
        self._command = functools.partial(
            bwrap_argv,
            bwrap=self._bwrap,
            prlimit=self._prlimit,
            mirror=mirror,
            repo=self._repo,
            tmp=self._tmp,
            workdir=self.workdir,
            network=config.network,
            uid=config.uid,
            gid=config.gid,
            memory_bytes=parse_memory(config.memory),
            file_bytes=parse_memory(config.file_size),
            pids=config.pids,
        )
        try:
            self._copy_source()
            self.base_commit = self._base_commit()
            # Also refreshes the copied index's stat data, so later diffs re-hash nothing.
            dirty = self._git("status", "--porcelain").splitlines()
            if dirty:
                msg = f"source {config.source} is not clean at its HEAD (commit or ignore): {dirty[:5]}"
                raise SandboxPathError(msg)
            # Ignored files already there (build outputs, egg-info) are part of the pristine state.
            listed = self._git("ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--directory")
            self._keep = [name for name in listed.split("\0") if name]
        except BaseException:
            self.close()
            raise

    def _default_timeout(self) -> float:
        return self.config.timeout

    def _run_command(self, command: Command) -> ExecResult:
        """Run one command of `exec` in a fresh bubblewrap process.

        `oom_killed` is a guess, as there is no cgroup to ask: it is set when a failed command was
        SIGKILLed by someone else than the timeout (the kernel's OOM killer, usually) or its stderr
        ends with an allocation failure (Python's MemoryError, ENOMEM, std::bad_alloc).
        `infra_error` is set when bubblewrap itself failed to set the sandbox up.
        """
        self._check_open()
        result = self._run(command.argv, command.timeout, command.env, command.workdir)
        if looks_out_of_memory(result):
            return result.model_copy(update={"oom_killed": True})
        return result

    def write_file(self, path: str, content: str | bytes) -> None:
        """Write a file under workdir or /tmp (relative paths are under workdir), creating directories."""
        self._check_open()
        target = self._host_path(path)
        new_dirs = [parent for parent in target.parents if not parent.exists()]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
        for created in (target, *new_dirs):
            self._give(created)

    def read_file(self, path: str) -> bytes:
        """Read a file under workdir or /tmp; FileNotFoundError when there is none."""
        self._check_open()
        return self._host_path(path).read_bytes()

    def apply_patch(self, patch: str) -> ExecResult:
        """Apply a unified diff with `git apply` inside the sandbox; the result says whether it applied."""
        self._check_open()
        patch_file = self._tmp / ".sweagent.patch"
        patch_file.write_bytes(patch.encode() if patch.endswith("\n") else (patch + "\n").encode())
        self._give(patch_file)
        try:
            return self._run(["git", "apply", "--whitespace=nowarn", "/tmp/.sweagent.patch"])
        finally:
            patch_file.unlink(missing_ok=True)

    def diff(self) -> str:
        """`git diff` against the base commit, new files included (those not ignored by .gitignore)."""
        self._check_open()
        # A throw-away copy of the index takes the new files, so the real index stays untouched and
        # unchanged files keep their cached stat data (nothing is re-hashed). The copy keeps the
        # index's mtime (cp -p): git compares it with the files' to catch edits made in the same
        # second as the index was written, which a fresh mtime would hide.
        script = (
            "set -e; idx=.git/sweagent-diff.index; out=.git/sweagent.diff; rm -f $idx;"
            " cp -p .git/index $idx 2>/dev/null || true; export GIT_INDEX_FILE=$idx;"
            ' git add -A; git diff --cached --no-color --no-ext-diff "$1" >$out; rm -f $idx'
        )
        self._git_check(["bash", "-c", script, "diff", self.base_commit])
        out = self._repo / ".git" / "sweagent.diff"
        try:
            return out.read_bytes().decode("utf-8", errors="replace")
        finally:
            out.unlink(missing_ok=True)

    def reset(self) -> None:
        """Back to the base commit: changed files restored, new ones removed, /tmp emptied.

        Ignored files that were there at creation (build outputs) are kept as they are then;
        everything else untracked goes. A damaged `.git` makes it copy the source again.
        """
        self._check_open()
        excludes = [arg for name in self._keep for arg in ("-e", "/" + gitignore_literal(name))]
        try:
            self._git_check(["git", "reset", "-q", "--hard", self.base_commit])
            self._git_check(["git", "clean", "-qffdx", *excludes])
        except RepositoryBroken:  # .git itself was damaged: start again from the source
            remove_tree(self._repo)
            self._copy_source()
        remove_tree(self._tmp)
        self._tmp.mkdir()
        self._give(self._tmp)

    def close(self) -> None:
        """Remove the private copy; safe to call twice. Later calls raise SandboxClosed."""
        if self._closed:
            return
        self._closed = True
        remove_tree(self._scratch)

    def __enter__(self) -> BwrapSandbox:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _run(
        self,
        argv: Sequence[str],
        timeout: float = _INTERNAL_TIMEOUT,
        env: Mapping[str, str] | None = None,
        workdir: str | None = None,
    ) -> ExecResult:
        try:
            result = run_bounded(
                self._command(chdir=workdir or self.workdir, cmd=argv),
                timeout=timeout,
                output_limit=self.config.output_limit,
                env=self._environment(env),
                user=self._as_user,
                group=None if self._as_user is None else self.config.gid,
            )
        except OSError as err:  # bubblewrap vanished, or this uid may not execute it
            return ExecResult(exit_code=None, infra_error=f"cannot start {self._bwrap}: {err}")
        if result.exit_code == 1 and result.stderr.startswith("bwrap: "):
            return result.model_copy(update={"infra_error": result.stderr.strip()})
        return result

    def _environment(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        env = {"PATH": _PATH, "HOME": "/tmp", "LANG": "C.UTF-8"}
        env.update(self.config.env)
        env.update({name: os.environ[name] for name in self.config.pass_env if name in os.environ})
        env.update(extra or {})
        return env

    def _git(self, *args: str) -> str:
        return self._git_check(["git", *args]).stdout

    def _git_check(self, argv: Sequence[str]) -> ExecResult:
        result = self._run(argv)
        if result.infra_error:
            first_line = result.infra_error.splitlines()[0]
            msg = f"bubblewrap failed to set up the sandbox ({first_line}); {_USERNS_HINT}"
            raise EngineUnavailable(msg)
        if not result.ok:
            msg = f"`{' '.join(argv[:3])}` failed in {self.workdir}: {result.stderr.strip()[-500:]}"
            raise RepositoryBroken(msg)
        return result

    def _base_commit(self) -> str:
        try:
            return self._git("rev-parse", "--verify", "HEAD^{commit}").strip()
        except RepositoryBroken as err:
            msg = f"source {self.config.source} has no commit to serve as the base ({err})"
            raise SandboxPathError(msg) from err

    def _copy_source(self) -> None:
        self._repo.mkdir()
        self._tmp.mkdir(exist_ok=True)
        # cp -a keeps modes, times (so .pyc caches stay valid) and ignored build outputs.
        copied = subprocess.run(
            ["cp", "-a", "--", f"{self.config.source}/.", str(self._repo)], capture_output=True, text=True
        )
        if copied.returncode != 0:
            msg = f"cannot copy {self.config.source}: {copied.stderr.strip()[-500:]}"
            raise SandboxPathError(msg)
        if self._as_user is not None:
            owner = f"{self.config.uid}:{self.config.gid}"
            subprocess.run(["chown", "-R", owner, str(self._scratch)], check=True)

    def _host_path(self, path: str) -> Path:
        return host_path(path, [(self.workdir, self._repo), ("/tmp", self._tmp)], self.workdir)

    def _give(self, path: Path) -> None:
        if self._as_user is not None:
            os.chown(path, self.config.uid, self.config.gid, follow_symlinks=False)

    def _check_open(self) -> None:
        if self._closed:
            msg = "this bubblewrap sandbox is closed"
            raise SandboxClosed(msg)
        if not self._repo.is_dir():
            msg = f"the sandbox's copy {self._repo} disappeared (removed from outside?)"
            raise SandboxClosed(msg)

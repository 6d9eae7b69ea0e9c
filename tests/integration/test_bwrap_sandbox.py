"""BwrapSandbox against real bubblewrap, a real git repository and real processes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import (
    BwrapSandbox,
    BwrapSandboxConfig,
    EngineUnavailable,
    RepositoryBroken,
    Sandbox,
    SandboxClosed,
    SandboxPathError,
)


def _git(repo: Path, *args: str) -> str:
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    done = subprocess.run(["git", *identity, *args], cwd=repo, check=True, capture_output=True, text=True)
    return done.stdout


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A committed repository with an ignored build output that belongs to the pristine state."""
    repo = tmp_path / "source"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "core.py").write_text("def answer():\n    return 41\n")
    (repo / "README").write_text("hello\n")
    (repo / ".gitignore").write_text("*.egg-info/\nbuild/\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    (repo / "pkg.egg-info").mkdir()
    (repo / "pkg.egg-info" / "PKG-INFO").write_text("Name: pkg\n")
    return repo


_NEW_FILE_PATCH = """\
diff --git a/patched.py b/patched.py
new file mode 100644
--- /dev/null
+++ b/patched.py
@@ -0,0 +1 @@
+print('patched')
"""


def _build(source: Path, **overrides: object) -> BwrapSandbox:
    try:
        return BwrapSandboxConfig.model_validate({"source": source, **overrides}).build()
    except EngineUnavailable as err:
        pytest.skip(f"bubblewrap unusable here: {err}")


@pytest.fixture
def reachable_dir() -> Iterator[Path]:
    """A directory every uid can enter (pytest's tmp_path is private to its owner)."""
    with tempfile.TemporaryDirectory() as directory:
        Path(directory).chmod(0o755)
        yield Path(directory)


@pytest.fixture
def sandbox(source: Path) -> Iterator[BwrapSandbox]:
    with _build(source, timeout=30) as box:
        yield box


def test_is_a_sandbox_and_runs_shell_strings_and_argv_lists(sandbox: BwrapSandbox) -> None:
    assert isinstance(sandbox, Sandbox)
    shell = sandbox.exec("echo out; echo err >&2; exit 3")
    assert (shell.exit_code, shell.stdout, shell.stderr) == (3, "out\n", "err\n")
    assert not shell.ok
    argv = sandbox.exec(["printf", "%s|", "a b", "$HOME", ";"])
    assert argv.ok
    assert argv.stdout == "a b|$HOME|;|"  # no shell: nothing expanded or split
    assert sandbox.exec("pwd").stdout == "/testbed\n"
    assert sandbox.exec("pwd", workdir="/testbed/pkg").stdout == "/testbed/pkg\n"


def test_runs_as_non_root_on_a_read_only_host(sandbox: BwrapSandbox) -> None:
    result = sandbox.exec("id -u; id -g; touch /usr/sweagent-probe 2>&1; touch /testbed/ok && echo wrote")
    lines = result.stdout.splitlines()
    assert lines[:2] == ["1000", "1000"]
    assert "Read-only file system" in lines[2]
    assert lines[3] == "wrote"
    assert not Path("/usr/sweagent-probe").exists()


def test_host_run_directory_is_hidden(sandbox: BwrapSandbox) -> None:
    """Sockets there (docker.sock, D-Bus) stay connectable through a read-only bind: they must not be seen."""
    inside = sandbox.exec("ls -A /run").stdout.split()
    assert set(inside) <= {"systemd"}  # at most the path to systemd-resolved's stub resolv.conf
    assert sandbox.exec("test -e /run/docker.sock || test -e /var/run/docker.sock").exit_code == 1


def test_has_no_network_unless_asked(source: Path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        connect = ["python3", "-c", f"import socket; socket.create_connection(('127.0.0.1', {port}), 3)"]
        with _build(source) as closed_box:
            refused = closed_box.exec(connect)
            interfaces = closed_box.exec("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '")
        with _build(source, network=True) as open_box:
            reached = open_box.exec(connect)
    assert refused.exit_code != 0
    assert "ConnectionRefusedError" in refused.stderr
    assert interfaces.stdout.split() == ["lo"]
    assert reached.ok, reached.stderr


def test_host_environment_stays_out_except_pass_env(source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SWEAGENT_FAKE_SECRET", "hunter2")
    monkeypatch.setenv("SWEAGENT_PASSED", "passed-in")
    with _build(source, env={"SET_INSIDE": "yes"}, pass_env=["SWEAGENT_PASSED", "SWEAGENT_UNSET"]) as box:
        env = box.exec("env").stdout
        per_exec = box.exec("echo $EXTRA", env={"EXTRA": "per-exec"}).stdout
    assert "hunter2" not in env
    assert "SWEAGENT_FAKE_SECRET" not in env
    assert "SWEAGENT_PASSED=passed-in" in env.splitlines()
    assert "SET_INSIDE=yes" in env.splitlines()
    assert "SWEAGENT_UNSET" not in env
    assert per_exec == "per-exec\n"


def test_timeout_kills_everything_and_keeps_partial_output(sandbox: BwrapSandbox) -> None:
    started = time.monotonic()
    result = sandbox.exec("echo started; sleep 100 & sleep 100", timeout=1)
    assert time.monotonic() - started < 8
    assert result.timed_out
    assert result.exit_code is None
    assert result.stdout == "started\n"
    assert not result.ok
    # A background process does not outlive its exec: the pid namespace dies with the command.
    started = time.monotonic()
    assert sandbox.exec("sleep 100 & echo left").stdout == "left\n"
    assert time.monotonic() - started < 8


def test_gigabyte_of_output_is_truncated_in_the_middle(source: Path) -> None:
    with _build(source, output_limit=4096) as box:
        result = box.exec("echo first; yes | head -c 1100000000; echo; echo last", timeout=30)
    assert result.ok
    assert result.stdout_bytes > 1_100_000_000
    assert len(result.stdout) < 4096 + 200
    assert result.stdout.startswith("first\ny\ny\n")
    assert result.stdout.endswith("y\ny\n\nlast\n")
    assert "bytes cut from the middle" in result.stdout


def test_fork_bomb_ends(source: Path) -> None:
    with _build(source, pids=64) as box:
        started = time.monotonic()
        result = box.exec("bomb() { bomb | bomb & }; bomb; sleep 1; echo survived", timeout=15)
        after = box.exec("echo alive")
    assert time.monotonic() - started < 20
    assert "Resource temporarily unavailable" in result.stderr or "Cannot fork" in result.stderr
    assert after.ok


def test_allocation_over_the_memory_limit_fails_and_is_flagged(source: Path) -> None:
    allocate = "import sys; b = bytearray(int(sys.argv[1]) * 2**20); print('allocated')"
    with _build(source, memory="256m") as box:
        small = box.exec(["python3", "-c", allocate, "64"], timeout=20)
        large = box.exec(["python3", "-c", allocate, "512"], timeout=20)
    assert small.ok
    assert not small.oom_killed
    assert large.exit_code not in (0, None)
    assert "MemoryError" in large.stderr
    assert large.oom_killed


def test_files_over_the_size_limit_cannot_be_written(source: Path) -> None:
    with _build(source, file_size="1m") as box:
        small = box.exec("head -c 500k /dev/zero > small.bin && echo ok")
        large = box.exec("head -c 2m /dev/zero > large.bin")
        size = box.exec("stat -c %s large.bin").stdout.strip()
    assert small.stdout == "ok\n"
    assert large.exit_code != 0
    assert size == str(1 << 20)


def test_edit_diff_reset_round_trip(sandbox: BwrapSandbox) -> None:
    sandbox.write_file("pkg/core.py", "def answer():\n    return 42\n")
    sandbox.write_file("/testbed/notes/new.txt", b"new file\n")
    assert sandbox.apply_patch(_NEW_FILE_PATCH).ok
    assert sandbox.read_file("patched.py") == b"print('patched')\n"
    assert not sandbox.apply_patch("--- a/missing.py\n+++ b/missing.py\n@@ -1 +1 @@\n-x\n+y\n").ok
    sandbox.exec("mkdir -p build && echo junk > build/out.o && echo tmp > /tmp/scratch.txt")
    assert sandbox.exec("cat /tmp/scratch.txt").stdout == "tmp\n"  # /tmp lasts from exec to exec

    diff = sandbox.diff()
    assert "+    return 42" in diff
    assert "+++ b/notes/new.txt" in diff
    assert "+++ b/patched.py" in diff
    assert "build/out.o" not in diff  # ignored
    assert sandbox.exec(["git", "status", "--porcelain"]).stdout.count("??") == 2  # real index untouched

    sandbox.reset()
    assert sandbox.diff() == ""
    assert sandbox.read_file("pkg/core.py") == b"def answer():\n    return 41\n"
    listing = sandbox.exec("ls -A; ls -A /tmp").stdout.split()
    assert sorted(listing) == [".git", ".gitignore", "README", "pkg", "pkg.egg-info"]
    assert sandbox.read_file("pkg.egg-info/PKG-INFO") == b"Name: pkg\n"  # pristine ignored file kept


def test_same_size_edit_right_after_reset_shows_in_diff(sandbox: BwrapSandbox) -> None:
    """Regression: diff() must see an edit whatever second it falls in relative to the index write.

    The diff's scratch index was a fresh copy (new mtime) of the real one, so an edit keeping the
    size, made in the second the reset wrote the index and diffed in the next, matched the cached
    stat data and vanished.
    """
    rounds = 0
    while rounds < 2:
        sandbox.write_file("pkg/core.py", "def answer():\n    return 40\n")
        second = int(time.time())
        sandbox.reset()
        sandbox.write_file("pkg/core.py", "def answer():\n    return 43\n")
        if int(time.time()) != second:  # reset and edit must share a second: try again
            continue
        time.sleep(second + 1.05 - time.time())  # ... and the diff come in the next one
        assert "+    return 43" in sandbox.diff()
        rounds += 1


def test_reset_recovers_from_a_destroyed_git_directory(sandbox: BwrapSandbox) -> None:
    sandbox.exec("rm -rf .git pkg")
    with pytest.raises(RepositoryBroken):
        sandbox.diff()
    sandbox.reset()
    assert sandbox.diff() == ""
    assert sandbox.read_file("pkg/core.py").startswith(b"def answer")


def test_reset_removes_directories_made_unwritable(sandbox: BwrapSandbox) -> None:
    assert sandbox.exec("mkdir -p locked/in && touch locked/in/f pkg/new.py && chmod 500 locked pkg").ok
    sandbox.reset()
    assert sandbox.diff() == ""
    assert sandbox.exec("test -e locked || test -e pkg/new.py").exit_code == 1


def test_paths_that_escape_are_refused(sandbox: BwrapSandbox) -> None:
    sandbox.exec("ln -s /etc etc_link && ln -s .. up")
    for hostile in ["../outside.txt", "/etc/passwd", "/testbed/../etc/passwd", "etc_link/passwd", "up/x"]:
        with pytest.raises(SandboxPathError):
            sandbox.read_file(hostile)
        with pytest.raises(SandboxPathError):
            sandbox.write_file(hostile, "x")
    sandbox.write_file("/tmp/inside.txt", "fine")
    assert sandbox.exec("cat /tmp/inside.txt").stdout == "fine"
    with pytest.raises(FileNotFoundError):
        sandbox.read_file("absent.txt")


def test_close_removes_the_copy_and_is_idempotent(source: Path, reachable_dir: Path) -> None:
    scratch = reachable_dir
    box = _build(source, scratch_dir=scratch)
    assert len(list(scratch.iterdir())) == 1
    assert box.exec("mkdir -p locked/in /tmp/locked && touch locked/in/f && chmod 500 locked /tmp/locked").ok
    box.close()
    box.close()
    assert list(scratch.iterdir()) == []
    with pytest.raises(SandboxClosed):
        box.exec("true")
    with pytest.raises(SandboxClosed):
        box.read_file("README")
    assert (source / "pkg" / "core.py").read_text().endswith("41\n")  # the source was never touched


def test_copy_removed_from_outside_closes_the_sandbox(source: Path, reachable_dir: Path) -> None:
    with _build(source, scratch_dir=reachable_dir) as box:
        for copy in reachable_dir.iterdir():
            shutil.rmtree(copy)
        with pytest.raises(SandboxClosed, match="disappeared"):
            box.exec("true")


def test_missing_bubblewrap_says_how_to_install(source: Path) -> None:
    with pytest.raises(EngineUnavailable, match="apt-get install bubblewrap"):
        BwrapSandboxConfig(source=source, bwrap_path="/nonexistent/bwrap").build()


def test_bubblewrap_without_namespaces_is_unavailable(source: Path, reachable_dir: Path) -> None:
    fake = reachable_dir / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(EngineUnavailable, match="user namespaces"):
        BwrapSandboxConfig(source=source, bwrap_path=str(fake)).build()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs bubblewrap as another uid")
def test_scratch_dir_the_sandbox_user_cannot_reach_is_refused(source: Path, tmp_path: Path) -> None:
    hidden = tmp_path / "hidden"
    hidden.mkdir(mode=0o700)
    (hidden / "inner").mkdir(mode=0o755)
    with pytest.raises(SandboxPathError, match="cannot enter"):
        BwrapSandboxConfig(source=source, scratch_dir=hidden / "inner").build()


def test_source_must_be_clean_at_its_head(source: Path) -> None:
    (source / "stray.txt").write_text("not committed\n")
    with pytest.raises(SandboxPathError, match="stray.txt"):
        _build(source)


def test_source_must_be_a_git_repository(tmp_path: Path) -> None:
    with pytest.raises(SandboxPathError, match="not a git repository"):
        BwrapSandboxConfig(source=tmp_path).build()
    assert list(tmp_path.iterdir()) == []

"""BwrapSandboxConfig validation and the stateless helpers behind BwrapSandbox."""

from __future__ import annotations

import ast
import inspect
import subprocess
from pathlib import Path

import pytest
from pydantic import ValidationError

import sandbox
from sandbox import BwrapSandboxConfig, ExecResult, SandboxPathError
from sandbox.bwrap_command import (
    bwrap_argv,
    gitignore_literal,
    host_path,
    looks_out_of_memory,
    parse_memory,
    root_mirror_args,
)


def test_public_surface_is_sorted_and_exported() -> None:
    assert sandbox.__all__ == sorted(sandbox.__all__)
    assert {"BwrapSandbox", "BwrapSandboxConfig"} <= set(sandbox.__all__)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4g", 4 << 30),
        ("512m", 512 << 20),
        ("1024k", 1 << 20),
        ("1.5G", 3 << 29),
        ("2048", 2048),
        ("8mb", 8 << 20),
    ],
)
def test_memory_sizes_parse_docker_style(text: str, expected: int) -> None:
    assert parse_memory(text) == expected


def test_config_rejects_bad_values(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="memory must look like"):
        BwrapSandboxConfig(source=tmp_path, memory="lots")
    for workdir in ["relative", "/", "/tmp/repo", "/proc/x"]:
        with pytest.raises(ValidationError, match="workdir must be"):
            BwrapSandboxConfig(source=tmp_path, workdir=workdir)
    with pytest.raises(ValidationError, match="Extra inputs"):
        BwrapSandboxConfig.model_validate({"source": tmp_path, "image": "x"})
    assert BwrapSandboxConfig(source=tmp_path, workdir="/work/repo/").workdir == "/work/repo"


def test_every_config_field_has_a_docstring() -> None:
    body = ast.parse(inspect.getsource(BwrapSandboxConfig)).body[0]
    assert isinstance(body, ast.ClassDef)
    documented = {
        statement.target.id
        for statement, following in zip(body.body, body.body[1:], strict=False)
        if isinstance(statement, ast.AnnAssign)
        and isinstance(statement.target, ast.Name)
        and isinstance(following, ast.Expr)
        and isinstance(following.value, ast.Constant)
        and isinstance(following.value.value, str)
    }
    assert documented == set(BwrapSandboxConfig.model_fields)


def test_host_paths_stay_inside_their_mounts(tmp_path: Path) -> None:
    repo, tmp = tmp_path / "repo", tmp_path / "tmp"
    (repo / "pkg").mkdir(parents=True)
    tmp.mkdir()
    (repo / "outward").symlink_to(tmp_path)
    (repo / "inward").symlink_to(repo / "pkg")
    mounts = [("/testbed", repo), ("/tmp", tmp)]
    assert host_path("pkg/a.py", mounts, "/testbed") == repo / "pkg" / "a.py"
    assert host_path("/testbed/pkg/../b.py", mounts, "/testbed") == repo / "b.py"
    assert host_path("/tmp/x", mounts, "/testbed") == tmp / "x"
    assert host_path("inward/c.py", mounts, "/testbed") == repo / "pkg" / "c.py"
    for hostile in ["../x", "/etc/passwd", "/testbed/../etc", "/testbedx/y", "outward/tmp/x", "//testbed/a"]:
        with pytest.raises(SandboxPathError):
            host_path(hostile, mounts, "/testbed")


def test_gitignore_literal_matches_only_that_name(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    names = ["a*b", "[x]", "#hash", "!bang", "plain"]
    for name in [*names, "aXb", "x"]:
        (tmp_path / name).write_text("")
    keep = [arg for name in names for arg in ("-e", "/" + gitignore_literal(name))]
    dry_run = subprocess.run(
        ["git", "clean", "-ndx", *keep], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert sorted(dry_run.stdout.splitlines()) == ["Would remove aXb", "Would remove x"]


def test_out_of_memory_guess() -> None:
    assert looks_out_of_memory(ExecResult(exit_code=1, stderr="...\nMemoryError\n"))
    assert looks_out_of_memory(ExecResult(exit_code=137))
    assert not looks_out_of_memory(ExecResult(exit_code=0, stderr="MemoryError"))
    assert not looks_out_of_memory(ExecResult(exit_code=None, timed_out=True))
    assert not looks_out_of_memory(ExecResult(exit_code=1, stderr="AssertionError"))


def test_root_mirror_hides_workdir_top_and_replaces_run(tmp_path: Path) -> None:
    for name in ["usr", "etc", "testbed", "proc", "tmp", "run/systemd/resolve"]:
        (tmp_path / name).mkdir(parents=True)
    (tmp_path / "run" / "systemd" / "resolve" / "stub-resolv.conf").write_text("nameserver 127.0.0.53\n")
    (tmp_path / "etc" / "resolv.conf").symlink_to("../run/systemd/resolve/stub-resolv.conf")
    (tmp_path / "bin").symlink_to("usr/bin")
    args = root_mirror_args("/testbed", tmp_path)
    assert args[:3] == ["--symlink", "usr/bin", "/bin"]
    assert ["--ro-bind", str(tmp_path / "usr"), "/usr"] == args[-3:]
    assert "/testbed" not in args
    assert "/proc" not in args
    assert "/tmp" not in args
    stub = tmp_path / "run" / "systemd" / "resolve" / "stub-resolv.conf"
    assert ["--tmpfs", "/run", "--ro-bind", str(stub)] == args[
        args.index("--tmpfs") : args.index("--tmpfs") + 4
    ]


def test_limits_are_applied_inside_the_namespaces(tmp_path: Path) -> None:
    argv = bwrap_argv(
        bwrap="/usr/bin/bwrap",
        prlimit="/usr/bin/prlimit",
        mirror=["--ro-bind", "/usr", "/usr"],
        repo=tmp_path / "repo",
        tmp=tmp_path / "tmp",
        workdir="/testbed",
        chdir="/testbed/sub",
        network=False,
        uid=1000,
        gid=1000,
        memory_bytes=1 << 30,
        file_bytes=1 << 20,
        pids=64,
        cmd=["echo", "hi"],
    )
    separator = argv.index("--")
    assert "--share-net" not in argv
    assert {"--unshare-all", "--unshare-user", "--die-with-parent", "--new-session"} <= set(argv[:separator])
    assert argv.index("--remount-ro") > argv.index("/testbed")  # every mount point exists by then
    assert argv[separator + 1 :] == [
        "/usr/bin/prlimit",
        "--as=1073741824",
        "--fsize=1048576",
        "--nproc=64",
        "--core=0",
        "--",
        "echo",
        "hi",
    ]

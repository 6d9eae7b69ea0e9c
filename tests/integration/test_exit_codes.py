"""Each exit code of the command line, through the real command on small local repositories:
0 success, 1 some instances failed, 2 bad input or config, 3 infrastructure unavailable (the Docker
engine, a model endpoint), 130 Ctrl-C. (143, SIGTERM: test_terminate_run.py; 3 for a full disk:
tests/unit/test_disk_full.py.)"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from context_repos import instances
from signal_runs import signal_when_asked

from sweagent.cli import EXIT_BAD_INPUT, EXIT_INFRASTRUCTURE, EXIT_INTERRUPTED
from sweagent.models.loopback import LoopbackChatServer

SCRIPTED_CONTEXT = ("--stages", "context", "-o", "context.provider=bm25", "--model", "scripted:builtin")
# A terminal's Ctrl-C: SIGINT with Python's default handler (a test runner started in the background
# may ignore SIGINT, and a child inherits that).
INTERACTIVE = (
    "import runpy, signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "sys.argv[0] = 'sweagent'; runpy.run_module('sweagent', run_name='__main__')"
)


def _run_args(tmp_path: Path, *names: str) -> list[str]:
    """`run` over the named test repositories (`gone` has none), into tmp_path/run."""
    repos = tmp_path / "repos"
    dataset = tmp_path / "data.jsonl"
    chosen = [i for i in instances(repos) if i.repo.split("/")[1] in names]
    dataset.write_text("".join(i.model_dump_json() + "\n" for i in chosen))
    return ["run", "--dataset", str(dataset), "--repos-dir", str(repos), "--run-dir", str(tmp_path / "run")]


def sweagent(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sweagent", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )


def dead_docker_socket(tmp_path: Path) -> str:
    """A unix socket file nothing listens on: connecting is refused, as when dockerd has died."""
    path = tmp_path / "docker.sock"
    with socket.socket(socket.AF_UNIX) as dead:
        dead.bind(str(path))
    return f"unix://{path}"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_run_where_every_instance_goes_through_exits_0(tmp_path: Path) -> None:
    result = sweagent(*_run_args(tmp_path, "mixed"), *SCRIPTED_CONTEXT)
    assert result.returncode == 0, result.stderr


def test_a_run_where_an_instance_fails_exits_1(tmp_path: Path) -> None:
    result = sweagent(*_run_args(tmp_path, "mixed", "gone"), *SCRIPTED_CONTEXT)
    assert result.returncode == 1, result.stderr
    assert (tmp_path / "run" / "acme__mixed-1" / "context.json").is_file()


@pytest.mark.parametrize(
    ("config_text", "complaint"),
    [("generation: [\n", "not valid YAML"), ("generation:\n  sample: 3\n", "generation.sample")],
)
def test_a_bad_config_file_exits_2(tmp_path: Path, config_text: str, complaint: str) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text(config_text)
    result = sweagent(*_run_args(tmp_path, "mixed"), *SCRIPTED_CONTEXT, "--config", str(config))
    assert result.returncode == EXIT_BAD_INPUT, result.stderr
    assert complaint in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("command", [("sandbox", "exec", "--", "true"), ("run",)])
def test_docker_down_exits_3_naming_docker(tmp_path: Path, command: tuple[str, ...]) -> None:
    """The engine is infrastructure: a dead one is never reported as bad input (2) or failed work (1)."""
    args = [*_run_args(tmp_path, "mixed"), "--model", "scripted:builtin"] if command == ("run",) else command
    result = sweagent(*args, env={"DOCKER_HOST": dead_docker_socket(tmp_path)})
    assert result.returncode == EXIT_INFRASTRUCTURE, result.stderr
    assert "Docker engine" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_refused_endpoint_exits_3(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    no_retries = [f"models.{role}.retry_seconds=0" for role in ("primary", "relevance")]
    result = sweagent(
        *_run_args(tmp_path, "mixed"), "--stages", "context", "--model", "tiny", "--base-url", url,
        *(option for override in no_retries for option in ("-o", override)),
    )  # fmt: skip
    assert result.returncode == EXIT_INFRASTRUCTURE, result.stderr
    assert f"endpoint {url}" in result.stderr


@pytest.mark.slow
def test_ctrl_c_stops_a_run_with_exit_130(tmp_path: Path) -> None:
    with LoopbackChatServer(latency=2.0) as server:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                INTERACTIVE,
                *_run_args(tmp_path, "mixed"),
                "--stages",
                "context",
                "--model",
                "tiny",
                "--base-url",
                server.url,
                "-o",
                "models.relevance.max_concurrency=1",
            ],  # fmt: skip
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        stderr = signal_when_asked(process, server, signal.SIGINT)
    assert process.returncode == EXIT_INTERRUPTED, stderr
    assert (tmp_path / "run" / "usage.json").is_file()

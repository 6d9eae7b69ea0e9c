"""The Docker sandbox against a real engine: isolation, limits, faults, files and reset."""

from __future__ import annotations

import os
import threading
import time

import pytest
from docker import DockerClient

from sandbox.docker import DockerSandbox, DockerSandboxConfig
from sandbox.errors import EngineUnavailable, ImageNotFound, SandboxClosed

pytestmark = pytest.mark.docker


@pytest.fixture
def sandbox(base_image: str) -> DockerSandbox:
    with DockerSandbox(DockerSandboxConfig(image=base_image, memory="256m", pids=128)) as box:
        yield box


def test_runs_as_an_unprivileged_user_in_the_workdir(sandbox: DockerSandbox) -> None:
    result = sandbox.exec("id -u; pwd; echo oops >&2; exit 3")
    assert result.exit_code == 3
    assert result.stdout == "1000\n/testbed\n"
    assert result.stderr == "oops\n"
    assert not result.timed_out
    assert result.infra_error is None


def test_argv_is_not_run_through_a_shell(sandbox: DockerSandbox) -> None:
    result = sandbox.exec(["echo", "$HOME; true"])
    assert result.stdout == "$HOME; true\n"


def test_host_environment_stays_out_unless_named(base_image: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-host-key")
    monkeypatch.setenv("SWEAGENT_TEST_PASSED", "named")
    config = DockerSandboxConfig(image=base_image, pass_env=("SWEAGENT_TEST_PASSED",), env={"MODE": "ci"})
    with DockerSandbox(config) as box:
        result = box.exec("env")
    assert "sk-secret-host-key" not in result.stdout
    assert "SWEAGENT_TEST_PASSED=named" in result.stdout
    assert "MODE=ci" in result.stdout
    assert os.environ["OPENAI_API_KEY"] == "sk-secret-host-key"


def test_no_network_unless_asked(sandbox: DockerSandbox) -> None:
    result = sandbox.exec("ls /sys/class/net")
    assert result.stdout.split() == ["lo"]
    probe = "import socket; socket.create_connection(('1.1.1.1', 80), timeout=3)"
    assert sandbox.exec(["python3", "-c", probe]).exit_code != 0


def test_timeout_kills_everything_and_keeps_partial_output(sandbox: DockerSandbox) -> None:
    started = time.monotonic()
    result = sandbox.exec("echo before; (sleep 300 &); setsid sleep 300 & sleep 300", timeout=2)
    assert time.monotonic() - started < 15
    assert result.timed_out
    assert result.exit_code is None
    assert result.stdout == "before\n"
    leftovers = sandbox.exec("ps -eo user= 2>/dev/null || ls /proc | grep -c '^[0-9]'")
    assert "sandbox" not in leftovers.stdout


def test_fork_bomb_ends_and_the_sandbox_recovers(sandbox: DockerSandbox) -> None:
    result = sandbox.exec("bomb() { bomb | bomb & }; bomb; sleep 5", timeout=5)
    assert result.exit_code is not None or result.timed_out
    sandbox.reset()
    assert sandbox.exec("echo alive").stdout == "alive\n"


def test_huge_output_is_truncated_in_the_middle(sandbox: DockerSandbox) -> None:
    result = sandbox.exec("yes abcdefghi | head -c 1000000000", timeout=120)
    assert result.exit_code == 0
    assert result.stdout_bytes == 1_000_000_000
    assert len(result.stdout) < 2 * sandbox.config.output_limit
    assert "bytes cut from the middle of 1000000000 bytes of output" in result.stdout
    assert result.stdout.startswith("abcdefghi\nabcdefghi\n")


def test_memory_above_the_limit_is_reported_as_oom(sandbox: DockerSandbox) -> None:
    result = sandbox.exec(["python3", "-c", "x = bytearray(1 << 30); print(len(x))"], timeout=60)
    assert result.oom_killed
    assert result.exit_code == 137
    assert sandbox.exec("echo still here").stdout == "still here\n"


def test_a_test_that_kills_its_container_is_an_infrastructure_error(
    sandbox: DockerSandbox, docker_client: DockerClient
) -> None:
    killer = threading.Timer(1.0, lambda: docker_client.containers.get(sandbox.container_id).kill())
    killer.start()
    result = sandbox.exec("sleep 60", timeout=30)
    killer.join()
    assert result.exit_code is None or result.exit_code == 137
    assert result.infra_error is not None or result.exit_code == 137
    sandbox.reset()  # starts a new container in place of the dead one
    assert sandbox.exec("echo back").stdout == "back\n"


def test_missing_image_is_a_one_line_error(docker_client: DockerClient) -> None:
    with pytest.raises(ImageNotFound, match="'no-such-image:1' not found locally"):
        DockerSandbox(DockerSandboxConfig(image="no-such-image:1"), client=docker_client)


def test_engine_down_is_a_one_line_error() -> None:
    with pytest.raises(EngineUnavailable, match="does not answer") as caught:
        DockerSandboxConfig(docker_host="unix:///nonexistent/docker.sock").build()
    assert "\n" not in str(caught.value)


def test_closed_sandbox_refuses_work(base_image: str) -> None:
    box = DockerSandboxConfig(image=base_image).build()
    box.close()
    box.close()
    with pytest.raises(SandboxClosed):
        box.exec("true")


def test_files_patches_and_diff(repo_image: str) -> None:
    patch = (
        "--- a/pkg/calc.py\n+++ b/pkg/calc.py\n@@ -1,2 +1,2 @@\n"
        " def add(a, b):\n-    return a + b\n+    return b + a\n"
    )
    with DockerSandboxConfig(image=repo_image).build() as box:
        assert box.apply_patch(patch).ok
        box.write_file("tests/test_new.py", "assert True\n")
        assert box.read_file("tests/test_new.py") == b"assert True\n"
        diff = box.diff()
        assert "+    return b + a" in diff
        assert "+++ b/tests/test_new.py" in diff
        assert box.exec("git status --porcelain").stdout.count("\n") == 2  # the real index is untouched
        assert not box.apply_patch("--- a/nope.py\n+++ b/nope.py\n@@ -1 +1 @@\n-x\n+y\n").ok
        with pytest.raises(FileNotFoundError):
            box.read_file("missing.txt")


def test_reset_restores_exactly_the_pristine_state(repo_image: str) -> None:
    with DockerSandboxConfig(image=repo_image).build() as box:
        before = box.exec("find /testbed /tmp /home/sandbox /dev/shm -printf '%p %m %s\\n' | sort").stdout
        for _ in range(2):
            mess = (
                "echo changed >> README.md && rm pkg/calc.py && mkdir -p new/deep && echo x > new/deep/f"
                " && chmod 700 pkg && echo t > /tmp/t && echo s > /dev/shm/s && touch ~/.cache"
                " && (nohup sleep 300 >/dev/null 2>&1 &)"
            )
            assert box.exec(mess).ok
            box.reset()
            assert (
                box.exec("find /testbed /tmp /home/sandbox /dev/shm -printf '%p %m %s\\n' | sort").stdout
                == before
            )
            assert box.diff() == ""
            assert box.exec("cat pkg/calc.py").stdout.startswith("def add")
            assert "sleep 300" not in box.exec("cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '").stdout


_CPU_WEIGHT = "cat /sys/fs/cgroup/cpu/cpu.shares 2>/dev/null || cat /sys/fs/cgroup/cpu.weight"
"""The container's CPU weight as its own cgroup says (cgroup v1 shares, or v2 weight)."""


def test_a_lower_cpu_weight_reaches_the_container_cgroup(base_image: str) -> None:
    """Grading and selection sandboxes yield the CPU to generation ones when both want it."""
    from sweagent.evaluation.harness import eval_sandbox_config
    from sweagent.sandboxes import FINISHING_CPU_SHARES

    finishing = eval_sandbox_config(base_image, timeout=60)
    assert finishing.cpu_shares == FINISHING_CPU_SHARES
    weights = []
    for config in (DockerSandboxConfig(image=base_image), finishing):
        with DockerSandbox(config) as box:
            result = box.exec(_CPU_WEIGHT)
            assert result.exit_code == 0, result.stderr
            weights.append(int(result.stdout))
    default, lower = weights
    assert lower < default

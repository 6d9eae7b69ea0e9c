"""Grading's network in real Docker: outbound packets are dropped, not refused, and names do not resolve.

The official harness runs tests on a real network, where a connect to an unroutable address times
out; requests' `test_connect_timeout` counts on it. With no network at all the connect fails at
once, so grading uses the `dropped` mode; `none` stays available, and differs on purpose.
"""

from __future__ import annotations

import pytest
from docker import DockerClient
from evaluation_image import SETUP_COMMANDS, TEST_COMMAND, TESTS, build_eval_image, diff_of, make_instance

from sandbox.docker import DockerSandboxConfig
from sandbox.network import DROPPED_NETWORK, NetworkMode
from sweagent.evaluation import evaluate_instance
from sweagent.evaluation.harness import eval_sandbox_config
from sweagent.records import EvalResult

pytestmark = pytest.mark.docker

CONNECT = """
import socket
s = socket.socket()
s.settimeout(3)
try:
    s.connect(("10.255.255.1", 80))
except TimeoutError:
    print("timed out")
except OSError as err:
    print("failed:", err.strerror)
"""
RESOLVE = """
import socket
try:
    print(socket.getaddrinfo("pypi.org", 443)[0][4])
except socket.gaierror as err:
    print("no answer:", err.strerror)
"""
LOOPBACK = """
import http.server, threading, urllib.request
server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
threading.Thread(target=server.serve_forever, daemon=True).start()
with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/", timeout=10) as reply:
    print("loopback", reply.status)
server.shutdown()
"""
TIMEOUT_TEST = """

def test_connect_timeout():
    import socket

    import pytest

    s = socket.socket()
    s.settimeout(2)
    with pytest.raises(socket.timeout):
        s.connect(("10.255.255.1", 80))
"""


def _run(client: DockerClient, image: str, network: NetworkMode, script: str) -> str:
    config = DockerSandboxConfig(image=image, workdir="/tmp", network=network)
    with config.build(client) as box:
        assert box.network_warning is None  # this machine can install the rules
        result = box.exec(["python3", "-c", script], timeout=60)
    assert result.exit_code == 0, result.stderr
    return result.stdout.strip()


def test_grading_defaults_to_the_dropped_network() -> None:
    assert eval_sandbox_config("any:image", timeout=60).network == "dropped"


def test_a_connect_outside_times_out_when_dropped_and_fails_at_once_without_a_network(
    docker_client: DockerClient, base_image: str
) -> None:
    assert _run(docker_client, base_image, "dropped", CONNECT) == "timed out"
    assert _run(docker_client, base_image, "none", CONNECT) == "failed: Network is unreachable"
    assert DROPPED_NETWORK in {network.name for network in docker_client.networks.list()}


def test_names_do_not_resolve_when_dropped(docker_client: DockerClient, base_image: str) -> None:
    assert _run(docker_client, base_image, "dropped", RESOLVE).startswith("no answer:")


def test_loopback_works_when_dropped(docker_client: DockerClient, base_image: str) -> None:
    assert _run(docker_client, base_image, "dropped", LOOPBACK) == "loopback 200"


@pytest.fixture(scope="module")
def eval_image(docker_client: DockerClient, base_image: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_eval_image(docker_client, tmp_path_factory.mktemp("eval-image"))


def _grade(client: DockerClient, image: str, network: NetworkMode) -> EvalResult:
    instance = make_instance(
        "demo__calc-net", test_patch=diff_of({"tests/test_ops.py": TESTS + TIMEOUT_TEST})
    ).model_copy(update={"FAIL_TO_PASS": ["tests/test_ops.py::test_connect_timeout"]})
    return evaluate_instance(
        instance, "", image=image, test_cmd=TEST_COMMAND, setup_cmds=SETUP_COMMANDS, client=client,
        timeout=120, network=network,
    )  # fmt: skip


def test_a_connect_timeout_test_passes_in_grading_and_fails_without_a_network(
    docker_client: DockerClient, eval_image: str
) -> None:
    """The requests-3362 case: a test expecting a connect timeout grades as the official harness does."""
    graded = _grade(docker_client, eval_image, "dropped")
    assert graded.status == "resolved", graded.detail
    assert graded.setup_warnings == ()
    cut_off = _grade(docker_client, eval_image, "none")
    assert cut_off.status == "unresolved"
    assert (cut_off.fail_to_pass.passed, cut_off.fail_to_pass.total) == (0, 1)

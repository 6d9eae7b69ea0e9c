"""Grading with a local stand-in for a web service the tests reach (sweagent.environment.services).

requests' old tests call httpbin.org; the official harness grades them on the real network. Here
the image carries httpbin itself (the environment layer's services step, installed from PyPI), the
grading setup starts it on loopback and the grading sandbox resolves httpbin.org to loopback, over
HTTP and HTTPS, while outbound packets stay dropped. Without the name served, the same tests fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from docker import DockerClient
from evaluation_image import SETUP_COMMANDS, TEST_COMMAND, TESTS, build_eval_image, diff_of, make_instance

from sandbox.images import build_image
from sweagent.environment.services import services_step, start_services_command
from sweagent.evaluation import evaluate_instance
from sweagent.evaluation.harness import SandboxOpener
from sweagent.evaluation.runner import pooled_sandboxes
from sweagent.records import EnvironmentInfo, EvalResult

pytestmark = pytest.mark.docker

HTTPBIN_TESTS = """

def test_httpbin_over_http():
    import json
    import urllib.request

    with urllib.request.urlopen("http://httpbin.org/get?probe=1", timeout=10) as reply:
        assert json.load(reply)["args"] == {"probe": "1"}


def test_httpbin_over_https():
    import os
    import ssl
    import urllib.request

    # Trusted through the variable the setup exports, and through the bundle the repository vendors.
    for bundle in (os.environ["REQUESTS_CA_BUNDLE"], "requests/cacert.pem"):
        context = ssl.create_default_context(cafile=bundle)
        with urllib.request.urlopen("https://httpbin.org/status/204", timeout=10, context=context) as reply:
            assert reply.status == 204
"""
VENDORED_BUNDLE = "# the repository's own CA bundle, as old requests releases ship one\n"
FAIL_TO_PASS = [
    "tests/test_ops.py::test_httpbin_over_http",
    "tests/test_ops.py::test_httpbin_over_https",
]
SERVED = ("httpbin.org",)


@pytest.fixture(scope="module")
def served_image(
    docker_client: DockerClient, base_image: str, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """The tiny evaluation image with the stand-ins that a psf/requests environment image gets."""
    eval_image = build_eval_image(docker_client, tmp_path_factory.mktemp("eval-image"))
    dockerfile = f"FROM {eval_image}\n{services_step('psf/requests')}"
    return build_image(docker_client, dockerfile, "sweagent-test-services:latest", kind="test")


def _grade(
    client: DockerClient, image: str, served: tuple[str, ...], opener: SandboxOpener | None = None
) -> EvalResult:
    instance = make_instance(
        "demo__calc-httpbin",
        test_patch=diff_of(
            {"tests/test_ops.py": TESTS + HTTPBIN_TESTS, "requests/cacert.pem": VENDORED_BUNDLE}
        ),
    ).model_copy(update={"FAIL_TO_PASS": FAIL_TO_PASS})
    return evaluate_instance(
        instance, "", image=image, test_cmd=TEST_COMMAND,
        setup_cmds=(*SETUP_COMMANDS, start_services_command("psf/requests")), client=client, timeout=120,
        environment=EnvironmentInfo(provider="build", image=image, served_hosts=served), open_sandbox=opener,
    )  # fmt: skip


def test_tests_reaching_httpbin_org_pass_against_the_stand_in_and_fail_without_it(
    docker_client: DockerClient, served_image: str
) -> None:
    served = _grade(docker_client, served_image, SERVED)
    assert served.status == "resolved", served.detail
    assert served.setup_warnings == ()  # the stand-in started
    assert (served.fail_to_pass.passed, served.fail_to_pass.total) == (2, 2)
    unserved = _grade(docker_client, served_image, ())
    assert unserved.status == "unresolved"  # httpbin.org does not resolve on the dropped network
    assert unserved.fail_to_pass.passed == 0


def test_the_stand_in_starts_again_in_a_pooled_sandbox_after_reset(
    docker_client: DockerClient, served_image: str
) -> None:
    """A pool resets its sandbox between candidates (leftover processes killed): each grading starts it."""
    with pooled_sandboxes(served_image, client=docker_client, timeout=120, served=SERVED) as opener:
        grades = [_grade(docker_client, served_image, SERVED, opener) for _ in range(2)]
    assert [grade.status for grade in grades] == ["resolved", "resolved"], [g.detail for g in grades]


def test_an_image_without_the_stand_in_skips_the_start_step(
    docker_client: DockerClient, base_image: str, tmp_path: Path
) -> None:
    """An official image has no stand-in: the step does nothing, and no setup warning is made."""
    plain = build_eval_image(docker_client, tmp_path)
    graded = _grade(docker_client, plain, ())
    assert graded.setup_warnings == ()
    assert graded.status == "unresolved"

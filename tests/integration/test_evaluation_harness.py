"""The harness in real Docker: each way an evaluation can end keeps its own status."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from docker import DockerClient
from evaluation_image import SETUP_COMMANDS, TEST_COMMAND, build_eval_image, make_instance, patches

from sweagent.evaluation import evaluate_instance
from sweagent.records import EvalResult, Instance, TestCount
from sweagent.store import RunStore

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def eval_image(docker_client: DockerClient, base_image: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_eval_image(docker_client, tmp_path_factory.mktemp("eval-image"))


def _evaluate(
    client: DockerClient,
    image: str,
    patch: str,
    store: RunStore | None = None,
    *,
    instance: Instance | None = None,
    timeout: float = 120.0,
    setup_cmds: Sequence[str] = SETUP_COMMANDS,
) -> EvalResult:
    return evaluate_instance(
        instance or make_instance(),
        patch,
        image=image,
        test_cmd=TEST_COMMAND,
        setup_cmds=setup_cmds,
        client=client,
        timeout=timeout,
        store=store,
    )


def test_gold_patch_resolves_and_saves_its_result_and_log(
    docker_client: DockerClient, eval_image: str, tmp_path: Path
) -> None:
    store = RunStore(tmp_path)
    result = _evaluate(docker_client, eval_image, patches().gold, store)
    assert result.status == "resolved", result.detail
    assert result.fail_to_pass == TestCount(passed=1, total=1)
    assert result.pass_to_pass == TestCount(passed=1, total=1)
    assert result.exit_code == 0
    saved = store.read("demo__calc-1", f"eval/{result.candidate_id}.json", EvalResult)
    assert saved == result
    log = store.path("demo__calc-1", f"eval/{result.candidate_id}.log").read_text()
    assert "PASSED tests/test_ops.py::test_sub" in log
    assert "exit code: 0" in log


def test_empty_patch_leaves_the_issue_unresolved(docker_client: DockerClient, eval_image: str) -> None:
    result = _evaluate(docker_client, eval_image, "")
    assert result.status == "unresolved"
    assert result.fail_to_pass == TestCount(passed=0, total=1)
    assert result.pass_to_pass == TestCount(passed=1, total=1)
    assert result.tests["tests/test_ops.py::test_sub"] == "FAILED"
    assert result.exit_code == 1


def test_patch_that_does_not_apply_is_patch_failed(docker_client: DockerClient, eval_image: str) -> None:
    result = _evaluate(docker_client, eval_image, patches().not_applying)
    assert result.status == "patch_failed"
    assert "does not apply" in result.detail
    assert result.exit_code is None


def test_printed_markers_and_passed_lines_never_resolve(docker_client: DockerClient, eval_image: str) -> None:
    """Regression rule: output the patch prints cannot fake a pass.

    The patch leaves sub() wrong and prints SWE-bench's end marker and PASSED lines for every test
    after pytest's own summary. The markers the grader trusts carry a token the sandbox never
    sees, a FAILED line is not overruled by a later PASSED one, and exit code 1 contradicts a
    log with no failure.
    """
    result = _evaluate(docker_client, eval_image, patches().forging)
    assert result.status == "unresolved"
    assert result.fail_to_pass.passed == 0
    assert result.tests["tests/test_ops.py::test_sub"] == "FAILED"
    assert result.exit_code == 1


def test_sleeping_test_is_a_timeout(docker_client: DockerClient, eval_image: str) -> None:
    instance = make_instance(test_patch=patches().sleeping_test)
    result = _evaluate(docker_client, eval_image, patches().gold, instance=instance, timeout=5.0)
    assert result.status == "timeout"
    assert "5s" in result.detail


def test_missing_image_is_env_failed(docker_client: DockerClient) -> None:
    result = _evaluate(docker_client, "sweagent-test-eval-absent:none", patches().gold)
    assert result.status == "env_failed"
    assert "not found" in result.detail


def test_candidate_edits_to_test_files_give_way_to_the_test_patch(
    docker_client: DockerClient, eval_image: str
) -> None:
    result = _evaluate(docker_client, eval_image, patches().gold_editing_tests)
    assert result.status == "resolved", result.detail


def test_a_failing_setup_step_is_noted_and_does_not_stop_the_tests(
    docker_client: DockerClient, eval_image: str, tmp_path: Path
) -> None:
    store = RunStore(tmp_path)
    setup = ["locale-gen-that-is-not-installed", *SETUP_COMMANDS]
    result = _evaluate(docker_client, eval_image, patches().gold, store, setup_cmds=setup)
    assert result.status == "resolved", result.detail
    log = store.path("demo__calc-1", f"eval/{result.candidate_id}.log").read_text()
    assert "sweagent: setup step exited 127: locale-gen-that-is-not-installed" in log

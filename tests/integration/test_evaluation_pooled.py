"""Grading in one pooled sandbox, reset between candidates, gives the statuses fresh containers give;
a candidate's leftovers (a forging `__init__`, edited tests) never reach the next candidate; and the
pooled steps, run in one exec, log the same steps with the same exit codes as separate execs."""

from __future__ import annotations

from pathlib import Path

import pytest
from docker import DockerClient
from evaluation_image import SETUP_COMMANDS, TEST_COMMAND, build_eval_image, make_instance, patches

from sweagent.evaluation.harness import evaluate_instance
from sweagent.evaluation.runner import pooled_sandboxes
from sweagent.store import RunStore

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def eval_image(docker_client: DockerClient, base_image: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_eval_image(docker_client, tmp_path_factory.mktemp("eval-image"))


def test_pooled_grading_equals_fresh_grading(
    docker_client: DockerClient, eval_image: str, tmp_path: Path
) -> None:
    p = patches()
    # The forging patch and the test-editing one come first, so any leftover would show in the rest.
    candidates = [p.forging, p.gold_editing_tests, "", p.not_applying, p.gold]
    instance = make_instance()

    def grade(patch: str, opener: object = None) -> tuple[str, object, object]:
        store = RunStore(tmp_path / ("pooled" if opener else "fresh"))
        result = evaluate_instance(
            instance,
            patch,
            image=eval_image,
            test_cmd=TEST_COMMAND,
            setup_cmds=SETUP_COMMANDS,
            client=docker_client,
            timeout=120,
            open_sandbox=opener,  # type: ignore[arg-type]
            store=store,
        )
        log = store.path(instance.instance_id, f"eval/{result.candidate_id}.log").read_text()
        steps.setdefault(patch, []).append([line for line in log.splitlines() if line.startswith("== ")])
        return result.status, result.fail_to_pass, result.pass_to_pass

    steps: dict[str, list[list[str]]] = {}
    fresh = [grade(patch) for patch in candidates]
    with pooled_sandboxes(eval_image, client=docker_client, timeout=120) as opener:
        pooled = [grade(patch, opener) for patch in candidates]
    assert pooled == fresh
    for fresh_steps, pooled_steps in steps.values():
        assert pooled_steps == fresh_steps
    assert steps[p.not_applying][1] == ["== candidate patch: exit 1"]
    assert steps[p.gold][1] == [
        "== candidate patch: exit 0",
        "== restore test files: exit 0",
        "== test patch: exit 0",
        "== setup: exit 0",
    ]
    assert [status for status, _, _ in fresh] == [
        "unresolved",
        "resolved",
        "unresolved",
        "patch_failed",
        "resolved",
    ]

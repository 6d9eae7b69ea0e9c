"""Evaluation in real Docker when the engine loses the grading container.

Invariant: a sandbox fault that clears (the container removed from outside, then a fresh one works)
is retried and graded as usual; one that persists past the retry policy grades `error` with the
cause in its detail, never `unresolved`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from docker import DockerClient
from evaluation_image import SETUP_COMMANDS, TEST_COMMAND, build_eval_image, make_instance, patches

from sandbox.docker import DockerSandbox
from sandbox.transient import RetryPolicy
from sweagent.evaluation import evaluate_instance
from sweagent.evaluation.harness import eval_sandbox_config
from sweagent.records import EvalResult

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def eval_image(docker_client: DockerClient, base_image: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_eval_image(docker_client, tmp_path_factory.mktemp("eval-image"))


class LosingEngine:
    """Opens real grading sandboxes, and removes the container of the first `losses` of them from
    outside (as `docker rm -f` would) before the evaluation uses it."""

    def __init__(self, client: DockerClient, image: str, losses: int) -> None:
        self.client = client
        self.config = eval_sandbox_config(image, timeout=120)
        self.losses = losses
        self.opened = 0

    @contextmanager
    def open(self) -> Iterator[DockerSandbox]:
        with self.config.build(self.client) as sandbox:
            self.opened += 1
            if self.opened <= self.losses:
                self.client.containers.get(sandbox.container_id).remove(force=True)
            yield sandbox


def _grade(client: DockerClient, engine: LosingEngine, retry: RetryPolicy) -> EvalResult:
    return evaluate_instance(
        make_instance(),
        patches().gold,
        image=engine.config.image,
        test_cmd=TEST_COMMAND,
        setup_cmds=SETUP_COMMANDS,
        client=client,
        open_sandbox=engine.open,
        retry=retry,
    )


def test_a_lost_container_is_retried_and_graded(docker_client: DockerClient, eval_image: str) -> None:
    engine = LosingEngine(docker_client, eval_image, losses=1)
    result = _grade(docker_client, engine, RetryPolicy(seconds=30, first_delay=0.1))
    assert result.status == "resolved", result.detail
    assert engine.opened == 2


def test_a_persisting_fault_grades_error_with_its_cause(docker_client: DockerClient, eval_image: str) -> None:
    engine = LosingEngine(docker_client, eval_image, losses=10)
    result = _grade(docker_client, engine, RetryPolicy(seconds=0))
    assert result.status == "error", result.detail
    assert "sandbox" in result.detail
    assert "persisted" in result.detail
    assert engine.opened == 1

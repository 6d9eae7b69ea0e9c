"""Setup failures are visible: tolerated ones reach results.json, a failed re-install is `env_failed`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from docker import DockerClient
from evaluation_image import OPS, SETUP_COMMANDS, TEST_COMMAND, build_eval_image, diff_of, make_instance
from rich.console import Console

from sweagent.environment.commands import offline_reinstall
from sweagent.evaluation import GradingOptions, evaluate_command, evaluate_instance
from sweagent.evaluation.provider import FixedImageProvider
from sweagent.records import REQUIRED_SETUP_STEP

pytestmark = pytest.mark.docker

REINSTALL = f"{offline_reinstall('python -m pip install .')}  {REQUIRED_SETUP_STEP}"
FIXED_OPS = OPS.replace("a + b\n", "a - b\n").replace("a - b", "a + b", 1)


@pytest.fixture(scope="module")
def eval_image(docker_client: DockerClient, base_image: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_eval_image(docker_client, tmp_path_factory.mktemp("eval-image"))


def test_a_tolerated_setup_failure_reaches_results_json(
    docker_client: DockerClient, eval_image: str, tmp_path: Path
) -> None:
    instance = make_instance()
    dataset = tmp_path / "dataset.jsonl"
    dataset.write_text(instance.model_dump_json() + "\n")
    predictions = tmp_path / "predictions.jsonl"
    line = {"instance_id": instance.instance_id, "model_name_or_path": "t", "model_patch": instance.patch}
    predictions.write_text(json.dumps(line) + "\n")
    setup = ("locale-gen-that-is-not-installed", *SETUP_COMMANDS)
    quiet = Console(file=io.StringIO())
    provider = FixedImageProvider(eval_image, TEST_COMMAND, setup)
    code = evaluate_command(
        predictions, str(dataset), tmp_path / "run",
        options=GradingOptions(provider=provider, client=docker_client, console=quiet, out=quiet),
    )  # fmt: skip
    assert code == 0
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    entry = results["instances"][instance.instance_id]
    assert entry["status"] == "resolved"  # tolerated, as the official eval script tolerates it
    assert entry["setup_warnings"] == ["exit 127: locale-gen-that-is-not-installed"]
    assert results["summary"]["setup_warnings"] == 1


def test_a_reinstall_that_fails_after_the_candidate_is_applied_is_env_failed(
    docker_client: DockerClient, eval_image: str
) -> None:
    """A re-install of the patched package that fails leaves the old copy installed: never graded."""
    broken_build = "raise SystemExit('this setup.py cannot build')\n"
    patch = diff_of({"calc/ops.py": FIXED_OPS, "setup.py": broken_build})
    result = evaluate_instance(
        make_instance(), patch, image=eval_image, test_cmd=TEST_COMMAND,
        setup_cmds=(*SETUP_COMMANDS, REINSTALL), client=docker_client, timeout=120,
    )  # fmt: skip
    assert result.status == "env_failed", result.detail
    assert "a required setup step failed" in result.detail
    assert any("pip install . --no-deps" in warning for warning in result.setup_warnings)

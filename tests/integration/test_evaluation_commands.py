"""`evaluate` and `validate` end to end in real Docker, with providers that fail in each way."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from docker import DockerClient
from evaluation_image import SETUP_COMMANDS, TEST_COMMAND, build_eval_image, make_instance, patches
from rich.console import Console

from sweagent.environment.build import ImageRequest
from sweagent.errors import EnvironmentBuildError, UnsupportedInstance
from sweagent.evaluation import Environment, GradingOptions, evaluate_command, read_results, validate_command
from sweagent.records import Instance

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module")
def eval_image(docker_client: DockerClient, base_image: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    return build_eval_image(docker_client, tmp_path_factory.mktemp("eval-image"))


class ScriptedProvider:
    """The test image for every instance, except those told to fail, which raise as a real provider would."""

    def __init__(self, image: str, failures: dict[str, Exception]) -> None:
        self.image = image
        self.failures = failures
        self.asked: list[str] = []

    def environment(self, request: ImageRequest) -> Environment:
        self.asked.append(request.instance.instance_id)
        if request.instance.instance_id in self.failures:
            raise self.failures[request.instance.instance_id]
        return Environment(self.image, TEST_COMMAND, tuple(SETUP_COMMANDS))


def _dataset(path: Path, instances: list[Instance]) -> str:
    path.write_text("".join(instance.model_dump_json() + "\n" for instance in instances))
    return str(path)


def _consoles() -> tuple[Console, io.StringIO, Console, io.StringIO]:
    err, out = io.StringIO(), io.StringIO()
    return Console(file=err, width=200), err, Console(file=out, width=200), out


FAILURES: dict[str, Exception] = {
    "demo__calc-3": EnvironmentBuildError("building the environment failed: pip said no"),
    "demo__calc-4": UnsupportedInstance("python 3.5 is not available"),
    "demo__calc-5": RuntimeError("the provider itself is broken"),
}


def test_evaluate_jsonl_predictions_writes_results_whatever_fails(
    docker_client: DockerClient, eval_image: str, tmp_path: Path
) -> None:
    ids = [f"demo__calc-{n}" for n in range(1, 6)]
    dataset = _dataset(tmp_path / "dataset.jsonl", [make_instance(i) for i in ids])
    patch_of = {"demo__calc-1": patches().gold, "demo__calc-2": ""}
    predictions = tmp_path / "preds.jsonl"
    predictions.write_text(
        "".join(
            json.dumps({"instance_id": i, "model_name_or_path": "test", "model_patch": patch_of.get(i, "")})
            + "\n"
            for i in ids
        )
    )
    console, err, out_console, out = _consoles()
    provider = ScriptedProvider(eval_image, FAILURES)
    run_dir = tmp_path / "run"
    code = evaluate_command(
        predictions,
        dataset,
        run_dir,
        options=GradingOptions(provider=provider, client=docker_client, console=console, out=out_console),
    )
    assert code == 1  # an environment failed and a provider broke
    assert provider.asked == ids  # one failing instance does not stop the run
    results = read_results(run_dir)
    statuses = {iid: entry.status for iid, entry in results.instances.items()}
    assert statuses == {
        "demo__calc-1": "resolved",
        "demo__calc-2": "unresolved",
        "demo__calc-3": "env_failed",
        "demo__calc-4": "unsupported",
        "demo__calc-5": "error",
    }
    assert "pip said no" in results.instances["demo__calc-3"].detail
    assert results.summary.resolved == 1
    assert results.summary.evaluated == 4
    assert json.loads((run_dir / "results.json").read_text())["summary"]["statuses"]["env_failed"] == 1
    candidate = results.instances["demo__calc-1"].candidate_id
    assert (run_dir / "demo__calc-1" / "eval" / f"{candidate}.log").is_file()
    assert (
        run_dir / "demo__calc-3" / "eval" / f"{results.instances['demo__calc-3'].candidate_id}.json"
    ).is_file()
    assert "resolved 1/4" in out.getvalue()
    assert "demo__calc-5" in err.getvalue()


def test_evaluate_json_list_makes_a_new_run_dir(
    docker_client: DockerClient, eval_image: str, tmp_path: Path
) -> None:
    dataset = _dataset(
        tmp_path / "dataset.jsonl", [make_instance("demo__calc-1"), make_instance("demo__calc-2")]
    )
    predictions = tmp_path / "preds.json"
    predictions.write_text(
        json.dumps(
            [{"instance_id": "demo__calc-1", "model_name_or_path": "t", "model_patch": patches().gold}]
        )
    )
    console, _, out_console, out = _consoles()
    code = evaluate_command(
        predictions,
        dataset,
        None,
        options=GradingOptions(
            provider=ScriptedProvider(eval_image, {}),
            client=docker_client,
            runs_root=tmp_path / "runs",
            console=console,
            out=out_console,
        ),
    )
    assert code == 0
    (run_dir,) = (tmp_path / "runs").iterdir()
    results = read_results(run_dir)
    assert list(results.instances) == ["demo__calc-1"]
    assert results.summary.resolved == 1
    assert str(run_dir / "results.json") in out.getvalue()


def test_validate_counts_gold_and_empty_and_leaves_out_unsupported(
    docker_client: DockerClient, eval_image: str, tmp_path: Path
) -> None:
    broken_gold = make_instance("demo__calc-bad").model_copy(update={"patch": patches().not_applying})
    no_gold = make_instance("demo__calc-nogold").model_copy(update={"patch": None})
    instances = [make_instance("demo__calc-1"), broken_gold, no_gold, make_instance("demo__calc-4")]
    dataset = _dataset(tmp_path / "dataset.jsonl", instances)
    console, err, out_console, out = _consoles()
    code = validate_command(
        dataset,
        run_dir=tmp_path / "validate",
        options=GradingOptions(
            provider=ScriptedProvider(eval_image, FAILURES),
            client=docker_client,
            console=console,
            out=out_console,
        ),
    )
    assert code == 1
    assert out.getvalue().splitlines() == ["gold resolved 1/3, empty resolved 0/3"]
    assert "1 instance(s) unsupported" in err.getvalue()
    saved = json.loads((tmp_path / "validate" / "validation.json").read_text())["instances"]
    assert saved["demo__calc-bad"]["gold"] == "patch_failed"
    assert saved["demo__calc-4"]["gold"] == "unsupported"
    assert saved["demo__calc-nogold"] == {
        "gold": "error",
        "empty": "unresolved",
        "detail": "the dataset gives no gold patch for this instance",
        "approximate": False,
        "environment": None,
    }

    console, _, out_console, out = _consoles()
    code = validate_command(
        dataset,
        instances=["demo__calc-1", "demo__calc-4"],
        options=GradingOptions(
            provider=ScriptedProvider(eval_image, FAILURES),
            client=docker_client,
            runs_root=tmp_path / "runs",
            console=console,
            out=out_console,
        ),
    )
    assert code == 0
    assert out.getvalue().splitlines() == ["gold resolved 1/1, empty resolved 0/1"]


def test_evaluate_run_dir_reads_its_predictions_and_writes_results_beside_them(
    docker_client: DockerClient, eval_image: str, tmp_path: Path
) -> None:
    dataset = _dataset(tmp_path / "dataset.jsonl", [make_instance("demo__calc-1")])
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    row = {"instance_id": "demo__calc-1", "model_name_or_path": "sweagent", "model_patch": ""}
    (run_dir / "predictions.jsonl").write_text(json.dumps(row) + "\n")
    console, _, out_console, _ = _consoles()
    code = evaluate_command(
        None,
        dataset,
        run_dir,
        options=GradingOptions(
            provider=ScriptedProvider(eval_image, {}), client=docker_client, console=console, out=out_console
        ),
    )
    assert code == 0  # unresolved is a grade, not a failure of the run
    first = read_results(run_dir)
    assert first.instances["demo__calc-1"].status == "unresolved"

    # Run again: the stored grade is reused, the environment is not even asked for.
    provider = ScriptedProvider(eval_image, {})
    code = evaluate_command(
        None,
        dataset,
        run_dir,
        options=GradingOptions(provider=provider, client=docker_client, console=console, out=out_console),
    )
    assert code == 0
    assert provider.asked == []
    assert read_results(run_dir) == first

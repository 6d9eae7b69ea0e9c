"""`sweagent run` options: stages, shortcuts over the config, and bad input refused in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sweagent.errors import ConfigError
from sweagent.pipeline import RunRequest, parse_stages
from sweagent.run_directory import default_run_dir


def test_stages_run_in_pipeline_order() -> None:
    assert parse_stages("generate, context") == ("context", "generate")
    assert parse_stages(None) == ("context", "generate", "select", "evaluate")


@pytest.mark.parametrize(("text", "complaint"), [("contxt", "unknown stage"), ("", "none given")])
def test_bad_stages_are_refused(text: str, complaint: str) -> None:
    with pytest.raises(ConfigError, match=complaint):
        parse_stages(text)


def test_shortcuts_override_files_and_model_names_stay_strings(tmp_path: Path) -> None:
    config_file = tmp_path / "c.yaml"
    config_file.write_text("generation:\n  samples: 3\nmodels:\n  primary:\n    name: big\n")
    request = RunRequest(
        dataset="swe-mini", config_files=(config_file,), model="1e3", samples=5, iterations=2
    )
    config = request.config()
    assert (config.generation.samples, config.generation.iterations) == (5, 2)
    assert config.models.primary.name == "1e3"
    assert config.models.relevance.name == "1e3"  # --model names the relevance model when nothing else does


def test_base_url_follows_the_model_to_the_relevance_scan() -> None:
    config = RunRequest(dataset="swe-mini", model="m", base_url="http://127.0.0.1:1/v1").config()
    assert config.models.relevance.base_url == config.models.primary.base_url == "http://127.0.0.1:1/v1"


def test_an_explicit_relevance_model_is_kept(tmp_path: Path) -> None:
    request = RunRequest(dataset="swe-mini", model="big", overrides=("models.relevance.name=small",))
    assert request.config().models.relevance.name == "small"


def test_default_run_dirs_name_the_dataset() -> None:
    assert default_run_dir("data/lite.jsonl").name.endswith("-lite")
    assert default_run_dir("swe-mini").parent == Path("runs")


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["--dataset", "swe-mini", "--stages", "selection"], "unknown stage"),
        (["--dataset", "no-such-dataset.jsonl"], "no-such-dataset"),
        (["--dataset", "swe-mini", "--instances", "nobody__nothing-1"], "nobody__nothing-1"),
        (["--dataset", "swe-mini", "-o", "generation.samples=0"], "generation.samples"),
    ],
)
def test_bad_run_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], complaint: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sweagent",
            "run",
            *args,
            "--model",
            "scripted:builtin",
            "--run-dir",
            str(tmp_path / "run"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert complaint in result.stderr
    assert "Traceback" not in result.stderr


def test_a_changed_config_on_an_existing_run_is_refused_naming_the_keys(tmp_path: Path) -> None:
    from sweagent.config import load_config
    from sweagent.run_directory import check_resumable

    (tmp_path / "config.yaml").write_text(load_config().to_yaml())
    check_resumable(tmp_path, load_config())  # the same config continues
    changed = load_config(overrides=["generation.samples=3", "sandbox.memory=2g"])
    with pytest.raises(ConfigError, match=r"generation\.samples, sandbox\.memory"):
        check_resumable(tmp_path, changed)
    check_resumable(tmp_path, changed, force=True)


def test_a_run_started_before_a_config_section_existed_continues_unless_it_is_set(tmp_path: Path) -> None:
    """Regression: adding `environment.*` must not make every earlier run directory un-resumable."""
    import yaml

    from sweagent.config import load_config
    from sweagent.run_directory import check_resumable

    older = yaml.safe_load(load_config().to_yaml())
    del older["environment"]
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(older))
    check_resumable(tmp_path, load_config())
    with pytest.raises(ConfigError, match=r"environment\.python"):
        check_resumable(tmp_path, load_config(overrides=["environment.python=exact"]))


def test_shortcuts_set_typed_values_never_text_parsed_back() -> None:
    """Regression: `--model yes` became the boolean True when shortcuts were `key=value` text."""
    request = RunRequest(dataset="swe-mini", model="yes", samples=8, selector="vote>state-machine")
    config = request.config()
    assert config.models.primary.name == "yes"
    assert config.generation.samples == 8
    assert config.selection.selector == "vote>state-machine"


def test_a_bad_shortcut_value_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=r"generation\.samples"):
        RunRequest(dataset="swe-mini", model="m", samples=0).config()


def test_a_model_named_in_a_config_file_needs_no_model_option(tmp_path: Path) -> None:
    config_file = tmp_path / "c.yaml"
    config_file.write_text("models:\n  primary:\n    name: scripted:builtin\n")
    assert RunRequest(dataset="swe-mini", config_files=(config_file,)).config().models.primary.name == (
        "scripted:builtin"
    )


def test_no_model_anywhere_is_refused_naming_the_option_and_the_test_models() -> None:
    with pytest.raises(ConfigError, match=r"--model.*scripted:builtin"):
        RunRequest(dataset="swe-mini", overrides=("generation.samples=2",)).config()


def test_continuing_a_run_without_a_model_keeps_the_one_it_was_started_with(tmp_path: Path) -> None:
    started = RunRequest(dataset="swe-mini", model="scripted:builtin", run_dir=tmp_path).config()
    (tmp_path / "config.yaml").write_text(started.to_yaml(), encoding="utf-8")
    again = RunRequest(dataset="swe-mini", run_dir=tmp_path).config()
    assert again.models.primary.name == "scripted:builtin"
    assert again.models.relevance.name == started.models.relevance.name


def test_stages_that_ask_no_model_run_without_one() -> None:
    # Selecting imported candidates with a model-free selector, then grading them, calls no model.
    config = RunRequest(dataset="swe-mini", selector="consensus").config(model_needed=False)
    assert config.selection.selector == "consensus"
    with pytest.raises(ConfigError, match="--model"):
        RunRequest(dataset="swe-mini", selector="consensus").config()

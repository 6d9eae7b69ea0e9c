import subprocess
import sys
from pathlib import Path

import pytest

DESIGN_COMMANDS = [
    "run", "solve", "select", "compare", "import", "evaluate", "report", "serve", "images", "validate",
    "doctor", "sandbox", "shell", "cleanup",
]  # fmt: skip


def sweagent(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sweagent", *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_help_lists_every_command_of_the_design() -> None:
    result = sweagent("--help")
    assert result.returncode == 0
    for command in DESIGN_COMMANDS:
        assert f" {command} " in result.stdout, command


@pytest.mark.parametrize(
    ("args", "complaint"),
    [
        (["solve", "--repo", "/nonexistent/repo", "--issue", "x"], "not a git repository"),
        (["solve", "--repo", ".", "--issue", "x", "--issue-file", "f"], "give the issue once"),
        (["shell", "--dataset", "swe-mini"], "give both --dataset and --instance"),
        (["sandbox", "exec", "--dataset", "swe-mini", "--instance", "nobody-1", "--", "true"], "nobody-1"),
    ],
)
def test_bad_command_input_is_one_line_and_exit_2(args: list[str], complaint: str) -> None:
    result = sweagent(*args)
    assert result.returncode == 2, result.stderr
    assert complaint in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("override", ["sandbox.pids=many", "nonsense"])
def test_bad_config_is_one_line_and_exit_2(override: str) -> None:
    result = sweagent("sandbox", "exec", "-o", override, "--", "true")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error:")


def test_version_prints_the_distributions_version() -> None:
    from importlib.metadata import version

    result = sweagent("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"sweagent {version('sweagent-scale')}"


@pytest.mark.parametrize("command", ["run", "solve"])
def test_run_and_solve_without_a_model_refuse_naming_the_option_and_the_test_models(
    tmp_path: Path, command: str
) -> None:
    """Regression: `run` without `--model` silently used the scripted test model."""
    target = (
        ["--dataset", "swe-mini"]
        if command == "run"
        else ["--repo", str(_git_repo(tmp_path)), "--issue", "x"]
    )
    result = sweagent(command, *target, "--run-dir", str(tmp_path / "run"))
    assert result.returncode == 2, result.stderr
    assert "--model" in result.stderr
    assert "scripted:builtin" in result.stderr
    assert not (tmp_path / "run").exists()


def test_verbose_and_quiet_are_exclusive() -> None:
    result = sweagent("-v", "-q", "report", ".")
    assert result.returncode == 2
    assert "choose one of --verbose and --quiet" in result.stderr


def _git_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    (repo / "a.py").write_text("x = 1\n")
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], cwd=repo, check=True)
    return repo

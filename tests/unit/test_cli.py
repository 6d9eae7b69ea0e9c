import subprocess
import sys

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

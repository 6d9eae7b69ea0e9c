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


def test_commands_not_built_yet_say_so_and_exit_2() -> None:
    result = sweagent("solve", "--repo", ".", "--issue", "x")
    assert result.returncode == 2
    assert "not built yet" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("override", ["sandbox.pids=many", "nonsense"])
def test_bad_config_is_one_line_and_exit_2(override: str) -> None:
    result = sweagent("sandbox", "exec", "-o", override, "--", "true")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error:")

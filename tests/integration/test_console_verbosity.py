"""`-v` shows the package's INFO and DEBUG records on the console, `-q` only errors; `run.log` keeps
INFO and above either way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from context_repos import instances

CONTEXT = ("--stages", "context", "-o", "context.provider=bm25", "--model", "scripted:builtin")


def run(tmp_path: Path, *flags: str, names: tuple[str, ...] = ("mixed",)) -> subprocess.CompletedProcess[str]:
    dataset = tmp_path / "data.jsonl"
    chosen = [i for i in instances(tmp_path / "repos") if i.repo.split("/")[1] in names]
    dataset.write_text("".join(i.model_dump_json() + "\n" for i in chosen))
    command = [sys.executable, "-m", "sweagent", *flags, "run", "--dataset", str(dataset), *CONTEXT]
    command += ["--repos-dir", str(tmp_path / "repos"), "--run-dir", str(tmp_path / "run")]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def test_the_default_console_shows_progress_but_no_info_records(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "run directory:" in result.stderr
    assert "info:" not in result.stderr
    assert "stage context: 1 instance(s)" in (tmp_path / "run" / "run.log").read_text()


@pytest.mark.parametrize("flag", ["-v", "--verbose"])
def test_verbose_shows_info_records(tmp_path: Path, flag: str) -> None:
    result = run(tmp_path, flag)
    assert result.returncode == 0, result.stderr
    assert "info: stage context: 1 instance(s)" in result.stderr


@pytest.mark.parametrize("flag", ["-q", "--quiet"])
def test_quiet_shows_errors_only(tmp_path: Path, flag: str) -> None:
    result = run(tmp_path, flag, names=("mixed", "gone"))
    assert result.returncode == 1  # an instance failed: work, not an error of the command
    assert result.stderr == ""
    assert "stage context: 2 instance(s)" in (tmp_path / "run" / "run.log").read_text()


def test_quiet_still_shows_why_a_command_refused(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sweagent", "-q", "run", "--dataset", str(tmp_path / "none.jsonl")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error:")

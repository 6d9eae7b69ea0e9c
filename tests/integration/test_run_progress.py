"""A real `sweagent run` (context stage, `scripted:builtin` as the relevance and primary model) whose
stderr is a pipe: progress comes as plain lines, one per instance starting and finishing, with the
stage's counts and a last summary holding the tokens, and not one control character; each instance
gets an `instance.log` holding its own records beside `run.log`."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from context_repos import instances

NAMES = ("mixed", "docs-only", "gone")


def _run(tmp_path: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    dataset = tmp_path / "data.jsonl"
    chosen = [i for i in instances(tmp_path / "repos") if i.repo.split("/")[1] in NAMES]
    dataset.write_text("".join(i.model_dump_json() + "\n" for i in chosen))
    command = [sys.executable, "-m", "sweagent", *flags, "run", "--dataset", str(dataset)]
    command += ["--stages", "context", "--model", "scripted:builtin"]
    command += ["--repos-dir", str(tmp_path / "repos"), "--run-dir", str(tmp_path / "run")]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def test_a_piped_run_prints_progress_lines_and_writes_an_instance_log_each(tmp_path: Path) -> None:
    result = _run(tmp_path)
    assert result.returncode == 1, result.stderr  # acme__gone-1 has no repository: recorded, not fatal
    stderr = result.stderr
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", stderr), "control characters in piped output"
    lines = stderr.splitlines()
    for iid in ("acme__mixed-1", "acme__docs-only-1", "acme__gone-1"):
        assert any(re.match(rf"\[\d+:\d\d:\d\d\] context started {iid} · context ", line) for line in lines)
    assert any(re.match(r"\[.*\] context error acme__gone-1 \(.*DatasetError", line) for line in lines)
    assert any(re.match(r"\[.*\] context empty acme__docs-only-1 \(files=0", line) for line in lines)
    final = next(line for line in lines if "] finished: " in line)
    assert "context 0 waiting, 0 running, 2 done, 1 failed" in final
    assert re.search(r"tokens [1-9][\d.]*k? \([1-9]\d* calls\) · \$0\.00", final), final

    run_dir = tmp_path / "run"
    for iid in ("acme__mixed-1", "acme__docs-only-1", "acme__gone-1"):
        log = (run_dir / iid / "instance.log").read_text()
        assert f"stage context: {iid} started" in log
        others = {"acme__mixed-1", "acme__docs-only-1", "acme__gone-1"} - {iid}
        assert not any(other in log for other in others), log
    assert "DatasetError" in (run_dir / "acme__gone-1" / "instance.log").read_text()
    assert "stage context: acme__mixed-1 started" in (run_dir / "run.log").read_text()


def test_quiet_silences_the_progress_but_not_the_instance_logs(tmp_path: Path) -> None:
    result = _run(tmp_path, "-q")
    assert result.returncode == 1
    assert result.stderr == ""
    assert "started" in (tmp_path / "run" / "acme__mixed-1" / "instance.log").read_text()

"""scripts/find_sdist_instances.py finds the PyPI release that accepts an instance's patches."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / "scripts" / "find_sdist_instances.py"


@pytest.mark.network
def test_finds_the_flask_release_for_one_instance(tmp_path: Path) -> None:
    out = tmp_path / "hits.jsonl"
    command = [sys.executable, str(SCRIPT), str(ROOT / "tests" / "data" / "swe-bench-lite-test-sample.jsonl")]
    command += [
        "--instances",
        "pallets__flask-4992",
        "--limit",
        "1",
        "--cache",
        str(tmp_path),
        "--jsonl",
        str(out),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=True)
    assert done.stdout.splitlines()[1] == "pallets__flask-4992\tpallets/flask\t2.3\t2.2.3"
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["source"] == {"type": "sdist", "package": "flask", "version": "2.2.3"}


@pytest.mark.network
def test_a_pinned_release_is_used_as_is_and_named_tests_leave_pass_to_pass(tmp_path: Path) -> None:
    out = tmp_path / "hits.jsonl"
    dropped = "tests/test_config.py::test_config_from_class"
    command = [sys.executable, str(SCRIPT), str(ROOT / "tests" / "data" / "swe-bench-lite-test-sample.jsonl")]
    command += ["--instances", "pallets__flask-4992", "--cache", str(tmp_path), "--jsonl", str(out)]
    command += ["--pin", "pallets__flask-4992=2.2.3", "--drop-pass-to-pass", f"pallets__flask-4992={dropped}"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=True)
    assert done.stdout.splitlines()[1] == "pallets__flask-4992\tpallets/flask\t2.3\t2.2.3"
    (record,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["source"]["version"] == "2.2.3"
    assert dropped not in record["PASS_TO_PASS"]
    assert len(record["PASS_TO_PASS"]) == 17
    stale = [*command[:-1], "pallets__flask-4992=tests/test_config.py::no_such_test"]
    failed = subprocess.run(stale, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert failed.returncode == 2
    assert "pallets__flask-4992: tests/test_config.py::no_such_test is not in PASS_TO_PASS" in failed.stderr

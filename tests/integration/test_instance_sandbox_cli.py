"""`sweagent sandbox exec --dataset D --instance ID` runs in the instance's environment."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.docker, pytest.mark.network]


def test_a_command_runs_in_the_instance_image() -> None:
    command = [sys.executable, "-m", "sweagent", "sandbox", "exec", "--dataset", "swe-mini"]
    command += ["--instance", "pallets__flask-4992", "--", "python -c 'import flask, os; print(os.getcwd())'"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert (result["exit_code"], result["stdout"]) == (0, "/testbed\n")

"""`sweagent images plan` names a provider or a reason for every record, without a Docker engine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# The shared SWE-bench records, found as tests/unit/test_dataset_loading.py finds them.
_CANDIDATES = [
    *([Path(os.environ["SWEAGENT_SHARED_DATA"])] if os.environ.get("SWEAGENT_SHARED_DATA") else []),
    *(p / "shared" / "data" for p in Path(__file__).parents[2].parents),
    Path("/work/shared/data"),
]
LITE = next((p for p in _CANDIDATES if p.is_dir()), _CANDIDATES[-1]) / "swe-bench-lite-test.jsonl"


def _plan(*overrides: str) -> list[str]:
    env = {**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"}  # no engine to lean on
    options = [arg for override in overrides for arg in ("-o", override)]
    done = subprocess.run(
        [sys.executable, "-m", "sweagent", "images", "plan", "--dataset", str(LITE), *options],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout.splitlines()


@pytest.mark.skipif(not LITE.is_file(), reason=f"shared SWE-bench Lite file {LITE} is absent")
@pytest.mark.parametrize(("python", "most_refused"), [("exact", 124), ("nearest", 30)])
def test_plan_covers_every_lite_record_with_a_provider_or_a_reason(python: str, most_refused: int) -> None:
    # The registry is unreachable (port 9 on loopback): every instance is planned for `build`, or refused.
    lines = _plan("environment.official.registry=127.0.0.1:9", f"environment.python={python}")
    *per_instance, last = lines
    assert len(per_instance) == 300
    for line in per_instance:
        instance_id, provider, rest = line.split("  ", 2)
        assert provider in ("build", "refused"), line
        assert "official: registry 127.0.0.1:9 unreachable" in rest, line
        if provider == "refused":
            assert "build: " in rest, line
        else:
            assert rest.startswith("Python "), line
    refused = sum(line.split("  ")[1] == "refused" for line in per_instance)
    assert last.startswith(f"refused {refused} of 300")
    assert refused < most_refused
    if python == "nearest":
        assert all(" approximate" in line for line in per_instance if "(spec " in line)


@pytest.mark.skipif(not LITE.is_file(), reason=f"shared SWE-bench Lite file {LITE} is absent")
def test_offline_defaults_refuse_at_most_30_lite_records_each_with_its_reason() -> None:
    # An offline machine with the default settings: approximate environments where the Python is missing.
    *per_instance, last = _plan("environment.official.registry=127.0.0.1:9")
    refused = [line for line in per_instance if line.split("  ")[1] == "refused"]
    assert len(per_instance) == 300
    assert len(refused) <= 30, last
    assert all("build: " in line for line in refused)

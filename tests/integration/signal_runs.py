"""Signal a `sweagent run` once it has asked the loopback model something, and collect its stderr."""

from __future__ import annotations

import subprocess
import time

from sweagent.models.loopback import LoopbackChatServer


def signal_when_asked(process: subprocess.Popen[str], server: LoopbackChatServer, signal_number: int) -> str:
    """Wait (at most 240 s) for the run's first model request, send `signal_number`; its stderr."""
    deadline = time.monotonic() + 240
    while server.in_flight == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.in_flight > 0, "the run never reached the model"
    process.send_signal(signal_number)
    _, stderr = process.communicate(timeout=60)
    return stderr

"""Isolated execution for sweagent: the Sandbox protocol, results, Docker and bubblewrap backends."""

from sandbox.errors import EngineUnavailable, ImageNotFound, SandboxClosed, SandboxError
from sandbox.protocol import Sandbox
from sandbox.result import DEFAULT_OUTPUT_LIMIT, ExecResult, OutputBuffer

__all__ = [
    "DEFAULT_OUTPUT_LIMIT",
    "EngineUnavailable",
    "ExecResult",
    "ImageNotFound",
    "OutputBuffer",
    "Sandbox",
    "SandboxClosed",
    "SandboxError",
]

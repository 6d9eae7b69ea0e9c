"""Isolated execution for sweagent: the Sandbox protocol, results, Docker and bubblewrap backends."""

from sandbox.bwrap import BwrapSandbox, BwrapSandboxConfig
from sandbox.errors import (
    EngineUnavailable,
    ImageNotFound,
    RepositoryBroken,
    SandboxClosed,
    SandboxError,
    SandboxPathError,
)
from sandbox.protocol import Sandbox
from sandbox.result import DEFAULT_OUTPUT_LIMIT, ExecResult, OutputBuffer

__all__ = [
    "BwrapSandbox",
    "BwrapSandboxConfig",
    "DEFAULT_OUTPUT_LIMIT",
    "EngineUnavailable",
    "ExecResult",
    "ImageNotFound",
    "OutputBuffer",
    "RepositoryBroken",
    "Sandbox",
    "SandboxClosed",
    "SandboxError",
    "SandboxPathError",
]

"""Errors of the sandbox package (which never imports sweagent)."""

from __future__ import annotations

__all__ = [
    "EngineUnavailable",
    "ImageNotFound",
    "RepositoryBroken",
    "SandboxClosed",
    "SandboxError",
    "SandboxPathError",
]


class SandboxError(Exception):
    """Root of the sandbox package's errors."""


class EngineUnavailable(SandboxError, ConnectionError):
    """The container engine (or bubblewrap) cannot be reached or used; the message says how to fix it."""


class ImageNotFound(SandboxError, LookupError):
    """The requested image does not exist locally and cannot be pulled."""


class SandboxClosed(SandboxError, RuntimeError):
    """The sandbox was closed, or its container disappeared, and cannot run anything."""


class SandboxPathError(SandboxError, ValueError):
    """A path escapes the sandbox's writable directories, or is not what it must be (a git repository)."""


class RepositoryBroken(SandboxError, RuntimeError):
    """git cannot work in the sandbox's repository (a command removed `.git`?); `reset()` rebuilds it."""

"""One root exception; every leaf also inherits the builtin it resembles."""

from __future__ import annotations

__all__ = [
    "BudgetExceeded",
    "ConfigError",
    "DatasetError",
    "FormatError",
    "ModelError",
    "NotBuiltError",
    "RegistryError",
    "StoreError",
    "SweAgentError",
]


class SweAgentError(Exception):
    """Root of every error this package raises on purpose."""


class ConfigError(SweAgentError, ValueError):
    """A config file, override or flag is invalid; the message names the key."""


class DatasetError(SweAgentError, ValueError):
    """A dataset or one of its records cannot be used; the message names the record and field."""


class RegistryError(SweAgentError, LookupError):
    """A plug-in name or dotted path does not resolve to an implementation."""


class StoreError(SweAgentError, OSError):
    """The run directory cannot be read or written as expected."""


class ModelError(SweAgentError, RuntimeError):
    """A model endpoint failed in a way retries could not fix."""


class FormatError(SweAgentError, ValueError):
    """A model reply does not follow the output grammar of its stage."""


class BudgetExceeded(SweAgentError, RuntimeError):
    """A hard token or cost budget is spent; new work stops cleanly."""


class NotBuiltError(SweAgentError, NotImplementedError):
    """A command that DESIGN.md names but this version does not provide yet."""

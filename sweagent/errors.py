"""One root exception; every leaf also inherits the builtin it resembles."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "BudgetExceeded",
    "ConfigError",
    "ContextLengthExceeded",
    "DatasetError",
    "DiskFull",
    "EngineDown",
    "EnvironmentBuildError",
    "FormatError",
    "InfrastructureUnavailable",
    "ModelError",
    "ModelUnavailable",
    "NotBuiltError",
    "RegistryError",
    "ReplayNotFound",
    "RunDirectoryBusy",
    "ScriptExhausted",
    "StoreError",
    "SweAgentError",
    "UnsupportedInstance",
    "field_path",
    "one_line",
]


class SweAgentError(Exception):
    """Root of every error this package raises on purpose."""


class ConfigError(SweAgentError, ValueError):
    """A config file, override or flag is invalid; the message names the key."""


class DatasetError(SweAgentError, ValueError):
    """A dataset or one of its records cannot be used; the message names the record and field."""


class UnsupportedInstance(SweAgentError, ValueError):
    """An instance this tool cannot provide an environment for (say, a Python no base image has);
    reported per instance as unsupported, never as a failure."""


class EnvironmentBuildError(SweAgentError, RuntimeError):
    """Building an environment or instance image failed; the message ends with the build log's tail."""


class RegistryError(SweAgentError, LookupError):
    """A plug-in name or dotted path does not resolve to an implementation."""


class StoreError(SweAgentError, OSError):
    """The run directory cannot be read or written as expected."""


class RunDirectoryBusy(StoreError):
    """Another process is writing the run directory; the message names it."""


class InfrastructureUnavailable(SweAgentError):
    """A service the run depends on (a model endpoint, the Docker engine) stayed down past its retry
    budget: the run stops at once (exit code 3) instead of failing every remaining instance, and a
    later run with the same command continues from what was saved."""


class DiskFull(StoreError, InfrastructureUnavailable):
    """The run directory's file system is out of space (or quota) while writing an artifact: the run
    stops (exit code 3) with the file named, nothing half-written is left, and the same command
    continues once space is freed."""


class EngineDown(InfrastructureUnavailable, ConnectionError):
    """The sandbox engine stayed unreachable (or kept losing containers) past `sandbox.retry_seconds`:
    the run stops (exit code 3) rather than record the fault as a result; unfinished trajectories
    stay `running` and the same command continues them."""


class ModelError(SweAgentError, RuntimeError):
    """A model endpoint failed in a way retries could not fix."""


class ContextLengthExceeded(ModelError, ValueError):
    """The endpoint rejected a request as longer than the model's context; retrying cannot help."""


class ModelUnavailable(ModelError, InfrastructureUnavailable, ConnectionError):
    """The endpoints failed (429, 5xx, timeouts, refused connections) with no success for the whole
    retry budget; every later call fails at once with the same cause."""


class ScriptExhausted(ModelError, IndexError):
    """A scripted test model was asked for more outputs than it was given."""


class ReplayNotFound(ModelError, LookupError):
    """A replay model has no stored reply for the requested instance, stage, sample and turn."""


class FormatError(SweAgentError, ValueError):
    """A model reply does not follow the output grammar of its stage."""


class BudgetExceeded(SweAgentError, RuntimeError):
    """A hard token or cost budget is spent; new work stops cleanly."""


class NotBuiltError(SweAgentError, NotImplementedError):
    """A command that DESIGN.md names but this version does not provide yet."""


def one_line(text: str) -> str:
    """`text` with every run of whitespace (line breaks included) as one space: a message fits a line."""
    return " ".join(text.split())


def field_path(loc: Iterable[str | int], empty: str) -> str:
    """A validation error's location as `a.b.0`; a key that is not a plain word (a line break, a
    dot, a space) is quoted, so a fuzzed key cannot break the message over lines."""
    parts = [str(p) if isinstance(p, int) or str(p).isidentifier() else repr(p) for p in loc]
    return ".".join(parts) or empty

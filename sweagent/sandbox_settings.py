"""The run config's `sandbox` section: the sandbox package's own configs, discriminated on `type`.

Each member is a sandbox config (with its `build()`) plus the keys that belong to the run rather than
to one sandbox: how many are kept warm and how long an engine fault is retried. A use gives the image
and its network default; what the run can use is Docker for now.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from sandbox.bwrap_config import BwrapSandboxConfig
from sandbox.docker import DockerSandboxConfig
from sandbox.network import NetworkMode

__all__ = [
    "BWRAP_REFUSED",
    "BwrapSandboxSettings",
    "DockerSandboxSettings",
    "SandboxSettings",
    "run_sandbox_type",
]

BWRAP_REFUSED = (
    "{kind!r} is not usable by run, solve, shell or sandbox exec yet: they run on Docker images "
    "(scripts/bootstrap.sh installs and starts an engine); the bubblewrap backend exists only as a "
    "library class, sandbox.bwrap.BwrapSandbox"
)
_RUN_KEYS = frozenset({"pool_size", "retry_seconds"})


class RunSandboxKeys(BaseModel):
    """The keys of `sandbox` that are the run's, not one sandbox's."""

    pool_size: int = Field(default=4, ge=1)
    """Sandboxes kept warm per image."""
    retry_seconds: float = Field(default=120.0, ge=0)
    """Seconds an engine fault (engine restarting, container gone) is retried before the work fails."""

    @property
    def backend(self) -> str:
        """The key's name before it was `type`."""
        return str(getattr(self, "type", ""))


class DockerSandboxSettings(RunSandboxKeys, DockerSandboxConfig):
    """Docker sandboxes: `image` is the default when a use names none."""

    def for_use(
        self, image: str | None = None, *, network: bool = False, default_network: NetworkMode = "none"
    ) -> DockerSandboxConfig:
        """The sandbox config of one use: its image, and the network `open` with `network`, else the
        setting, else the use's `default_network` (agents `none`, grading and the test matrix `dropped`)."""
        values = self.model_dump(exclude=set(_RUN_KEYS))
        values["image"] = image or self.image
        values["network"] = "open" if network else self.network or default_network
        return DockerSandboxConfig.model_validate(values)


class BwrapSandboxSettings(RunSandboxKeys, BwrapSandboxConfig):
    """Bubblewrap sandboxes over a host checkout; refused by the run until its stages can use them."""


SandboxSettings = Annotated[DockerSandboxSettings | BwrapSandboxSettings, Field(discriminator="type")]
"""The run's `sandbox` section; `type` defaults to docker, `backend` is its older name."""


def run_sandbox_type(value: Any) -> Any:
    """`sandbox` as the union reads it: `backend` renamed `type`, docker by default, bwrap refused."""
    if not isinstance(value, dict):
        return value
    key = "backend" if "backend" in value else "type"
    kind = value.get(key, "docker")
    if key == "backend" and value.get("type", kind) != kind:
        raise _error(
            key, kind, f"{kind!r} disagrees with type {value['type']!r}; `backend` is its older name"
        )
    if kind == "bwrap":
        raise _error(key, kind, BWRAP_REFUSED.format(kind=kind))
    values = {name: setting for name, setting in value.items() if name != "backend"}
    values["type"] = kind
    return values


def _error(key: str, value: object, message: str) -> ValidationError:
    # Raised inside the field's validator, its location nests under `sandbox` (`sandbox.backend`).
    detail = InitErrorDetails(type=PydanticCustomError("sandbox_refused", message), loc=(key,), input=value)
    return ValidationError.from_exception_data("sandbox", [detail])

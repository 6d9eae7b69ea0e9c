"""Where evaluation gets an instance's image, test command and setup commands.

`sweagent.environment` builds them from swebench's specs; it is imported only when the default
provider is made, so the harness works (and is tested) with any other provider too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from docker import DockerClient

from sweagent.datasets.repos import RepoSources
from sweagent.records import Instance

__all__ = ["EnvironmentProvider", "FixedImageProvider", "ImageProvider", "default_provider"]


class ImageProvider(Protocol):
    """The three things evaluation needs to know about an instance's environment."""

    def ensure_instance_image(
        self,
        instance: Instance,
        *,
        client: DockerClient,
        sources: RepoSources | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> str:
        """The tag of a ready image with the repository at /testbed; raises UnsupportedInstance or
        EnvironmentBuildError when there cannot be one."""
        ...

    def test_command(self, instance: Instance) -> str:
        """The command that runs the instance's tests inside that image."""
        ...

    def eval_setup_commands(self, instance: Instance) -> list[str]:
        """Shell lines run before the test command, in the same shell (activate a venv, export...)."""
        ...


class EnvironmentProvider:
    """The `sweagent.environment` package's functions as an ImageProvider."""

    def __init__(self, module: Any) -> None:
        self._module = module

    def ensure_instance_image(
        self,
        instance: Instance,
        *,
        client: DockerClient,
        sources: RepoSources | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> str:
        return str(
            self._module.ensure_instance_image(instance, client=client, sources=sources, progress=progress)
        )

    def test_command(self, instance: Instance) -> str:
        return str(self._module.test_command(instance))

    def eval_setup_commands(self, instance: Instance) -> list[str]:
        return list(self._module.eval_setup_commands(instance))


def default_provider() -> ImageProvider:
    """Images built from swebench's specs by `sweagent.environment`."""
    import importlib

    return EnvironmentProvider(importlib.import_module("sweagent.environment"))


@dataclass(frozen=True)
class FixedImageProvider:
    """One ready image and test command for every instance (a hand-made environment, or tests)."""

    image: str
    command: str
    setup: tuple[str, ...] = ()

    def ensure_instance_image(
        self,
        instance: Instance,
        *,
        client: DockerClient,
        sources: RepoSources | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> str:
        return self.image

    def test_command(self, instance: Instance) -> str:
        return self.command

    def eval_setup_commands(self, instance: Instance) -> list[str]:
        return list(self.setup)

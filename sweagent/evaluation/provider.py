"""Where evaluation gets an instance's image, test command and setup commands.

`sweagent.environment` serves them (official images or builds from swebench's specs); it is
imported only when the default provider is made, so the harness works (and is tested) with any
other provider too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from docker import DockerClient

from sweagent.config import EnvironmentConfig
from sweagent.datasets.repos import RepoSources
from sweagent.records import EnvironmentInfo, Instance

__all__ = ["FixedImageProvider", "ImageProvider", "default_provider"]


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

    def environment_info(self, instance: Instance) -> EnvironmentInfo | None:
        """What served the instance's environment in this run (provider, Python, approximate), if known."""
        ...


def default_provider(environment: EnvironmentConfig | None = None) -> ImageProvider:
    """The configured environment providers (`environment.providers`) of `sweagent.environment`."""
    from sweagent.environment.providers import EnvironmentProviders

    return EnvironmentProviders(environment)


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

    def environment_info(self, instance: Instance) -> EnvironmentInfo | None:
        return EnvironmentInfo(provider="given", image=self.image)

"""Where evaluation gets an instance's environment: a ready image, its test command and setup commands.

`sweagent.environment` serves them (official images or builds from swebench's specs); its providers
are made only with the default provider, so the harness works (and is tested) with any other
provider too. Evaluation shares only the request type (`ImageRequest`) with that package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from sweagent.config import EnvironmentConfig
from sweagent.environment.build import ImageRequest
from sweagent.records import EnvironmentInfo

if TYPE_CHECKING:
    from sweagent.environment.providers import EnvironmentProviders

__all__ = ["ConfiguredImages", "Environment", "FixedImageProvider", "ImageProvider", "default_provider"]


@dataclass(frozen=True)
class Environment:
    """A ready image and how to run the instance's tests in it."""

    image: str
    test_cmd: str
    setup_cmds: tuple[str, ...]
    """Shell lines run before the test command, in the same shell (activate a venv, export...)."""
    info: EnvironmentInfo | None = None
    """Which provider served it and whether it is approximate, when the provider says."""


class ImageProvider(Protocol):
    """What evaluation needs to know about an instance's environment, in one answer."""

    def environment(self, request: ImageRequest) -> Environment:
        """The instance's ready image (the repository at /testbed) and how its tests run there;
        raises UnsupportedInstance or EnvironmentBuildError when there cannot be one."""
        ...


def default_provider(environment: EnvironmentConfig | None = None) -> ImageProvider:
    """The configured environment providers (`environment.providers`) of `sweagent.environment`."""
    from sweagent.environment.providers import EnvironmentProviders

    return ConfiguredImages(EnvironmentProviders(environment))


@dataclass(frozen=True)
class ConfiguredImages:
    """The environment providers of `sweagent.environment`, with swebench's test and setup commands."""

    providers: EnvironmentProviders

    def environment(self, request: ImageRequest) -> Environment:
        from sweagent.environment.commands import eval_setup_commands, test_command

        info = self.providers.serve(request)
        instance = request.instance
        return Environment(info.image, test_command(instance), tuple(eval_setup_commands(instance)), info)


@dataclass(frozen=True)
class FixedImageProvider:
    """One ready image and test command for every instance (a hand-made environment, or tests)."""

    image: str
    command: str
    setup: tuple[str, ...] = ()

    def environment(self, request: ImageRequest) -> Environment:
        return Environment(
            self.image, self.command, self.setup, EnvironmentInfo(provider="given", image=self.image)
        )

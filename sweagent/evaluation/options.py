"""The options `sweagent evaluate` and `sweagent validate` share, built once by the CLI (or a caller)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from docker import DockerClient
from rich.console import Console

from sandbox.engine import connect
from sandbox.network import NetworkMode
from sweagent.config import EnvironmentConfig
from sweagent.datasets.repos import RepoSources
from sweagent.evaluation.provider import ImageProvider, default_provider

__all__ = ["GradingOptions"]


def _progress_console() -> Console:
    return Console(stderr=True)


def _result_console() -> Console:
    return Console(soft_wrap=True, highlight=False)


@dataclass(frozen=True)
class GradingOptions:
    """How candidates are graded: which instances, their environments and network, where output goes."""

    filter: str | None = None
    """Regex on instance ids."""
    repos_dir: Path | None = None
    """Local repositories as DIR/<owner>/<name>, for providers that build the checkout in."""
    timeout: float = 1800.0
    """Seconds the setup and the tests may each take."""
    provider: ImageProvider | None = None
    """Where environments come from; None: the `environment` config's providers."""
    environment: EnvironmentConfig | None = None
    """The providers' config when `provider` is None."""
    network: NetworkMode = "dropped"
    """The network the tests get."""
    client: DockerClient | None = None
    """The Docker engine; None: connect for the command and close after."""
    runs_root: Path = Path("runs")
    """Where a new run directory goes when none is given."""
    console: Console = field(default_factory=_progress_console)
    """Progress, tables and notes."""
    out: Console = field(default_factory=_result_console)
    """The one-line result."""

    def images(self) -> ImageProvider:
        """`provider`, or the configured environment providers."""
        return self.provider or default_provider(self.environment)

    def sources(self) -> RepoSources | None:
        """Where repositories come from when `repos_dir` is set (None: the providers' default)."""
        return RepoSources(repos_dir=self.repos_dir) if self.repos_dir else None

    @contextmanager
    def engine(self) -> Iterator[DockerClient]:
        """`client`, or a connection of its own for the block."""
        if self.client is not None:
            yield self.client
            return
        own = connect()
        try:
            yield own
        finally:
            own.close()

"""Environment providers tried in order (`environment.providers`): each serves an instance or says why not.

`official` pulls the SWE-bench harness's image (`sweagent.environment.official`); `build` builds one
here from swebench's specs (`sweagent.environment.build`), on the nearest base Python when
`environment.python=nearest` (then the environment is approximate). An instance naming its own
`image` gets that image. `plan` answers without building or pulling anything; `prepare` makes the
image. Both record, per instance, why each earlier provider could not serve it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Protocol

from docker import DockerClient
from pydantic import Field

from sweagent.config import EnvironmentConfig
from sweagent.datasets.repos import RepoSources
from sweagent.environment.build import BuildPolicy, ImageRequest, _exists, ensure_instance_image
from sweagent.environment.official import OfficialImages
from sweagent.environment.services import served_hosts
from sweagent.environment.specs import environment_spec
from sweagent.errors import EnvironmentBuildError, UnsupportedInstance
from sweagent.records import EnvironmentInfo, Instance, Record

__all__ = [
    "PROVIDERS",
    "BuiltHere",
    "EnvironmentProvider",
    "EnvironmentProviders",
    "PlannedEnvironment",
    "build_info",
]

logger = logging.getLogger(__name__)


class PlannedEnvironment(Record):
    """One instance's line of `sweagent images plan`."""

    instance_id: str
    """The instance."""
    repo: str
    """Its repository."""
    environment: EnvironmentInfo | None = None
    """The provider that will serve it (image names are known only once prepared); None if none can."""
    refused: dict[str, str] = Field(default_factory=dict)
    """Each provider that cannot serve it, with the reason."""


def _quiet(_: str) -> None:
    return None


def build_info(instance: Instance, python: str, image: str = "") -> EnvironmentInfo:
    """What the `build` provider gives for `instance` under the `python` policy (UnsupportedInstance)."""
    spec = environment_spec(instance, python="nearest" if python == "nearest" else "exact")
    notes = [f"built here on {spec.dist} from swebench's spec"]
    if spec.approximate:
        notes.insert(0, f"approximate: {spec.approximation()} (environment.python=nearest)")
    if spec.requirements == "environment.yml":
        notes.append("conda environment.yml translated to pip requirements")
    hosts = served_hosts(instance.repo)
    if hosts:
        notes.append(f"serves {', '.join(hosts)} itself for the tests (a local stand-in)")
    return EnvironmentInfo(
        provider="build",
        image=image,
        python=spec.dist_python,
        spec_python=spec.python,
        approximate=spec.approximate,
        notes=tuple(notes),
        served_hosts=hosts,
    )


class EnvironmentProvider(Protocol):
    """One way to serve an instance's environment; each raises UnsupportedInstance when it cannot."""

    def plan(self, instance: Instance, client: DockerClient | None = None) -> EnvironmentInfo:
        """What `prepare` would give, building and pulling nothing."""
        ...

    def prepare(self, request: ImageRequest) -> EnvironmentInfo:
        """The ready environment (EnvironmentBuildError when a pull or a build failed)."""
        ...


class BuiltHere:
    """The `build` provider: an image built here from swebench's specs under the build `policy`."""

    name = "build"

    def __init__(self, policy: BuildPolicy) -> None:
        self.policy = policy

    def plan(self, instance: Instance, client: DockerClient | None = None) -> EnvironmentInfo:
        """What a build would give (UnsupportedInstance when no base Python fits the policy)."""
        return build_info(instance, self.policy.python)

    def prepare(self, request: ImageRequest) -> EnvironmentInfo:
        """The instance's image, built (or found) here."""
        instance = request.instance
        tag = ensure_instance_image(
            instance,
            client=request.client,
            sources=request.sources,
            progress=request.progress,
            policy=self.policy,
        )
        return build_info(instance, self.policy.python, image=tag)


PROVIDERS: Mapping[str, Callable[[EnvironmentConfig], EnvironmentProvider]] = {
    "official": lambda config: OfficialImages(config.official),
    "build": lambda config: BuiltHere(
        BuildPolicy(config.python, config.released_before, config.released_before_by_repo)
    ),
}
"""The providers `environment.providers` may name (also listed in `EnvironmentConfig.providers`)."""


class EnvironmentProviders:
    """The configured providers for one run (evaluation asks them through `ConfiguredImages`)."""

    def __init__(self, config: EnvironmentConfig | None = None) -> None:
        self.config = config or EnvironmentConfig()
        self.providers = {name: PROVIDERS[name](self.config) for name in self.config.providers}
        self._prepared: dict[str, EnvironmentInfo] = {}

    def plan(self, instance: Instance, client: DockerClient | None = None) -> PlannedEnvironment:
        """Which provider would serve `instance`, or why none can; builds and pulls nothing."""
        if instance.image:
            given = EnvironmentInfo(
                provider="given", image=instance.image, notes=("the instance's own image",)
            )
            return PlannedEnvironment(instance_id=instance.instance_id, repo=instance.repo, environment=given)
        refused: dict[str, str] = {}
        for provider, serving in self.providers.items():
            try:
                info = serving.plan(instance, client)
            except UnsupportedInstance as err:
                refused[provider] = str(err)
                continue
            return PlannedEnvironment(
                instance_id=instance.instance_id, repo=instance.repo, environment=info, refused=refused
            )
        return PlannedEnvironment(instance_id=instance.instance_id, repo=instance.repo, refused=refused)

    def prepare(
        self,
        instance: Instance,
        *,
        client: DockerClient,
        sources: RepoSources | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> EnvironmentInfo:
        """The instance's ready environment (see `serve`)."""
        return self.serve(ImageRequest(instance, client, progress or _quiet, sources))

    def serve(self, request: ImageRequest) -> EnvironmentInfo:
        """The ready environment of the request's instance from the first provider that serves it.

        UnsupportedInstance when every provider refused; EnvironmentBuildError when one tried and
        failed (a pull, a build) and none after it served. Either names every provider's reason.
        """
        instance, client, say = request.instance, request.client, request.progress
        if instance.image:
            if not _exists(client, instance.image):
                msg = f"{instance.instance_id}: its given image {instance.image} is not present in the engine"
                raise EnvironmentBuildError(msg)
            return self._remember(instance, EnvironmentInfo(provider="given", image=instance.image))
        refused: dict[str, str] = {}
        failed = False
        for provider, serving in self.providers.items():
            try:
                info = serving.prepare(request)
            except (UnsupportedInstance, EnvironmentBuildError) as err:
                failed = failed or isinstance(err, EnvironmentBuildError)
                refused[provider] = str(err)
                logger.info("%s: provider %s cannot serve it: %s", instance.instance_id, provider, err)
                say(f"{instance.instance_id}: {provider} cannot serve it: {str(err).splitlines()[0][:200]}")
                continue
            return self._remember(instance, info.model_copy(update={"refused": refused}))
        reasons = "; ".join(f"{name}: {reason}" for name, reason in refused.items())
        msg = f"{instance.instance_id}: no environment provider could serve it ({reasons})"
        raise EnvironmentBuildError(msg) if failed else UnsupportedInstance(msg)

    def _remember(self, instance: Instance, info: EnvironmentInfo) -> EnvironmentInfo:
        self._prepared[instance.instance_id] = info
        if info.approximate:
            logger.warning("%s: approximate environment: %s", instance.instance_id, "; ".join(info.notes))
        return info

    def environment_info(self, instance: Instance) -> EnvironmentInfo | None:
        """The environment `prepare` (or `serve`) gave this instance in this run, if it did."""
        return self._prepared.get(instance.instance_id)

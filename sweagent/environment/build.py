"""Building (or finding) the environment and instance images of an instance."""

from __future__ import annotations

import json
import re
import stat
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import docker.errors
from docker import DockerClient

from sandbox.errors import SandboxError
from sandbox.images import build_image, ensure_base
from sweagent.datasets import Checkout, RepoSources, SdistPin, checkout_instance
from sweagent.datasets.git import has_commit
from sweagent.environment.dated import DATED_SCRIPT
from sweagent.environment.env_check import ENV_CHECK_SCRIPT
from sweagent.environment.recipes import (
    SYMPY_TEST_STAND_IN,
    environment_dockerfile,
    install_script,
    instance_dockerfile,
    pre_install_script,
)
from sweagent.environment.requirements import Requirements, read_environment_yml, read_requirements
from sweagent.environment.specs import EnvironmentSpec, PythonPolicy, environment_spec
from sweagent.errors import DatasetError, EnvironmentBuildError
from sweagent.records import Instance, content_id

__all__ = [
    "BuildPolicy",
    "ImageRequest",
    "ensure_environment_image",
    "ensure_instance_image",
    "environment_tag",
    "instance_tag",
]

Progress = Callable[[str], None]

ENVIRONMENT_REPOSITORY = "sweagent-env"
INSTANCE_REPOSITORY = "sweagent-instance"


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class BuildPolicy:
    """How an environment is built here (`environment.python`, `environment.released_before`)."""

    python: PythonPolicy = "exact"
    """`exact`: only a base with the spec's Python; `nearest`: else the nearest one (approximate)."""
    released_before: date | None = None
    """Packages released on or after this day are moved back (sweagent.environment.dated)."""
    released_before_by_repo: Mapping[str, date | None] = field(default_factory=dict)
    """Per repository (`owner/name`), a day that replaces `released_before` (None: no cutoff)."""

    def cutoff(self, repo: str) -> date | None:
        """The day after which `repo`'s packages count as too new (None: none do)."""
        return self.released_before_by_repo.get(repo, self.released_before)


@dataclass(frozen=True)
class ImageRequest:
    """One instance whose environment a provider is asked to make ready, and what it may use."""

    instance: Instance
    client: DockerClient
    progress: Progress = _quiet
    """Told each step worth a line (a pull, a build)."""
    sources: RepoSources | None = None
    """Where the repository comes from, for a provider that builds it in."""


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.").lower()[:80]


def environment_tag(spec: EnvironmentSpec, base_id: str, dockerfile: str, requirements: str) -> str:
    """`sweagent-env:<repo>-<version>-<hash>`, hashing the base image, the recipe and the requirements."""
    digest = content_id(json.dumps([base_id, dockerfile, requirements]))
    return f"{ENVIRONMENT_REPOSITORY}:{_slug(spec.repo)}-{_slug(spec.version)}-{digest}"


def instance_tag(instance_id: str, environment: str, recipe: list[str]) -> str:
    """`sweagent-instance:<instance_id>-<hash>`, the hash over the environment tag, commit and recipe."""
    digest = content_id(json.dumps([environment, *recipe]))
    return f"{INSTANCE_REPOSITORY}:{_slug(instance_id)}-{digest}"


def _exists(client: DockerClient, tag: str) -> bool:
    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    except docker.errors.DockerException as err:
        msg = f"looking up image {tag} failed: {err}"
        raise EnvironmentBuildError(msg) from err
    return True


def _build(client: DockerClient, dockerfile: str, tag: str, kind: str, context: dict[str, Path]) -> str:
    try:
        return build_image(client, dockerfile, tag, kind=kind, context=context)
    except SandboxError as err:
        raise EnvironmentBuildError(str(err)) from err


def ensure_environment_image(
    spec: EnvironmentSpec,
    requirements: Requirements,
    *,
    client: DockerClient,
    progress: Progress | None = None,
) -> str:
    """The environment image (base + venv with the spec's packages) for `spec`, built when absent."""
    say = progress or _quiet
    try:
        base = ensure_base(client, spec.dist, progress=say)
        base_id = str(client.images.get(base).id)
    except (SandboxError, docker.errors.DockerException) as err:
        msg = f"base image for {spec.dist} (Python {spec.dist_python}) is unavailable: {err}"
        raise EnvironmentBuildError(msg) from err
    with_requirements = bool(requirements.text.strip())
    dockerfile = environment_dockerfile(
        spec, base, with_requirements=with_requirements, note=requirements.note
    )
    # The note (where the requirements came from) is a label only: equal contents share an image.
    unlabelled = environment_dockerfile(spec, base, with_requirements=with_requirements, note="")
    tag = environment_tag(spec, base_id, unlabelled, requirements.text)
    if _exists(client, tag):
        return tag
    approximate = f", approximate: {spec.approximation()}" if spec.approximate else ""
    say(f"building {tag} ({spec.repo} {spec.version}, Python {spec.dist_python} on {spec.dist}{approximate})")
    with tempfile.TemporaryDirectory(prefix="sweagent-env-") as tmp:
        context: dict[str, Path] = {}
        if with_requirements:
            path = Path(tmp) / "requirements.txt"
            path.write_text(requirements.text, encoding="utf-8")
            context["requirements.txt"] = path
        return _build(client, dockerfile, tag, "environment", context)


def ensure_instance_image(
    instance: Instance,
    *,
    client: DockerClient,
    sources: RepoSources | None = None,
    progress: Progress | None = None,
    policy: BuildPolicy = BuildPolicy(),
) -> str:
    """The instance's image tag: its repository at the base commit, installed, on its environment image.

    An instance that names a ready `image` gets that image, which must exist. The `policy` says
    which base Python may serve and which releases are too new (the default: exact, none).

    UnsupportedInstance when no base provides the environment; EnvironmentBuildError when a build
    (or the checkout it needs) fails, with the last lines of the log.
    """
    say = progress or _quiet
    if instance.image:
        if not _exists(client, instance.image):
            msg = f"{instance.instance_id}: its given image {instance.image} is not present in the engine"
            raise EnvironmentBuildError(msg)
        return instance.image
    # The tag depends on the checkout, which for a large repository costs seconds of git work; a
    # run asks for the same instance's image in several stages, so what was found is remembered.
    key = f"{instance.model_dump_json()}\n{policy!r}\n{sources!r}"
    known = _FOUND.get(key)
    if known is not None and _exists(client, known):
        return known
    _FOUND[key] = tag = _instance_image(instance, client, sources, say, policy)
    return tag


_FOUND: dict[str, str] = {}
"""Instance image tags found or built by this process, by the instance, policy and sources."""


def _instance_image(
    instance: Instance,
    client: DockerClient,
    sources: RepoSources | None,
    say: Progress,
    policy: BuildPolicy,
) -> str:
    spec = environment_spec(instance, policy.python)
    with tempfile.TemporaryDirectory(prefix="sweagent-instance-") as tmp:
        testbed = Path(tmp) / "testbed"
        say(f"{instance.instance_id}: checking out the repository")
        try:
            checkout = checkout_instance(instance, testbed, sources)
        except DatasetError as err:
            msg = f"{instance.instance_id}: checkout failed: {err}"
            raise EnvironmentBuildError(msg) from err
        requirements = Requirements("", "the spec installs no requirements file")
        if spec.requirements is not None:
            requirements = _requirements(instance, spec, checkout, sources or RepoSources())
        environment = ensure_environment_image(spec, requirements, client=client, progress=say)
        setup = Path(tmp) / "setup"
        setup.mkdir()
        pretend = _pretend_version(instance, checkout)
        (setup / "pre_install.sh").write_text(pre_install_script(spec), encoding="utf-8")
        cutoff = policy.cutoff(instance.repo)
        install = install_script(spec, pretend, cutoff)
        (setup / "install.sh").write_text(install, encoding="utf-8")
        (setup / "check_env.py").write_text(ENV_CHECK_SCRIPT, encoding="utf-8")
        (setup / "sweagent_dated.py").write_text(DATED_SCRIPT, encoding="utf-8")
        stand_in = _add_test_stand_in(spec, testbed)
        labels = {
            "instance": instance.instance_id,
            "environment": environment,
            "commit": checkout.commit,
            "origin": checkout.origin,
            "rebased": str(checkout.rebased).lower(),
            "source": checkout.detail,
        }
        dockerfile = instance_dockerfile(environment, labels)
        # The check is part of the recipe: an image built before it (or with an older one) is not
        # reused untested; its tag differs, so it is rebuilt and checked.
        recipe = [
            dockerfile,
            pre_install_script(spec),
            install,
            stand_in,
            ENV_CHECK_SCRIPT,
            *([DATED_SCRIPT] if cutoff else []),
        ]
        tag = instance_tag(instance.instance_id, environment, recipe)
        if _exists(client, tag):
            return tag
        say(f"building {tag}")
        return _build(client, dockerfile, tag, "instance", {"testbed": testbed, "setup": setup})


def _requirements(
    instance: Instance, spec: EnvironmentSpec, checkout: Checkout, sources: RepoSources
) -> Requirements:
    """Read the requirements at the environment setup commit from the checkout's source repository."""
    read = read_environment_yml if spec.requirements == "environment.yml" else read_requirements
    if checkout.origin == "sdist":
        found = read(instance.repo, checkout.path, checkout.commit)
        return Requirements(found.text, f"{found.note} (source distribution)")
    source = Path(checkout.detail) if checkout.origin == "repos_dir" else None
    if checkout.origin == "clone" and sources.clone_cache is not None:
        source = sources.clone_cache.expanduser() / f"{instance.repo}.git"
    wanted = instance.environment_setup_commit or instance.base_commit
    if source is not None and has_commit(source, wanted):
        return read(instance.repo, source, wanted)
    found = read(instance.repo, checkout.path, checkout.commit)
    return Requirements(found.text, f"{found.note} (environment setup commit {wanted[:12]} not available)")


def _pretend_version(instance: Instance, checkout: Checkout) -> str | None:
    """The release version a re-based (sdist) checkout stands for; None for a real commit."""
    if not checkout.rebased:
        return None
    pin = SdistPin.from_source(instance.source)
    return pin.version if pin is not None else None


def _add_test_stand_in(spec: EnvironmentSpec, testbed: Path) -> str:
    """Write sympy's `bin/test` when the spec runs it and the checkout (an sdist) lacks it; its text or ''."""
    if not re.search(r"(^|\s)bin/test(\s|$)", spec.test_cmd):
        return ""
    runner = testbed / "bin" / "test"
    if runner.exists():
        return ""
    runner.parent.mkdir(exist_ok=True)
    runner.write_text(SYMPY_TEST_STAND_IN, encoding="utf-8")
    runner.chmod(runner.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    (testbed / ".git" / "info").mkdir(exist_ok=True)
    with (testbed / ".git" / "info" / "exclude").open("a", encoding="utf-8") as exclude:
        exclude.write("/bin/test\n")
    return SYMPY_TEST_STAND_IN

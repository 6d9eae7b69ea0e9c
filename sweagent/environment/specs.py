"""What an instance's environment needs, from `swebench`'s `MAP_REPO_VERSION_TO_SPECS`, mapped onto our bases.

SWE-bench installs into conda environments of any Python version; we install into a venv made by
the base image's own Python. A spec whose Python no base image provides exactly is unsupported
(`UnsupportedInstance`): the nearest version is never substituted, because a test suite pinned to
3.6 or 3.10 may pass or fail for reasons that have nothing to do with the patch.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from sandbox.images import DISTS
from sweagent.errors import UnsupportedInstance
from sweagent.records import Instance, content_id

__all__ = ["EnvironmentSpec", "dist_for_python", "environment_spec", "swebench_spec"]


class EnvironmentSpec(BaseModel):
    """The parts of a SWE-bench spec that shape the environment and instance images."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    repo: str
    """`owner/name` as SWE-bench names it."""
    version: str
    """The SWE-bench version key, for example `2.3`."""
    python: str
    """The Python version the spec asks for (and the base provides exactly)."""
    dist: str
    """The base image's Debian release whose Python is `python`."""
    requirements: Literal["requirements.txt"] | None = None
    """`requirements.txt` when the repository's requirements file is installed into the venv."""
    packages: tuple[str, ...] = ()
    """Packages the spec lists by name (conda names in SWE-bench; pip names here)."""
    pip_packages: tuple[str, ...] = ()
    """Pinned pip requirements installed after the packages."""
    pre_install: tuple[str, ...] = ()
    """Shell steps run in /testbed (as root) before the install command."""
    install: str = ""
    """The command that installs the repository into the venv, usually `python -m pip install -e .`."""
    eval_commands: tuple[str, ...] = ()
    """Shell steps SWE-bench runs before the tests (locale set-up, environment variables)."""
    test_cmd: str
    """The test runner command; the test files are appended to it."""

    def digest(self) -> str:
        """A short hash of everything that goes into the environment layer."""
        fields = self.model_dump(include={"repo", "version", "python", "dist", "requirements", "packages"})
        fields["pip_packages"] = self.pip_packages
        return content_id(json.dumps(fields, sort_keys=True))


def swebench_spec(repo: str, version: str | None) -> dict[str, Any]:
    """SWE-bench's raw spec for `repo` at `version`; UnsupportedInstance when it has none."""
    from swebench.harness.constants import MAP_REPO_VERSION_TO_SPECS  # heavy import, only when needed

    versions = MAP_REPO_VERSION_TO_SPECS.get(repo)
    if versions is None:
        msg = f"swebench has no specs for repository {repo}"
        raise UnsupportedInstance(msg)
    if version is None or version not in versions:
        msg = f"swebench has no spec for {repo} version {version} (known: {', '.join(sorted(versions))})"
        raise UnsupportedInstance(msg)
    return dict(versions[version])


def dist_for_python(python: str) -> str:
    """The base distribution whose Python is exactly `python`; UnsupportedInstance when none is."""
    for dist in DISTS.values():
        if dist.python == python:
            return dist.name
    provided = ", ".join(f"{d.python} ({d.name})" for d in DISTS.values())
    msg = f"Python {python} is not provided by any base image (provided: {provided})"
    raise UnsupportedInstance(msg)


def environment_spec(instance: Instance) -> EnvironmentSpec:
    """The instance's environment spec; UnsupportedInstance (with the reason) when it cannot be built."""
    raw = swebench_spec(instance.repo, instance.version)
    where = f"{instance.instance_id} ({instance.repo} {instance.version})"
    python = raw.get("python")
    if not python:
        msg = f"{where}: the swebench spec names no Python version (not a Python repository?)"
        raise UnsupportedInstance(msg)
    try:
        dist = dist_for_python(str(python))
    except UnsupportedInstance as err:
        msg = f"{where}: {err}"
        raise UnsupportedInstance(msg) from None
    test_cmd = raw.get("test_cmd")
    if not isinstance(test_cmd, str):
        msg = f"{where}: the swebench spec's test command is not a single command ({test_cmd!r})"
        raise UnsupportedInstance(msg)
    packages = str(raw.get("packages", "") or "")
    if packages == "environment.yml":
        msg = f"{where}: the swebench spec installs a conda environment.yml, which a venv cannot reproduce"
        raise UnsupportedInstance(msg)
    return EnvironmentSpec(
        repo=instance.repo,
        version=str(instance.version),
        python=str(python),
        dist=dist,
        requirements="requirements.txt" if packages == "requirements.txt" else None,
        packages=() if packages == "requirements.txt" else tuple(packages.split()),
        pip_packages=tuple(raw.get("pip_packages", ())),
        pre_install=tuple(raw.get("pre_install", ())),
        install=str(raw.get("install", "")),
        eval_commands=tuple(raw.get("eval_commands", ())),
        test_cmd=test_cmd,
    )

"""What an instance's environment needs, from `swebench`'s `MAP_REPO_VERSION_TO_SPECS`, mapped onto our bases.

SWE-bench installs into conda environments of any Python version; we install into a venv made by
the base image's own Python. By default (`python="exact"`) a spec whose Python no base provides
exactly is unsupported (`UnsupportedInstance`). With `python="nearest"` the nearest base Python is
taken instead and the spec is **approximate**: a test suite pinned to 3.6 may pass or fail on 3.9
for reasons that have nothing to do with the patch, so every record built from it says so.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from sandbox.images import DISTS
from sweagent.errors import UnsupportedInstance
from sweagent.records import Instance, Record, content_id

__all__ = [
    "EnvironmentSpec",
    "PythonPolicy",
    "dist_for_python",
    "environment_spec",
    "nearest_dist",
    "swebench_spec",
]

PythonPolicy = Literal["exact", "nearest"]
"""`exact`: only a base with the spec's Python; `nearest`: the closest base Python, marked approximate."""


class EnvironmentSpec(Record):
    """The parts of a SWE-bench spec that shape the environment and instance images."""

    repo: str
    """`owner/name` as SWE-bench names it."""
    version: str
    """The SWE-bench version key, for example `2.3`."""
    python: str
    """The Python version the spec asks for."""
    dist: str
    """The base image's Debian release."""
    dist_python: str
    """The Python that base (and so the venv) has: `python` itself unless the spec is approximate."""
    requirements: Literal["requirements.txt", "environment.yml"] | None = None
    """The repository file installed into the venv: a pip requirements file, or a conda
    `environment.yml` translated to pip requirements (see `sweagent.environment.conda`)."""
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

    @property
    def approximate(self) -> bool:
        """True when the venv's Python is not the one the spec asks for."""
        return self.dist_python != self.python

    def approximation(self) -> str:
        """Why the environment is approximate, in words ('' when it is exact)."""
        if not self.approximate:
            return ""
        return f"Python {self.dist_python} ({self.dist}) instead of the spec's {self.python}"

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


def _provided() -> str:
    return ", ".join(f"{d.python} ({d.name})" for d in DISTS.values())


def dist_for_python(python: str) -> str:
    """The base distribution whose Python is exactly `python`; UnsupportedInstance when none is."""
    for dist in DISTS.values():
        if dist.python == python:
            return dist.name
    msg = f"Python {python} is not provided by any base image (provided: {_provided()})"
    raise UnsupportedInstance(msg)


def _minor(python: str) -> tuple[int, int]:
    major, _, minor = python.partition(".")
    return int(major), int(minor.split(".")[0] or 0)


def nearest_dist(python: str) -> str:
    """The base whose Python is closest to `python`; on a tie the older one (old code breaks less there)."""
    try:
        wanted = _minor(python)
    except ValueError:
        msg = f"Python version {python!r} cannot be compared with the bases' ({_provided()})"
        raise UnsupportedInstance(msg) from None
    candidates = [d for d in DISTS.values() if _minor(d.python)[0] == wanted[0]]
    if not candidates:
        msg = f"no base image provides a Python {wanted[0]} (provided: {_provided()})"
        raise UnsupportedInstance(msg)
    best = min(candidates, key=lambda d: (abs(_minor(d.python)[1] - wanted[1]), _minor(d.python)))
    return best.name


def environment_spec(instance: Instance, python: PythonPolicy = "exact") -> EnvironmentSpec:
    """The instance's environment spec; UnsupportedInstance (with the reason) when it cannot be built."""
    raw = swebench_spec(instance.repo, instance.version)
    where = f"{instance.instance_id} ({instance.repo} {instance.version})"
    wanted = raw.get("python")
    if not wanted:
        msg = f"{where}: the swebench spec names no Python version (not a Python repository?)"
        raise UnsupportedInstance(msg)
    try:
        dist = dist_for_python(str(wanted)) if python == "exact" else nearest_dist(str(wanted))
    except UnsupportedInstance as err:
        hint = " (environment.python=nearest builds an approximate one)" if python == "exact" else ""
        msg = f"{where}: {err}{hint}"
        raise UnsupportedInstance(msg) from None
    test_cmd = raw.get("test_cmd")
    if not isinstance(test_cmd, str):
        msg = f"{where}: the swebench spec's test command is not a single command ({test_cmd!r})"
        raise UnsupportedInstance(msg)
    install = raw.get("install", "")
    if not isinstance(install, str):
        msg = f"{where}: the swebench spec's install step is not a single command ({install!r})"
        raise UnsupportedInstance(msg)
    packages = str(raw.get("packages", "") or "")
    from_file = packages if packages in ("requirements.txt", "environment.yml") else None
    return EnvironmentSpec(
        repo=instance.repo,
        version=str(instance.version),
        python=str(wanted),
        dist=dist,
        dist_python=DISTS[dist].python,
        requirements=from_file,
        packages=() if from_file else tuple(packages.split()),
        pip_packages=tuple(raw.get("pip_packages", ()) or ()),
        pre_install=tuple(raw.get("pre_install", ()) or ()),
        install=install,
        eval_commands=tuple(raw.get("eval_commands", ()) or ()),
        test_cmd=test_cmd,
    )

"""The Dockerfiles and shell scripts of the environment and instance layers, as plain text.

Everything that shapes an image is in the text these functions return (or in the files they
name), so hashing that text is hashing the recipe: a tag derived from it changes exactly when the
image would.
"""

from __future__ import annotations

import base64
import json
import shlex
from collections.abc import Mapping
from datetime import date

from sweagent.environment.commands import VENV, offline_reinstall
from sweagent.environment.dated import dated_command
from sweagent.environment.env_check import env_check_command, spec_pins
from sweagent.environment.services import served_hosts, services_step
from sweagent.environment.specs import EnvironmentSpec

__all__ = [
    "DATED_PATH",
    "ENV_CHECK_PATH",
    "PIP_VERSION",
    "SYMPY_TEST_STAND_IN",
    "environment_dockerfile",
    "install_script",
    "instance_dockerfile",
    "label_instruction",
    "pre_install_script",
]

PIP_VERSION = "23.3.2"
"""One pip for every venv: bullseye's own (20.3) resolves some pinned sets wrongly; 24.1+ rejects
the legacy version strings a few old requirements carry."""

ENV_CHECK_PATH = "/tmp/sweagent-setup/check_env.py"
"""Where the instance build finds the environment check (sweagent.environment.env_check)."""
DATED_PATH = "/tmp/sweagent-setup/sweagent_dated.py"
"""Where the instance build finds the release-date step (sweagent.environment.dated)."""
WHEEL = "wheel<0.46"
"""For the offline re-install of a non-editable package (`bdist_wheel`); 0.46 needs setuptools>=70.1."""

_PIP = "python -m pip install --no-input --progress-bar off"
_CONSTRAINTS = "/tmp/sweagent-pins.txt"
"""The pins as a constraints file, written by the install script (as the sandbox user)."""
_VENV_LINK_HOOK = (
    "import sys; exec("
    + repr(
        "import os, site, sys\n"
        "path = sys.executable\n"
        "for _ in range(8):\n"
        f"    if os.path.dirname(path) == '{VENV}/bin':\n"
        "        system = [entry for entry in sys.path if 'dist-packages' in entry]\n"
        f"        site.addsitedir('{VENV}/lib/python%d.%d/site-packages' % sys.version_info[:2])\n"
        "        sys.path[:] = [entry for entry in sys.path if entry not in system] + system\n"
        "        break\n"
        "    if not os.path.islink(path):\n"
        "        break\n"
        "    path = os.path.join(os.path.dirname(path), os.readlink(path))\n"
    )
    + ", {})\n"
)
"""A .pth line for the system interpreter: started through a link to the venv's python (tox-current-env's
`.tox/<env>/bin/python`, as sphinx's test command makes), it takes the venv's packages, as a conda
environment's python does; the venv's own interpreter never reads the system site directory."""
_VENV_LINK_HOOK_PATH = "/usr/lib/python3/dist-packages/sweagent-venv-links.pth"
_VENV_LINK_HOOK_B64 = base64.b64encode(_VENV_LINK_HOOK.encode()).decode()
_PATH = f"{VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

SYMPY_TEST_STAND_IN = '''#!/usr/bin/env python
"""Stand-in for sympy's bin/test, which its source distributions do not ship: runs sympy.test()."""
import os
import sys

args = sys.argv[1:]
if "-C" in args or "--no-cache" in args:
    os.environ["SYMPY_USE_CACHE"] = "no"
paths = [arg for arg in args if not arg.startswith("-")]
verbose = "--verbose" in args or "-v" in args

import sympy  # noqa: E402  (after SYMPY_USE_CACHE is set)

sys.exit(0 if sympy.test(*paths, verbose=verbose) else 1)
'''


def label_instruction(values: Mapping[str, str]) -> str:
    """A `LABEL` line: `sweagent.<key>` for each value, and the build marker (see below)."""
    # Quoted as JSON strings; `$` escaped so the builder does not substitute variables in them.
    quoted = {key: json.dumps(value).replace("$", "\\$") for key, value in values.items()}
    pairs = " ".join(f"sweagent.{key}={value}" for key, value in quoted.items())
    # The build's steps run in containers that inherit the parent image's `sweagent=1`; marked as a
    # build instead, they are not taken for leftovers (and removed) by a concurrent cleanup. The
    # finished image gets `sweagent=1` back from the build labels, which come last.
    return f'LABEL sweagent="build" {pairs}'


def environment_dockerfile(spec: EnvironmentSpec, base: str, *, with_requirements: bool, note: str) -> str:
    """The environment layer: a venv at /opt/venv owned by the sandbox user, with the spec's packages."""
    # A non-editable install is redone offline after a candidate is applied: that needs `wheel`.
    # Only then is it added, so that the other environments keep their tags.
    wheel = f" {shlex.quote(WHEEL)}" if offline_reinstall(spec.install) is not None else ""
    steps = [f"{_PIP} pip=={PIP_VERSION}{wheel}"]
    if with_requirements:
        requirements = f"{_PIP} -r /tmp/sweagent-env/requirements.txt"
        steps += _under_pins(requirements, spec_pins(spec), "/tmp/sweagent-env/pins.txt")
    for group in (spec.packages, spec.pip_packages):
        if group:
            quoted = " ".join(shlex.quote(package) for package in group)
            steps.append(f"{_PIP} {quoted}")
    check = (
        'python -c \'import sys; v = "%d.%d" % sys.version_info[:2]; '
        f'sys.exit(None if v == "{spec.dist_python}" else "venv Python is " + v)\''
    )
    copy = "COPY requirements.txt /tmp/sweagent-env/requirements.txt\n" if with_requirements else ""
    labels = {
        "repo": spec.repo,
        "version": spec.version,
        "python": spec.dist_python,
        "dist": spec.dist,
        "spec": spec.digest(),
        "requirements": note,
    }
    if spec.approximate:  # only then, so that exact images keep the tags they always had
        labels["approximate"] = spec.approximation()
    if served_hosts(spec.repo):  # likewise: only the repositories whose tests reach a web service
        labels["served_hosts"] = ",".join(served_hosts(spec.repo))
    return (
        f"FROM {base}\n"
        f"{label_instruction(labels)}\n"
        f"ENV VIRTUAL_ENV={VENV} PATH={_PATH} PIP_NO_CACHE_DIR=1\n"
        f"RUN python3 -m venv {VENV} && mkdir -p /tmp/sweagent-env \\\n"
        # Login shells reset PATH from /etc/profile; this puts the venv back first.
        f"  && printf 'export VIRTUAL_ENV={VENV}\\nexport PATH={VENV}/bin:$PATH\\n'"
        " > /etc/profile.d/sweagent-venv.sh \\\n"
        f"  && echo {_VENV_LINK_HOOK_B64} | base64 -d > {_VENV_LINK_HOOK_PATH}\n"
        f"RUN chown -R 1000:1000 {VENV} /tmp/sweagent-env\n"
        f"{services_step(spec.repo)}"
        f"{copy}"
        "USER sandbox\n"
        f"RUN set -eux; {check}; {'; '.join(steps)}\n"
        "USER root\n"
        "RUN rm -rf /tmp/sweagent-env\n"
    )


def instance_dockerfile(environment: str, labels: Mapping[str, str]) -> str:
    """The instance layer: the checkout at /testbed (uid 1000), pre-install as root, install as the user."""
    return (
        f"FROM {environment}\n"
        f"{label_instruction(labels)}\n"
        "COPY --chown=1000:1000 testbed /testbed\n"
        "COPY setup /tmp/sweagent-setup\n"
        "WORKDIR /testbed\n"
        "RUN bash /tmp/sweagent-setup/pre_install.sh && chown -R 1000:1000 /testbed\n"
        "USER sandbox\n"
        "RUN bash /tmp/sweagent-setup/install.sh\n"
        "USER root\n"
        "RUN rm -rf /tmp/sweagent-setup\n"
    )


def pre_install_script(spec: EnvironmentSpec) -> str:
    """The spec's pre-install steps, run as root in /testbed (they may edit files or apt-get install)."""
    return "\n".join(["set -eux", "cd /testbed", *spec.pre_install, ""])


def _under_pins(command: str, pins: Mapping[str, str], path: str) -> list[str]:
    """Shell lines that run `command` with the spec's pins as pip constraints (written to `path`), so
    that what it resolves (a requirements file, extras such as `.[dev]`) fits around the pinned versions,
    as the official environment did at the instance's date, instead of upgrading them. Where the pins
    cannot be met (the repository's own requirements exceed one), it runs again without them and the
    environment check judges what was installed."""
    if not pins:
        return [command]
    constraints = " ".join(shlex.quote(f"{name}=={version}") for name, version in sorted(pins.items()))
    retry = "echo 'sweagent: no resolution fits the spec pins; installing without them'"
    return [
        f"printf '%s\\n' {constraints} > {path}",
        f"if ! ( PIP_CONSTRAINT={path}; export PIP_CONSTRAINT; {command} ); then {retry}; {command}; fi",
        f"rm -f {path}",
    ]


def install_script(
    spec: EnvironmentSpec, pretend_version: str | None, released_before: date | None = None
) -> str:
    """Install the repository, make `git diff` start clean (edits committed, new files ignored), move
    packages released after `released_before` back (`sweagent.environment.dated`), then check the
    environment (`sweagent.environment.env_check`): a failure fails the build."""
    lines = ["set -eux", "cd /testbed"]
    if pretend_version:
        # A re-based checkout's history is one tagged commit; say the version outright so that
        # setuptools_scm cannot come up with 0.1.devN (pytest's `minversion` then refuses to run).
        lines.append(f"export SETUPTOOLS_SCM_PRETEND_VERSION={shlex.quote(pretend_version)}")
    if spec.install:
        # An editable install puts /testbed on sys.path through a .pth line (setuptools' `compat`
        # mode), as `setup.py develop` did in the official conda environments, not through an import
        # hook: code that maps files to modules by sys.path (pylint's plugin loader, via astroid) needs it.
        lines.append("export PIP_CONFIG_SETTINGS=editable_mode=compat")
        lines += _under_pins(spec.install, spec_pins(spec), _CONSTRAINTS)
    lines += [
        "mkdir -p .git/info",
        "git ls-files --others --exclude-standard --directory | sed 's|^|/|' >> .git/info/exclude",
        "git diff --quiet HEAD || git commit -q -a -m 'sweagent: environment set-up'",
        *([dated_command(spec, DATED_PATH, released_before)] if released_before else []),
        f"PYTHONDONTWRITEBYTECODE=1 {env_check_command(spec, ENV_CHECK_PATH)}",
        "",
    ]
    return "\n".join(lines)

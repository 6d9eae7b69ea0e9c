"""The commands an evaluation runs inside an instance image: set-up steps and the test command.

They follow SWE-bench's eval script, translated to our images: the venv at /opt/venv (or, in an
official image, the activated conda environment) is already first on PATH, so conda activation
lines are dropped; the test command is the spec's `test_cmd`
followed by the test files the instance's test patch touches (swebench's `get_test_directives`).
A reinstall of an editable install is dropped: the code is imported from /testbed, and the
reinstall would need the network for its build dependencies. A non-editable install is redone
offline (no index, no build isolation, no dependencies) so the patched code is what gets tested;
its failure ends the grading as `env_failed` (other set-up steps' failures are only recorded).
"""

from __future__ import annotations

import re

from sweagent.environment.services import served_hosts, start_services_command
from sweagent.environment.specs import EnvironmentSpec, environment_spec
from sweagent.records import REQUIRED_SETUP_STEP, Instance

__all__ = [
    "offline_reinstall",
    "spec_test_cmd",
    "test_command",
    "test_directives",
    "eval_setup_commands",
    "without_conda",
]

VENV = "/opt/venv"
"""Where every environment image keeps its Python virtual environment."""

_CONDA_LINE = re.compile(r"^\s*(source\s+\S*conda\S*/activate\b.*|conda\s+(activate|deactivate)\b.*)$")


def test_directives(instance: Instance) -> list[str]:
    """The test files (or Django test modules) that the instance's test patch touches."""
    from swebench.harness.test_spec.python import get_test_directives  # heavy import, only when needed

    return list(get_test_directives({"repo": instance.repo, "test_patch": instance.test_patch or ""}))


def _spec(instance: Instance) -> EnvironmentSpec:
    # The commands do not depend on the base image: they serve exact, approximate and official images.
    return environment_spec(instance, python="nearest")


def spec_test_cmd(instance: Instance) -> str:
    """The spec's own test command, without test files (UnsupportedInstance when there is no spec)."""
    return _spec(instance).test_cmd


def test_command(instance: Instance) -> str:
    """The shell command that runs the instance's tests (spec `test_cmd` plus its test files)."""
    spec = _spec(instance)
    return " ".join([spec.test_cmd, *test_directives(instance)])


def without_conda(commands: list[str] | tuple[str, ...]) -> list[str]:
    """`commands` without conda activation lines (the venv is on PATH in every image)."""
    return [command for command in commands if not _CONDA_LINE.match(command)]


def offline_reinstall(install: str) -> str | None:
    """The command that redoes a non-editable install without the network; None for an editable one."""
    words = install.split()
    if not words or "-e" in words or "--editable" in words or "develop" in words:
        return None
    return f"{install} --no-deps --no-build-isolation --no-index"


def eval_setup_commands(instance: Instance) -> list[str]:
    """Shell steps to run in /testbed before the test command (the spec's eval commands, venv-ready)."""
    spec = _spec(instance)
    commands = without_conda(spec.eval_commands)
    if served_hosts(instance.repo):  # the stand-ins for the web services its tests reach
        commands.insert(0, start_services_command(instance.repo))
    reinstall = offline_reinstall(spec.install)
    if reinstall is not None:
        # Required: a failed re-install would leave the unpatched copy in site-packages to be tested.
        commands.append(f"{reinstall}  {REQUIRED_SETUP_STEP}")
    return commands


# Names starting with `test` would be collected by pytest wherever a test module imports them.
test_command.__test__ = False  # type: ignore[attr-defined]
test_directives.__test__ = False  # type: ignore[attr-defined]

"""`environment.released_before`: packages released after the cutoff are moved back, pins stay.

The real environment and instance layers (sweagent.environment.recipes) on the base image, with
packages from PyPI: the spec installs docutils unpinned (its newest release today is past 0.22,
which dropped `docutils.utils.roman`; the last release before 2025 is 0.21.2) and pins attrs to
23.1.0; the repository is a tiny package installed in editable mode.
"""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest
from docker import DockerClient
from packaging.version import Version

from sweagent.environment.build import _build
from sweagent.environment.dated import DATED_SCRIPT
from sweagent.environment.env_check import ENV_CHECK_SCRIPT
from sweagent.environment.recipes import (
    environment_dockerfile,
    install_script,
    instance_dockerfile,
    pre_install_script,
)
from sweagent.environment.specs import EnvironmentSpec

pytestmark = pytest.mark.docker

SPEC = EnvironmentSpec(
    repo="demo/dated", version="0.1", python="3.11", dist="bookworm", dist_python="3.11",
    pip_packages=("docutils", "attrs==23.1.0"), install="python -m pip install --no-deps -e .",
    test_cmd="pytest",
)  # fmt: skip
VERSIONS = "import attrs, docutils, dated; print(docutils.__version__, attrs.__version__, dated.__file__)"


PINNED_PAST = SPEC.model_copy(update={"pip_packages": ("docutils", "tox==4.16.0")})
"""tox 4.16.0 (July 2024) needs filelock>=3.15.4 (June 2024): with an April 2024 cutoff filelock
must stay where tox needs it, while docutils moves back."""
TOX = "import docutils, filelock, tox; print(docutils.__version__, filelock.__version__, tox.__version__)"


def _image(
    client: DockerClient,
    base_image: str,
    root: Path,
    released_before: date | None,
    spec: EnvironmentSpec = SPEC,
) -> str:
    environment = _build(
        client,
        environment_dockerfile(spec, base_image, with_requirements=False, note="none"),
        f"sweagent-test-dated:env-{spec.digest()[:12]}",
        "test",
        {},
    )
    testbed, setup = root / "testbed", root / "setup"
    (testbed / "dated").mkdir(parents=True)
    (testbed / "dated" / "__init__.py").write_text("")
    (testbed / "setup.py").write_text(
        "from setuptools import setup\nsetup(name='dated', packages=['dated'])\n"
    )
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "b"],
    ):
        subprocess.run(["git", *args], cwd=testbed, check=True, capture_output=True)
    setup.mkdir()
    (setup / "pre_install.sh").write_text(pre_install_script(spec))
    (setup / "install.sh").write_text(install_script(spec, None, released_before))
    (setup / "check_env.py").write_text(ENV_CHECK_SCRIPT)
    (setup / "sweagent_dated.py").write_text(DATED_SCRIPT)
    tag = f"sweagent-test-dated:{released_before or 'latest'}-{spec.digest()[:12]}"
    dockerfile = instance_dockerfile(environment, {"instance": "demo__dated-1"})
    return _build(client, dockerfile, tag, "test", {"testbed": testbed, "setup": setup})


def _versions(client: DockerClient, image: str, script: str = VERSIONS) -> list[str]:
    output = client.containers.run(image, ["/opt/venv/bin/python", "-c", script], remove=True)
    return output.decode().split()


def test_packages_released_after_the_cutoff_are_moved_back_and_pins_stay(
    docker_client: DockerClient, base_image: str, tmp_path: Path
) -> None:
    newest = _versions(docker_client, _image(docker_client, base_image, tmp_path / "newest", None))
    dated = _versions(docker_client, _image(docker_client, base_image, tmp_path / "dated", date(2025, 1, 1)))
    assert newest[0] != "0.21.2"  # without a cutoff: docutils' newest release, from 2025 or later
    assert dated[0] == "0.21.2"  # the last docutils release before 2025
    assert newest[1] == dated[1] == "23.1.0"  # the spec's pin, in both
    assert dated[2] == "/testbed/dated/__init__.py"  # the repository's own package is left in place


def test_a_package_a_pin_needs_newer_is_put_back_and_the_environment_stays_consistent(
    docker_client: DockerClient, base_image: str, tmp_path: Path
) -> None:
    """Built through the environment check (`pip check` must pass), so a moved filelock that tox
    4.16.0 cannot use would fail the build."""
    image = _image(docker_client, base_image, tmp_path, date(2024, 4, 1), PINNED_PAST)
    docutils, filelock, tox = _versions(docker_client, image, TOX)
    assert docutils == "0.20.1"  # the last docutils release before April 2024
    assert tox == "4.16.0"
    assert Version(filelock) >= Version("3.15.4")  # put back: tox needs it newer than the cutoff

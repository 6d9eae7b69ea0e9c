"""An instance image whose dependencies do not fit together is refused by name, not built silently.

A tiny environment on the base image, offline: a package `helperpkg` 1.0 installed as the spec's pin,
and a repository `calc` at /testbed whose own requirements want `helperpkg` at another version. The
instance layer is the real one (sweagent.environment.recipes, with its environment check).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from docker import DockerClient

from sandbox.images import build_image
from sweagent.environment.build import _build
from sweagent.environment.env_check import ENV_CHECK_SCRIPT
from sweagent.environment.recipes import install_script, instance_dockerfile, pre_install_script
from sweagent.environment.specs import EnvironmentSpec
from sweagent.errors import EnvironmentBuildError

pytestmark = pytest.mark.docker

ENV_IMAGE = "sweagent-test-envcheck:latest"
ENV_DOCKERFILE = """
FROM {base}
ENV VIRTUAL_ENV=/opt/venv PATH=/opt/venv/bin:/usr/local/bin:/usr/bin:/bin PIP_NO_INDEX=1
COPY helper /tmp/helper
RUN python3 -m venv /opt/venv && pip install -q --no-build-isolation /tmp/helper \\
  && chown -R 1000:1000 /opt/venv
"""
HELPER_SETUP = (
    "from setuptools import setup\nsetup(name='helperpkg', version='1.0', py_modules=['helperpkg'])\n"
)
CALC_SETUP = (
    "from setuptools import setup\n"
    "setup(name='calc', version='0.1', packages=['calc'], install_requires=[{requirement!r}])\n"
)


@pytest.fixture(scope="module")
def env_image(docker_client: DockerClient, base_image: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    helper = tmp_path_factory.mktemp("context") / "helper"
    helper.mkdir()
    (helper / "setup.py").write_text(HELPER_SETUP)
    (helper / "helperpkg.py").write_text("VERSION = '1.0'\n")
    dockerfile = ENV_DOCKERFILE.format(base=base_image)
    return build_image(docker_client, dockerfile, ENV_IMAGE, kind="test", context={"helper": helper})


def _spec() -> EnvironmentSpec:
    return EnvironmentSpec(
        repo="demo/calc", version="0.1", python="3.11", dist="bookworm", dist_python="3.11",
        pip_packages=("helperpkg==1.0",),
        install="python -m pip install --no-build-isolation --no-deps -e .", test_cmd="pytest",
    )  # fmt: skip


def _build_instance(client: DockerClient, env_image: str, root: Path, requirement: str, tag: str) -> str:
    testbed, setup = root / "testbed", root / "setup"
    (testbed / "calc").mkdir(parents=True)
    (testbed / "calc" / "__init__.py").write_text("from helperpkg import VERSION\n")
    (testbed / "setup.py").write_text(CALC_SETUP.format(requirement=requirement))
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "b"],
    ):
        _git(testbed, *args)
    setup.mkdir()
    spec = _spec()
    (setup / "pre_install.sh").write_text(pre_install_script(spec))
    (setup / "install.sh").write_text(install_script(spec, None))
    (setup / "check_env.py").write_text(ENV_CHECK_SCRIPT)
    dockerfile = instance_dockerfile(env_image, {"instance": "demo__calc-envcheck"})
    return _build(client, dockerfile, tag, "test", {"testbed": testbed, "setup": setup})


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_a_consistent_environment_builds(docker_client: DockerClient, env_image: str, tmp_path: Path) -> None:
    tag = "sweagent-test-envcheck:good"
    assert _build_instance(docker_client, env_image, tmp_path, "helperpkg>=1", tag) == tag


def test_a_requirement_the_installed_version_breaks_is_refused_with_the_package_names(
    docker_client: DockerClient, env_image: str, tmp_path: Path
) -> None:
    """pylint-7080's case: the repository needs a newer dependency than the spec pinned, and none can
    be installed (no index here): the build fails and says which packages disagree."""
    with pytest.raises(EnvironmentBuildError) as failure:
        _build_instance(docker_client, env_image, tmp_path, "helperpkg>=2", "sweagent-test-envcheck:bad")
    message = str(failure.value)
    assert "pip check: calc 0.1 has requirement helperpkg>=2, but you have helperpkg 1.0" in message

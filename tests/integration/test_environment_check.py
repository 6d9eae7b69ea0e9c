"""An instance image whose dependencies do not fit together is refused by name, not built silently.

A tiny environment on the base image, offline: a package `helperpkg` 1.0 installed as the spec's pin,
and a repository `calc` at /testbed whose own requirements want `helperpkg` at another version. The
instance layer is the real one (sweagent.environment.recipes, with its environment check).
"""

from __future__ import annotations

import io
import subprocess
import tarfile
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
COPY sdists /sdists
RUN python3 -m venv /opt/venv && pip install -q --no-build-isolation /tmp/helper \\
  && chown -R 1000:1000 /opt/venv
"""
SDISTS = (  # what the find-links folder offers: a newer helperpkg, and an extra that wants it
    ("helperpkg", "2.0", []),
    ("otherpkg", "1.0", []),
    ("otherpkg", "2.0", ["helperpkg>=2"]),
)
FIND_LINKS_INSTALL = "python -m pip install --no-build-isolation --find-links /sdists -e .[dev]"
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
    sdists = helper.parent / "sdists"
    sdists.mkdir()
    for name, version, requires in SDISTS:
        _write_sdist(sdists / f"{name}-{version}.tar.gz", name, version, requires)
    dockerfile = ENV_DOCKERFILE.format(base=base_image)
    context = {"helper": helper, "sdists": sdists}
    return build_image(docker_client, dockerfile, ENV_IMAGE, kind="test", context=context)


def _write_sdist(path: Path, name: str, version: str, requires: list[str]) -> None:
    """A source distribution pip can install offline (setup.py and one module)."""
    setup = f"setup(name={name!r}, version={version!r}, py_modules=[{name!r}], install_requires={requires!r})"
    files = {"setup.py": f"from setuptools import setup\n{setup}\n", f"{name}.py": f"VERSION = {version!r}\n"}
    with tarfile.open(path, "w:gz") as archive:
        for file_name, text in files.items():
            data = text.encode()
            member = tarfile.TarInfo(f"{name}-{version}/{file_name}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))


def _spec(install: str) -> EnvironmentSpec:
    return EnvironmentSpec(
        repo="demo/calc", version="0.1", python="3.11", dist="bookworm", dist_python="3.11",
        pip_packages=("helperpkg==1.0",), install=install, test_cmd="pytest",
    )  # fmt: skip


def _build_instance(
    client: DockerClient,
    env_image: str,
    root: Path,
    requirement: str,
    tag: str,
    install: str = "python -m pip install --no-build-isolation --no-deps -e .",
) -> str:
    testbed, setup = root / "testbed", root / "setup"
    (testbed / "calc").mkdir(parents=True)
    (testbed / "calc" / "__init__.py").write_text("from helperpkg import VERSION\n")
    (testbed / "setup.py").write_text(CALC_SETUP.format(requirement=requirement))
    (testbed / "setup.cfg").write_text("[options.extras_require]\ndev = otherpkg\n")
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "b"],
    ):
        _git(testbed, *args)
    setup.mkdir()
    spec = _spec(install)
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


def test_extras_resolve_around_the_specs_pins(
    docker_client: DockerClient, env_image: str, tmp_path: Path
) -> None:
    """seaborn-3190's case: `pip install -e .[dev]` would take the newest extra, which upgrades a pinned
    package; installed with the pins as constraints, it takes the extra's release that fits them."""
    tag = "sweagent-test-envcheck:extras"
    _build_instance(docker_client, env_image, tmp_path, "helperpkg>=1", tag, FIND_LINKS_INSTALL)
    code = "import helperpkg, otherpkg; print(helperpkg.VERSION, otherpkg.VERSION)"
    assert _run(docker_client, tag, code) == "1.0 1.0"


def test_an_install_the_pins_cannot_satisfy_runs_again_without_them(
    docker_client: DockerClient, env_image: str, tmp_path: Path
) -> None:
    """The repository itself requires past the pin: the constrained install cannot resolve, the plain
    one installs what the repository asks for, and the check notes the disagreement (not a refusal)."""
    tag = "sweagent-test-envcheck:unpinned"
    _build_instance(docker_client, env_image, tmp_path, "helperpkg>=2", tag, FIND_LINKS_INSTALL)
    assert _run(docker_client, tag, "import helperpkg; print(helperpkg.VERSION)") == "2.0"


def _run(client: DockerClient, image: str, code: str) -> str:
    output = client.containers.run(image, ["python", "-c", code], remove=True, network_disabled=True)
    return output.decode().strip()

"""The image for the user's own repository (`sweagent solve`).

The environment comes from, in order: `--image` (an image the user built), the repository's own
`Dockerfile` (built with the committed checkout as its context), or the base image plus a venv.
On top, the instance layer puts the committed checkout at /testbed (owned by the sandbox user)
and, on the base image, installs it: `pip install -e .[<declared test extras>]`, the root's test
requirement files, and pytest. Like the SWE-bench layers, `git diff` starts clean.
"""

from __future__ import annotations

import json
import shlex
import tempfile
from pathlib import Path

import docker.errors
from docker import DockerClient

from sandbox.engine import labels
from sandbox.images import ensure_base
from sweagent.datasets import checkout_instance
from sweagent.datasets.local import test_extras, test_requirement_files
from sweagent.environment.build import _build, _exists, _slug, instance_tag
from sweagent.environment.commands import VENV
from sweagent.errors import DatasetError, EnvironmentBuildError
from sweagent.records import Instance, content_id

__all__ = ["LOCAL_ENV_REPOSITORY", "ensure_local_image", "local_install_script"]

LOCAL_ENV_REPOSITORY = "sweagent-local-env"
_PIP = "python -m pip install --no-input --progress-bar off"
_CLEAN_GIT = [
    "mkdir -p .git/info",
    "git ls-files --others --exclude-standard --directory | sed 's|^|/|' >> .git/info/exclude",
    "git diff --quiet HEAD || git -c user.name=sweagent -c user.email=sweagent@localhost "
    "commit -q -a -m 'sweagent: environment set-up'",
]
_CLEAN_ONLY = "\n".join(["set -eux", "cd /testbed", *_CLEAN_GIT, ""])
_PATH = f"{VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_NEEDS = "command -v bash && command -v git && command -v python3"


def local_install_script(checkout: Path) -> str:
    """Install the checkout into the venv with its declared test dependencies, then clean `git diff`."""
    lines = ["set -eux", "cd /testbed", f"{_PIP} --upgrade pip"]
    if (checkout / "pyproject.toml").is_file() or (checkout / "setup.py").is_file():
        extras = test_extras(checkout)
        target = f".[{','.join(extras)}]" if extras else "."
        lines.append(f"{_PIP} -e {shlex.quote(target)}")
    for requirements in test_requirement_files(checkout):
        lines.append(f"{_PIP} -r {shlex.quote(requirements)}")
    lines.append(f"python -m pytest --version || {_PIP} pytest")
    return "\n".join([*lines, *_CLEAN_GIT, ""])


def ensure_local_image(instance: Instance, *, client: DockerClient, image: str | None = None) -> str:
    """The image tag for a local-repository instance, built unless an identical one exists."""
    with tempfile.TemporaryDirectory(prefix="sweagent-local-") as tmp:
        testbed = Path(tmp) / "testbed"
        try:
            checkout_instance(instance, testbed)
        except DatasetError as err:
            msg = f"{instance.instance_id}: checkout failed: {err}"
            raise EnvironmentBuildError(msg) from err
        setup = Path(tmp) / "setup"
        setup.mkdir()
        on_base = False
        if image is not None:
            if not _exists(client, image):
                msg = f"--image {image} is not present in the Docker engine; build or pull it first"
                raise EnvironmentBuildError(msg)
            environment = image
        elif (testbed / "Dockerfile").is_file():
            environment = _repository_environment(client, instance, testbed)
        else:
            environment, on_base = ensure_base(client, progress=lambda _: None), True
        _check_tools(client, environment)
        install = local_install_script(testbed) if on_base else _CLEAN_ONLY
        (setup / "install.sh").write_text(install, encoding="utf-8")
        dockerfile = _instance_dockerfile(environment, instance, venv=on_base)
        tag = instance_tag(instance.instance_id, environment, [dockerfile, install, instance.base_commit])
        if not _exists(client, tag):
            _build(client, dockerfile, tag, "instance", {"testbed": testbed, "setup": setup})
        return tag


def _repository_environment(client: DockerClient, instance: Instance, testbed: Path) -> str:
    """The repository's own Dockerfile, built with the committed checkout as its context."""
    dockerfile = (testbed / "Dockerfile").read_text(encoding="utf-8")
    digest = content_id(dockerfile + instance.base_commit)
    tag = f"{LOCAL_ENV_REPOSITORY}:{_slug(Path(instance.repo).name)}-{digest}"
    if not _exists(client, tag):
        context = {path.name: path for path in testbed.iterdir() if path.name not in (".git", "Dockerfile")}
        _build(client, dockerfile, tag, "environment", context)
    return tag


def _check_tools(client: DockerClient, image: str) -> None:
    """A sandbox needs bash, git and python3 in its image: say so before anything runs in it."""
    try:
        client.containers.run(
            image, ["sh", "-c", _NEEDS], user="root", entrypoint=[], remove=True, labels=labels("check")
        )
    except docker.errors.ContainerError as err:
        msg = f"the image {image} lacks bash, git or python3, which the sandbox needs"
        raise EnvironmentBuildError(msg) from err
    except docker.errors.APIError as err:
        msg = f"checking the image {image} failed: {err.explanation or err}"
        raise EnvironmentBuildError(msg) from err


def _instance_dockerfile(environment: str, instance: Instance, *, venv: bool) -> str:
    values = {"instance": instance.instance_id, "repo": instance.repo, "commit": instance.base_commit}
    label = " ".join(f"sweagent.{key}={json.dumps(value)}" for key, value in values.items())
    make_venv = (
        f"ENV VIRTUAL_ENV={VENV} PATH={_PATH}\nRUN python3 -m venv {VENV} && chown -R 1000:1000 {VENV}\n"
        if venv
        else ""
    )
    return (
        f"FROM {environment}\n"
        "USER root\n"
        f"LABEL {label}\n"
        f"{make_venv}"
        "COPY --chown=1000:1000 testbed /testbed\n"
        "COPY setup /tmp/sweagent-setup\n"
        "WORKDIR /testbed\n"
        "USER 1000\n"
        "RUN bash /tmp/sweagent-setup/install.sh\n"
        "USER root\n"
        "RUN rm -rf /tmp/sweagent-setup\n"
    )

"""The `official` provider: the SWE-bench harness's prebuilt instance image, pulled and adapted.

The harness names its images `<namespace>/sweb.eval.<arch>.<instance id>:<tag>` (lower case, `__`
written `_1776_`). Inside: the repository at /testbed, a conda environment `testbed`, root as the
user. One thin layer on top makes it a sandbox like every other: a user with uid 1000 owns
/testbed, every bash the sandbox starts sources the environment's activation (captured once at
build time, so a command costs no conda start-up), and `git diff` starts clean. The network rule is
the sandbox's own, as for any image. The conda environment stays root's, except when the spec
re-installs the package without `-e` during evaluation (requests, old Django): then the sandbox
user must be able to write it.

The registry is asked once per run whether it answers; an unreachable one costs one bounded HTTP
request for the whole run, not a pull attempt per instance.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import docker.errors
from docker import DockerClient

from sweagent.config import OfficialImagesConfig
from sweagent.environment.build import ImageRequest, _build, _exists, _slug
from sweagent.environment.commands import offline_reinstall
from sweagent.environment.recipes import label_instruction
from sweagent.environment.registry import RegistryAnswer, image_in_registry, registry_reachable
from sweagent.environment.specs import environment_spec
from sweagent.errors import EnvironmentBuildError, UnsupportedInstance
from sweagent.records import EnvironmentInfo, Instance, content_id

__all__ = ["OFFICIAL_REPOSITORY", "OfficialImages", "adapter_dockerfile", "official_image"]

OFFICIAL_REPOSITORY = "sweagent-official"
ACTIVATE = "/etc/sweagent-activate.sh"

ADAPT_SCRIPT = r"""
set -eu
prefix=$1; writable=$2
test -d /testbed/.git || { echo "the image has no git repository at /testbed" >&2; exit 1; }
test -d "$prefix" || { echo "the image has no environment at $prefix" >&2; exit 1; }
grep -q '^[^:]*:[^:]*:1000:' /etc/group || echo 'sandbox:x:1000:' >> /etc/group
grep -q '^[^:]*:[^:]*:1000:' /etc/passwd || echo 'sandbox:x:1000:1000::/home/sandbox:/bin/bash' >> /etc/passwd
home=$(awk -F: '$3 == 1000 {print $6; exit}' /etc/passwd)
mkdir -p "$home" && chown 1000:1000 "$home"
chown -R 1000:1000 /testbed
[ "$writable" = yes ] && chown -R 1000:1000 "$prefix"
git config --system --add safe.directory '*'
git config --system user.name sandbox
git config --system user.email sandbox@sweagent.invalid
# What activation changes, as export lines every bash of the sandbox sources (BASH_ENV).
conda_root=$(dirname "$(dirname "$prefix")")
export -p > /tmp/sweagent-before
if [ -f "$conda_root/bin/activate" ]; then
  set +u; . "$conda_root/bin/activate" "$(basename "$prefix")"; set -u
else
  set +u; . "$prefix/bin/activate"; set -u
fi
export -p | grep -vxF -f /tmp/sweagent-before \
  | grep -vE '^declare -x (PWD|OLDPWD|SHLVL|PS1|_)=' > /etc/sweagent-activate.sh || true
rm -f /tmp/sweagent-before
chmod 644 /etc/sweagent-activate.sh
"""

CLEAN_GIT = (
    "cd /testbed && mkdir -p .git/info"
    " && git ls-files --others --exclude-standard --directory | sed 's|^|/|' >> .git/info/exclude"
    " && (git diff --quiet HEAD || git commit -q -a -m 'sweagent: environment set-up')"
)


def official_image(instance_id: str, config: OfficialImagesConfig) -> tuple[str, str]:
    """(repository as pulled, tag) of the instance's official image: the harness's naming."""
    name = f"sweb.eval.{config.arch}.{instance_id.lower().replace('__', '_1776_')}"
    path = f"{config.namespace}/{name}" if config.namespace else name
    if config.registry in ("docker.io", "index.docker.io", ""):
        return path, config.tag
    return f"{config.registry}/{path}", config.tag


def adapter_dockerfile(official: str, env_prefix: str, *, writable_env: bool, labels: dict[str, str]) -> str:
    """The layer that turns an official image into a sandbox image (see the module docstring)."""
    return (
        f"FROM {official}\n"
        "USER root\n"
        f"{label_instruction(labels)}\n"
        "COPY adapt.sh /tmp/sweagent-adapt.sh\n"
        f"RUN bash /tmp/sweagent-adapt.sh {env_prefix} {'yes' if writable_env else 'no'}"
        " && rm /tmp/sweagent-adapt.sh\n"
        f"ENV BASH_ENV={ACTIVATE} PATH={env_prefix}/bin:$PATH\n"
        "ENTRYPOINT []\n"
        "WORKDIR /testbed\n"
        "USER 1000\n"
        f"RUN {CLEAN_GIT}\n"
        "USER root\n"
    )


class OfficialImages:
    """The official provider for one run: it remembers whether the registry answered."""

    name = "official"

    def __init__(self, config: OfficialImagesConfig) -> None:
        self.config = config
        self._registry: RegistryAnswer | None = None

    def registry(self) -> RegistryAnswer:
        """Whether the registry answers, asked once per run."""
        if self._registry is None:
            self._registry = registry_reachable(self.config.registry, self.config.probe_timeout)
        return self._registry

    def _available(self, instance: Instance, client: DockerClient | None) -> str:
        """The image reference, when it is local or in the registry; UnsupportedInstance why not."""
        environment_spec(instance, python="nearest")  # the test command comes from the spec
        repository, tag = official_image(instance.instance_id, self.config)
        reference = f"{repository}:{tag}"
        if client is not None and _exists(client, reference):
            return reference
        reachable = self.registry()
        if not reachable.ok:
            raise UnsupportedInstance(reachable.reason)
        path = repository.removeprefix(f"{self.config.registry}/")
        found = image_in_registry(self.config.registry, path, tag, self.config.probe_timeout)
        if not found.ok:
            raise UnsupportedInstance(found.reason)
        return reference

    def plan(self, instance: Instance, client: DockerClient | None = None) -> EnvironmentInfo:
        """What `prepare` would give, without pulling; UnsupportedInstance when it cannot serve."""
        reference = self._available(instance, client)
        return self._info(instance, reference, image="")

    def prepare(self, request: ImageRequest) -> EnvironmentInfo:
        """Pull (when absent) and adapt the official image; UnsupportedInstance or EnvironmentBuildError."""
        instance, client, progress = request.instance, request.client, request.progress
        reference = self._available(instance, client)
        if not _exists(client, reference):
            progress(f"{instance.instance_id}: pulling {reference}")
            repository, _, tag = reference.rpartition(":")
            try:
                client.images.pull(repository, tag=tag)
            except docker.errors.APIError as err:
                msg = f"pulling {reference} failed: {err.explanation or err}"
                raise EnvironmentBuildError(msg) from err
        spec = environment_spec(instance, python="nearest")
        writable = offline_reinstall(spec.install) is not None
        labels = {"instance": instance.instance_id, "provider": "official", "official": reference}
        dockerfile = adapter_dockerfile(
            reference, self.config.env_prefix, writable_env=writable, labels=labels
        )
        digest = content_id(json.dumps([str(client.images.get(reference).id), dockerfile, ADAPT_SCRIPT]))
        tag = f"{OFFICIAL_REPOSITORY}:{_slug(instance.instance_id)}-{digest}"
        if not _exists(client, tag):
            progress(f"{instance.instance_id}: adapting {reference} as {tag}")
            with tempfile.TemporaryDirectory(prefix="sweagent-official-") as tmp:
                script = Path(tmp) / "adapt.sh"
                script.write_text(ADAPT_SCRIPT, encoding="utf-8")
                _build(client, dockerfile, tag, "instance", {"adapt.sh": script})
        return self._info(instance, reference, image=tag)

    def _info(self, instance: Instance, reference: str, image: str) -> EnvironmentInfo:
        python = environment_spec(instance, python="nearest").python
        return EnvironmentInfo(
            provider="official",
            image=image,
            python=python,
            spec_python=python,
            notes=(f"the SWE-bench harness's image {reference}",),
        )

"""The base image recipe: `FROM python:<ver>-slim` with a registry, debootstrap + `docker import` without.

Both paths end in the same `base.Dockerfile` layer (user `sandbox`, /testbed, the host's CA bundle
and pip settings), so everything built on top sees one environment whichever way the base came.
Images carry a recipe hash label; `ensure_base` rebuilds only when the recipe changed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import docker.errors
from docker import DockerClient

from sandbox.engine import LABEL, labels
from sandbox.errors import SandboxError
from sandbox.images.build import build_failure

__all__ = [
    "DISTS",
    "Dist",
    "base_tag",
    "ensure_base",
    "ensure_rootfs",
    "host_ca_bundle",
    "host_pip_conf",
    "registry_reachable",
]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Dist:
    """A Debian release the base image can be made from, and the Python it brings."""

    name: str
    python: str


DISTS = {"bookworm": Dist("bookworm", "3.11"), "bullseye": Dist("bullseye", "3.9")}
DEBOOTSTRAP_PACKAGES = ("python3", "python3-venv", "python3-dev", "git", "ca-certificates", "patch", "gcc")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
RECIPE_LABEL = f"{LABEL}.recipe"


def base_tag(dist: str = "bookworm") -> str:
    """The tag of the base image for `dist`."""
    return f"sweagent-base:{dist}"


def _dist(name: str) -> Dist:
    if name not in DISTS:
        msg = f"unknown base distribution {name!r}; choose one of {', '.join(DISTS)}"
        raise SandboxError(msg)
    return DISTS[name]


def host_ca_bundle() -> bytes:
    """The host's CA bundle (SWEAGENT_CA_BUNDLE, PIP_CERT, or Debian's path), or b'' when there is none."""
    for candidate in (
        os.environ.get("SWEAGENT_CA_BUNDLE"),
        os.environ.get("PIP_CERT"),
        "/etc/ssl/certs/ca-certificates.crt",
    ):
        if candidate and Path(candidate).is_file():
            return Path(candidate).read_bytes()
    return b""


def host_pip_conf() -> str:
    """A pip.conf for containers: the CA path and the host's http(s) index settings (not file:// ones)."""
    lines = ["[global]", "cert = /etc/ssl/certs/sweagent-host-ca.crt"]
    index = os.environ.get("PIP_INDEX_URL", "")
    if index.startswith(("http://", "https://")):
        lines.append(f"index-url = {index}")
    extra = [u for u in os.environ.get("PIP_EXTRA_INDEX_URL", "").split() if u.startswith("http")]
    if extra:
        lines.append(f"extra-index-url = {' '.join(extra)}")
    trusted = os.environ.get("PIP_TRUSTED_HOST", "").split()
    if trusted:
        lines.append(f"trusted-host = {' '.join(trusted)}")
    timeout = os.environ.get("PIP_DEFAULT_TIMEOUT", "")
    if timeout:
        lines.append(f"timeout = {timeout}")
    return "\n".join(lines) + "\n"


def registry_reachable(timeout: float = 3.0) -> bool:
    """Whether Docker Hub answers (a 401 counts: it is there); SWEAGENT_BASE_SOURCE forces the answer."""
    forced = os.environ.get("SWEAGENT_BASE_SOURCE", "auto")
    if forced in ("registry", "debootstrap"):
        return forced == "registry"
    try:
        urllib.request.urlopen("https://registry-1.docker.io/v2/", timeout=timeout)  # noqa: S310
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):
        return False
    return True


def _image_recipe(client: DockerClient, tag: str) -> str | None:
    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        return None
    return (image.labels or {}).get(RECIPE_LABEL)


def _digest(*parts: str | bytes) -> str:
    sha = hashlib.sha256()
    for part in parts:
        sha.update(part.encode() if isinstance(part, str) else part)
        sha.update(b"\0")
    return sha.hexdigest()[:16]


def ensure_rootfs(client: DockerClient, dist: str, progress: Progress = print) -> str:
    """A Debian rootfs image made with debootstrap and `docker import`, built only when absent."""
    spec = _dist(dist)
    tag = f"sweagent-rootfs:{spec.name}"
    mirror = os.environ.get("SWEAGENT_DEBIAN_MIRROR", DEFAULT_MIRROR)
    recipe = _digest("rootfs-v1", spec.name, mirror, *DEBOOTSTRAP_PACKAGES)
    if _image_recipe(client, tag) == recipe:
        return tag
    if shutil.which("debootstrap") is None:
        msg = (
            "debootstrap is not installed (apt-get install -y debootstrap); it builds the offline base image"
        )
        raise SandboxError(msg)
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    progress(f"building {tag} with debootstrap from {mirror} (about a minute)")
    with tempfile.TemporaryDirectory(prefix="sweagent-rootfs-") as tmp:
        root = Path(tmp) / "root"
        archive = Path(tmp) / "rootfs.tar"
        include = ",".join(DEBOOTSTRAP_PACKAGES)
        command = [
            *sudo,
            "debootstrap",
            "--variant=minbase",
            f"--include={include}",
            spec.name,
            str(root),
            mirror,
        ]
        _run(command, f"debootstrap of {spec.name}")
        _run(
            [*sudo, "tar", "-C", str(root), "--numeric-owner", "-cf", str(archive), "."], "packing the rootfs"
        )
        label_changes = [f'LABEL {k}="{v}"' for k, v in labels("rootfs", recipe=recipe).items()]
        try:
            client.api.import_image_from_file(
                str(archive), repository="sweagent-rootfs", tag=spec.name, changes=label_changes
            )
        except docker.errors.APIError as err:
            msg = f"docker import of {tag} failed: {err.explanation or err}"
            raise SandboxError(msg) from err
        if sudo:
            subprocess.run([*sudo, "rm", "-rf", str(root)], check=False)
    return tag


def _run(command: list[str], what: str) -> None:
    proc = subprocess.run(command, capture_output=True, text=True, errors="replace", check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        msg = f"{what} failed (exit {proc.returncode}): {tail}"
        raise SandboxError(msg)


def ensure_base(
    client: DockerClient, dist: str = "bookworm", *, force: bool = False, progress: Progress = print
) -> str:
    """Build `sweagent-base:<dist>` unless an image of the same recipe exists; return its tag."""
    spec = _dist(dist)
    tag = base_tag(spec.name)
    dockerfile = resources.files("sandbox.images").joinpath("base.Dockerfile").read_text(encoding="utf-8")
    ca_bundle, pip_conf = host_ca_bundle(), host_pip_conf()
    use_registry = registry_reachable()
    parent = f"python:{spec.python}-slim-{spec.name}" if use_registry else ""
    if not use_registry:
        parent = ensure_rootfs(client, spec.name, progress)
        parent_recipe = _image_recipe(client, parent) or ""
    else:
        parent_recipe = parent
    recipe = _digest("base-v1", dockerfile, parent_recipe, ca_bundle, pip_conf)
    if not force and _image_recipe(client, tag) == recipe:
        return tag
    progress(f"building {tag} on {parent}")
    with tempfile.TemporaryDirectory(prefix="sweagent-base-") as tmp:
        context = Path(tmp)
        (context / "Dockerfile").write_text(dockerfile, encoding="utf-8")
        (context / "host-ca.crt").write_bytes(ca_bundle)
        (context / "pip.conf").write_text(pip_conf, encoding="utf-8")
        try:
            client.images.build(
                path=str(context),
                tag=tag,
                buildargs={"BASE": parent},
                labels=labels("base", recipe=recipe, dist=spec.name, python=spec.python),
                rm=True,
                forcerm=True,  # the legacy builder otherwise leaves failed steps' containers behind
            )
        except (docker.errors.BuildError, docker.errors.APIError) as err:
            raise build_failure(tag, err) from err
    return tag

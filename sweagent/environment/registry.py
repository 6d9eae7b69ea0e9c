"""Asking a Docker Registry (HTTP API v2) whether it answers and holds an image, without pulling it.

`docker pull` on a machine that cannot reach the registry may spend a long time on DNS and
retries per image; these questions cost one bounded HTTP round trip instead. Anonymous pulls from
Docker Hub and GHCR need a bearer token, which the registry's `WWW-Authenticate` header says where
to fetch. A whole question, name resolution included, gets at most `timeout` seconds.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RegistryAnswer", "image_in_registry", "registry_base_url", "registry_reachable"]

_MANIFESTS = ", ".join(
    [
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
    ]
)
_LOOPBACK = re.compile(r"^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$")


@dataclass(frozen=True)
class RegistryAnswer:
    """Yes or no, and why (the error, or what was found)."""

    ok: bool
    reason: str


def registry_base_url(registry: str) -> str:
    """`https://host` (Docker Hub's API host for `docker.io`); loopback registries speak plain http."""
    host = "registry-1.docker.io" if registry in ("docker.io", "index.docker.io") else registry
    return f"{'http' if _LOOPBACK.match(host) else 'https'}://{host}"


def _bounded(question: Callable[[], RegistryAnswer], timeout: float, what: str) -> RegistryAnswer:
    """`question()`, or a no when it takes longer than `timeout` (a hung DNS lookup included)."""
    answers: list[RegistryAnswer] = []
    thread = threading.Thread(target=lambda: answers.append(question()), daemon=True, name="registry")
    thread.start()
    thread.join(timeout)
    if not answers:
        return RegistryAnswer(False, f"{what}: no answer within {timeout:g}s")
    return answers[0]


def _open(request: urllib.request.Request | str, timeout: float) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers or {}), b""


def _describe(err: BaseException) -> str:
    reason = getattr(err, "reason", None) or err
    return str(reason).strip() or type(err).__name__


def registry_reachable(registry: str, timeout: float) -> RegistryAnswer:
    """Whether the registry's API answers (a 401 counts: it is there and wants a token)."""
    url = f"{registry_base_url(registry)}/v2/"

    def ask() -> RegistryAnswer:
        try:
            status, _, _ = _open(url, timeout)
        except (OSError, ValueError) as err:
            return RegistryAnswer(False, f"registry {registry} unreachable ({url}: {_describe(err)})")
        if status in (200, 401):
            return RegistryAnswer(True, f"registry {registry} answers")
        return RegistryAnswer(False, f"registry {registry} answered HTTP {status} at {url}")

    return _bounded(ask, timeout, f"registry {registry} unreachable ({url})")


def _token(challenge: str, repository: str, timeout: float) -> str | None:
    """An anonymous pull token from the realm a `Bearer` challenge names, or None."""
    fields = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
    if not challenge.lower().startswith("bearer") or "realm" not in fields:
        return None
    query = {"scope": f"repository:{repository}:pull"}
    if "service" in fields:
        query["service"] = fields["service"]
    status, _, body = _open(f"{fields['realm']}?{urllib.parse.urlencode(query)}", timeout)
    if status != 200:
        return None
    data = json.loads(body or b"{}")
    token = data.get("token") or data.get("access_token")
    return str(token) if token else None


def image_in_registry(registry: str, repository: str, tag: str, timeout: float) -> RegistryAnswer:
    """Whether `repository:tag` is in the registry (a manifest HEAD request; nothing is downloaded)."""
    url = f"{registry_base_url(registry)}/v2/{repository}/manifests/{tag}"
    name = f"{registry}/{repository}:{tag}"

    def ask() -> RegistryAnswer:
        headers = {"Accept": _MANIFESTS}
        try:
            status, answer, _ = _open(urllib.request.Request(url, headers=headers, method="HEAD"), timeout)
            challenge = {k.lower(): v for k, v in answer.items()}.get("www-authenticate", "")
            if status == 401 and (token := _token(challenge, repository, timeout)):
                headers["Authorization"] = f"Bearer {token}"
                request = urllib.request.Request(url, headers=headers, method="HEAD")
                status, _, _ = _open(request, timeout)
        except (OSError, ValueError) as err:
            return RegistryAnswer(False, f"{name}: registry unreachable ({_describe(err)})")
        if status == 200:
            return RegistryAnswer(True, f"{name} is in the registry")
        if status in (401, 403, 404):
            return RegistryAnswer(False, f"{name} is not in the registry (HTTP {status})")
        return RegistryAnswer(False, f"{name}: the registry answered HTTP {status}")

    return _bounded(ask, timeout * 2, f"{name}: registry unreachable")

"""Network modes of a Docker sandbox: none, dropped, open.

`none` gives the container only loopback: a connect to any other address fails at once ("network
unreachable"). `open` attaches Docker's default bridge: the real network. `dropped` is what the
official SWE-bench harness's tests expect from a network without handing them the internet: the
container sits on the bridge network `sweagent-dropped`, whose every packet leaving the container
the host silently drops (a rule in Docker's `DOCKER-USER` chain for forwarded traffic and one in
`INPUT` for the host's own services), so a connect to an outside address times out as on a real
network, loopback works, and names do not resolve (the resolver is an address of the network's own
subnet that nothing answers, since Docker's embedded DNS may forward from the host's namespace).

The network and the rules are made on first use, idempotently: a second creator fails on the
bridge name, which Docker keeps unique, and takes the existing network; a rule is inserted only
when `iptables -C` does not find it. When the rules cannot be installed (no iptables, not root,
not in the engine's network namespace), `dropped` becomes `none` with a warning, never `open`.
"""

from __future__ import annotations

import ipaddress
import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import docker.errors
from docker import DockerClient
from docker.models.networks import Network

from sandbox.engine import LABEL

__all__ = ["DROPPED_BRIDGE", "DROPPED_NETWORK", "NetworkMode", "NetworkPlan", "plan_network"]

NetworkMode = Literal["none", "dropped", "open"]
"""none: loopback only; dropped: outbound packets silently dropped; open: the real network."""

DROPPED_NETWORK = "sweagent-dropped"
DROPPED_BRIDGE = "sweagent-drop0"
"""The host interface of the dropped network (at most 15 characters), which the rules name."""
_RULES = (("DOCKER-USER", "-i", DROPPED_BRIDGE, "-j", "DROP"), ("INPUT", "-i", DROPPED_BRIDGE, "-j", "DROP"))
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NetworkPlan:
    """How to attach a container for a mode, and what was given up to get there."""

    mode: NetworkMode
    """The mode the container gets (`none` when `dropped` could not be set up)."""
    network_mode: str | None
    """Docker's `network_mode`: `none`, the dropped network's name, or None for the default bridge."""
    dns: tuple[str, ...] = ()
    """Resolver addresses for the container (only for `dropped`)."""
    warning: str | None = None
    """Why the requested mode was not given, when it was not."""


def plan_network(client: DockerClient, mode: NetworkMode) -> NetworkPlan:
    """The attachment for `mode`, creating the dropped network and its rules when needed."""
    if mode == "none":
        return NetworkPlan("none", "none")
    if mode == "open":
        return NetworkPlan("open", None)
    try:
        network = _ensure_network(client)
        _ensure_rules()
        resolver = _silent_address(network)
    except _Unavailable as err:
        warning = f"network mode 'dropped' is unavailable ({err}); the sandbox has no network at all"
        _log.warning("%s", warning)
        return NetworkPlan("none", "none", warning=warning)
    return NetworkPlan("dropped", DROPPED_NETWORK, dns=(resolver,))


class _Unavailable(Exception):
    """The dropped network cannot be made safe here."""


def _ensure_network(client: DockerClient) -> Network:
    for _ in range(3):
        found = client.networks.list(names=[DROPPED_NETWORK])
        exact = [network for network in found if network.name == DROPPED_NETWORK]
        if exact:
            network = exact[0]
            network.reload()  # a listed network lacks its IPAM details
            bridge = network.attrs.get("Options", {}).get("com.docker.network.bridge.name")
            if bridge != DROPPED_BRIDGE:
                msg = f"a network named {DROPPED_NETWORK} exists without the bridge {DROPPED_BRIDGE}"
                raise _Unavailable(msg)
            return network
        try:
            return client.networks.create(
                DROPPED_NETWORK,
                driver="bridge",
                options={"com.docker.network.bridge.name": DROPPED_BRIDGE},
                labels={LABEL: "1", f"{LABEL}.kind": "network"},  # shared: no run label
            )
        except docker.errors.APIError as err:
            # Another process made it between our look and our create (same bridge name): look again.
            _log.debug("creating %s: %s", DROPPED_NETWORK, err)
    msg = f"cannot create the Docker network {DROPPED_NETWORK}"
    raise _Unavailable(msg)


def _ensure_rules() -> None:
    iptables = shutil.which("iptables")
    if iptables is None:
        msg = "no iptables on this host"
        raise _Unavailable(msg)
    if not Path("/sys/class/net", DROPPED_BRIDGE).exists():
        # The rules would land in a namespace the engine's bridge is not in (sweagent in a container).
        msg = f"the bridge {DROPPED_BRIDGE} is not in this network namespace"
        raise _Unavailable(msg)
    for chain, *rule in _RULES:
        if _iptables(iptables, "-C", chain, *rule).returncode == 0:
            continue
        inserted = _iptables(iptables, "-I", chain, "1", *rule)
        # A concurrent creator may have inserted it meanwhile: a duplicate rule is harmless.
        if inserted.returncode != 0:
            msg = f"iptables -I {chain} failed: {inserted.stderr.strip()[:200]}"
            raise _Unavailable(msg)


def _iptables(iptables: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed arguments
        [iptables, "-w", "10", *args], capture_output=True, text=True, timeout=30, check=False
    )


def _silent_address(network: Network) -> str:
    """The last usable address of the subnet: the last Docker hands out; nothing answers there."""
    configs = network.attrs.get("IPAM", {}).get("Config") or []
    for config in configs:
        subnet = ipaddress.ip_network(config.get("Subnet", ""), strict=False)
        if subnet.version == 4 and subnet.num_addresses >= 4:
            return str(subnet.broadcast_address - 1)
    msg = f"the network {DROPPED_NETWORK} has no IPv4 subnet"
    raise _Unavailable(msg)

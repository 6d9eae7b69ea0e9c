"""Image recipes: the sandbox base image, built with or without a registry."""

from sandbox.images.base import DISTS, Dist, base_tag, ensure_base, ensure_rootfs, registry_reachable

__all__ = ["DISTS", "Dist", "base_tag", "ensure_base", "ensure_rootfs", "registry_reachable"]

"""Image recipes: the sandbox base image, built with or without a registry."""

from sandbox.images.base import DISTS, Dist, base_tag, ensure_base, ensure_rootfs, registry_reachable
from sandbox.images.build import build_image

__all__ = ["DISTS", "Dist", "base_tag", "build_image", "ensure_base", "ensure_rootfs", "registry_reachable"]

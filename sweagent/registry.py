"""Short names to dotted paths, imported lazily; any `pkg.mod:Name` is accepted too."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from importlib.metadata import entry_points

from sweagent.errors import RegistryError

__all__ = ["Registry"]


class Registry:
    """Resolves a plug-in name: a built-in short name, an entry point, or a dotted path."""

    def __init__(self, kind: str, builtins: Mapping[str, str], group: str | None = None) -> None:
        self.kind = kind
        self.builtins = dict(builtins)
        self.group = group

    def names(self) -> list[str]:
        found = set(self.builtins)
        if self.group:
            found.update(ep.name for ep in entry_points(group=self.group))
        return sorted(found)

    def resolve(self, name: str) -> object:
        """The object a name refers to; the error lists what is known."""
        target = self.builtins.get(name)
        if target is None and self.group:
            for ep in entry_points(group=self.group):
                if ep.name == name:
                    return ep.load()
        if target is None and (":" in name or "." in name):
            target = name
        if target is None:
            known = ", ".join(self.names())
            msg = f"unknown {self.kind} {name!r}; known: {known} (or a dotted path pkg.mod:Name)"
            raise RegistryError(msg)
        module_name, _, attr = target.partition(":")
        if not attr:
            module_name, _, attr = target.rpartition(".")
        try:
            module = importlib.import_module(module_name)
        except ImportError as err:
            msg = f"{self.kind} {name!r}: cannot import module {module_name!r} ({err})"
            raise RegistryError(msg) from err
        try:
            return getattr(module, attr)
        except AttributeError as err:
            msg = f"{self.kind} {name!r}: module {module_name!r} has no attribute {attr!r}"
            raise RegistryError(msg) from err

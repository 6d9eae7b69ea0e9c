"""Config data before validation: YAML files, `key.path=value` overrides and typed values, merged."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from sweagent.errors import ConfigError

__all__ = ["apply_override", "merge", "read_yaml", "set_value"]


def merge(base: dict[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def apply_override(data: dict[str, Any], override: str) -> dict[str, Any]:
    """Apply one `key.path=value` override; the value is parsed as YAML (`3`, `true`, `[a, b]`)."""
    key, sep, raw = override.partition("=")
    if not sep or not key.strip():
        msg = f"override {override!r} must look like key.path=value"
        raise ConfigError(msg)
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError as err:
        msg = f"override {override!r}: value is not valid YAML ({' '.join(str(err).split())})"
        raise ConfigError(msg) from err
    return set_value(data, key.strip(), value)


def set_value(data: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """`data` with the typed `value` at the dotted `key` (a shortcut option: no text to parse)."""
    nested: Any = value
    for part in reversed(key.split(".")):
        nested = {part: nested}
    return merge(data, nested)


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as err:
        msg = f"config file {path}: {err.strerror or err}"
        raise ConfigError(msg) from err
    except yaml.YAMLError as err:
        msg = f"config file {path} is not valid YAML: {' '.join(str(err).split())}"
        raise ConfigError(msg) from err
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        msg = f"config file {path} must hold a mapping at the top level, not {type(loaded).__name__}"
        raise ConfigError(msg)
    return loaded

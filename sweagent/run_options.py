"""What `sweagent run` and `sweagent solve` share: the config sources and the shortcut options.

A shortcut sets a typed value on the config after the files and `-o` overrides, never text that is
parsed back (a model called `yes` stays the string "yes").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sweagent.config import RunConfig, load_config
from sweagent.errors import ConfigError
from sweagent.records import Record
from sweagent.store import CONFIG_FILE

__all__ = ["TEST_MODELS", "RunOptions"]

TEST_MODELS = ("scripted:builtin", "scripted:POLICY.py", "replay:RUN_DIR")
"""The models that need no server: deterministic policies and stored trajectories."""


class RunOptions(Record):
    """Config files, overrides, shortcuts and the run directory of one `run` or `solve`."""

    config_files: tuple[Path, ...] = ()
    overrides: tuple[str, ...] = ()
    model: str | None = None
    """Primary model; also the relevance model unless a file or an override names one."""
    base_url: str | None = None
    """The model's OpenAI-compatible endpoint; follows `model` to the relevance scan like the name."""
    samples: int | None = None
    iterations: int | None = None
    selector: str | None = None
    run_dir: Path | None = None
    """The run directory (default: a new one under runs/)."""
    force: bool = False
    """Accept a config that differs from the one an existing run directory was started with."""

    def shortcuts(self) -> dict[str, Any]:
        """The config keys the shortcut options set, by dotted key (None: not given)."""
        return {
            "models.primary.name": self.model,
            "models.primary.base_url": self.base_url,
            "generation.samples": self.samples,
            "generation.iterations": self.iterations,
            "selection.selector": self.selector,
        }

    def config(self, *, model_needed: bool = True) -> RunConfig:
        """Defaults <- YAML files <- `-o` overrides <- the shortcuts.

        Continuing a run directory without `--model` keeps the model it was started with. With no
        model named anywhere, ConfigError when `model_needed` (the stages to run ask a model).
        """
        values = {key: value for key, value in self.shortcuts().items() if value is not None}
        if self.model is None:
            values.update(self._stored_model())
        relevance = load_config(self.config_files, self.overrides).models.relevance
        if self.model is not None and "name" not in relevance.model_fields_set:
            values["models.relevance.name"] = self.model
            if self.base_url is not None and "base_url" not in relevance.model_fields_set:
                values["models.relevance.base_url"] = self.base_url
        config = load_config(self.config_files, self.overrides, values)
        if model_needed and "name" not in config.models.primary.model_fields_set:
            msg = (
                "no model named: give --model NAME (with --base-url URL for an OpenAI-compatible server) "
                f"or models.primary.name in a config file; the test models are {', '.join(TEST_MODELS)}"
            )
            raise ConfigError(msg)
        return config

    def _stored_model(self) -> dict[str, Any]:
        """The model keys of the run directory's stored config, when it has one and names a model."""
        stored = self.run_dir / CONFIG_FILE if self.run_dir is not None else None
        if stored is None or not stored.is_file():
            return {}
        try:
            data = yaml.safe_load(stored.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            return {}  # the resumability check reports an unreadable config
        models = data.get("models") if isinstance(data, dict) else None
        values: dict[str, Any] = {}
        for role in ("primary", "relevance"):
            section = models.get(role) if isinstance(models, dict) else None
            if isinstance(section, dict) and isinstance(section.get("name"), str):
                values[f"models.{role}.name"] = section["name"]
                if isinstance(section.get("base_url"), str):
                    values[f"models.{role}.base_url"] = section["base_url"]
        return values

"""`build_model`: the model a `ModelConfig` names (`scripted:`, `replay:` or an endpoint's model)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sweagent.config import ModelConfig
from sweagent.errors import ConfigError
from sweagent.models.protocol import Model
from sweagent.models.usage import Budget, MeteredModel, UsageLedger

__all__ = ["build_model"]


def _scripted(spec: str, config: ModelConfig) -> Model:
    from sweagent.models.scripted import ScriptedModel

    return ScriptedModel.from_spec(spec)


def _replay(spec: str, config: ModelConfig) -> Model:
    from sweagent.models.replay import ReplayModel

    return ReplayModel(Path(spec))


_PREFIXES: dict[str, Callable[[str, ModelConfig], Model]] = {"scripted": _scripted, "replay": _replay}


def build_model(
    config: ModelConfig, ledger: UsageLedger | None = None, budget: Budget | None = None
) -> Model:
    """The configured model, metered by `ledger` (and held to `budget`) when one is given.

    `scripted:POLICY.py` / `scripted:builtin` and `replay:RUN_DIR` are the test models; any other
    name is sent to the OpenAI-compatible endpoint(s) in `base_url` and `extra_base_urls`.
    """
    prefix, colon, spec = config.name.partition(":")
    builder = _PREFIXES.get(prefix) if colon else None
    if builder is not None:
        if not spec:
            msg = f"model name {config.name!r}: say what follows `{prefix}:` (a file or directory)"
            raise ConfigError(msg)
        model = builder(spec, config)
    else:
        from sweagent.models.openai_compat import OpenAICompatModel

        model = OpenAICompatModel.from_config(config)
    if ledger is None:
        return model
    return MeteredModel(model, ledger, budget)

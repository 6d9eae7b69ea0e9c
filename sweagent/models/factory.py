"""The model configs that build their models, and `build_model`.

`ModelConfig` (in `sweagent.config`) is what users write; `ModelSpec` is the same section read as one
of its kinds, told apart by the name's prefix: `scripted:POLICY.py` / `scripted:builtin` and
`replay:RUN_DIR` are the test models, any other name an OpenAI-compatible endpoint's model. The
kinds live here rather than in `sweagent.config` because building a model imports the models
package, which the config layer never does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import Discriminator, Tag, TypeAdapter

from sweagent.config import ModelConfig
from sweagent.errors import ConfigError
from sweagent.models.protocol import Model
from sweagent.models.usage import Budget, MeteredModel, UsageLedger

__all__ = ["EndpointModelConfig", "ModelSpec", "ReplayModelConfig", "ScriptedModelConfig", "build_model"]


class _TestModelConfig(ModelConfig):
    """A test model: what follows the prefix names its policy or recording."""

    def spec(self) -> str:
        """The text after `prefix:`; a ConfigError when there is none."""
        prefix, _, spec = self.name.partition(":")
        if not spec:
            msg = f"model name {self.name!r}: say what follows `{prefix}:` (a file or directory)"
            raise ConfigError(msg)
        return spec


class ScriptedModelConfig(_TestModelConfig):
    """`scripted:POLICY.py` or `scripted:builtin`: the deterministic test model."""

    def build(self) -> Model:
        """The scripted model running that policy."""
        from sweagent.models.scripted import ScriptedModel

        return ScriptedModel.from_spec(self.spec())


class ReplayModelConfig(_TestModelConfig):
    """`replay:RUN_DIR`: answers recorded in an earlier run's trajectories."""

    def build(self) -> Model:
        """The model replaying that run."""
        from sweagent.models.replay import ReplayModel

        return ReplayModel(Path(self.spec()))


class EndpointModelConfig(ModelConfig):
    """Any other name: the model served at `base_url` (and `extra_base_urls`)."""

    def build(self) -> Model:
        """The OpenAI-compatible client of those endpoints."""
        from sweagent.models.openai_compat import OpenAICompatModel

        return OpenAICompatModel.from_config(self)


def _kind(value: Any) -> str:
    """The kind a model section names: its name's prefix when that is a test model's."""
    default = ModelConfig.model_fields["name"].default
    name = value.get("name", default) if isinstance(value, dict) else getattr(value, "name", default)
    prefix, colon, _ = str(name).partition(":")
    return prefix if colon and prefix in ("scripted", "replay") else "endpoint"


ModelSpec = Annotated[
    Annotated[ScriptedModelConfig, Tag("scripted")]
    | Annotated[ReplayModelConfig, Tag("replay")]
    | Annotated[EndpointModelConfig, Tag("endpoint")],
    Discriminator(_kind),
]
"""A model section read as its kind; each kind builds its model."""

_SPEC: TypeAdapter[ScriptedModelConfig | ReplayModelConfig | EndpointModelConfig] = TypeAdapter(ModelSpec)


def build_model(
    config: ModelConfig, ledger: UsageLedger | None = None, budget: Budget | None = None
) -> Model:
    """The configured model, metered by `ledger` (and held to `budget`) when one is given."""
    model = _SPEC.validate_python(config.model_dump()).build()
    if ledger is None:
        return model
    return MeteredModel(model, ledger, budget)

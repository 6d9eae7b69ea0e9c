"""`models.<role>.guided` round-trips through the config and reaches the built client."""

from __future__ import annotations

from pathlib import Path

import pytest

from sweagent.config import load_config
from sweagent.errors import ConfigError
from sweagent.models.factory import build_model
from sweagent.models.openai_compat import OpenAICompatModel


def test_guided_round_trips_through_yaml(tmp_path: Path) -> None:
    config = load_config(overrides=["models.primary.guided=true", "models.primary.guided_backend=vllm"])
    assert config.models.primary.guided is True
    assert config.models.primary.guided_backend == "vllm"
    assert config.models.relevance.guided is False
    path = tmp_path / "config.yaml"
    path.write_text(config.to_yaml())
    assert load_config([path]) == config


def test_unknown_guided_backend_is_refused() -> None:
    with pytest.raises(ConfigError, match="guided_backend"):
        load_config(overrides=["models.primary.guided_backend=outlines"])


def test_the_client_gets_guidance_only_when_asked() -> None:
    base = ["models.primary.name=m", "models.primary.base_url=http://127.0.0.1:9/v1"]
    plain = build_model(load_config(overrides=base).models.primary)
    guided = build_model(load_config(overrides=[*base, "models.primary.guided=true"]).models.primary)
    assert isinstance(plain, OpenAICompatModel)
    assert isinstance(guided, OpenAICompatModel)
    assert plain.guidance is None
    assert guided.guidance is not None
    assert guided.guidance.backend == "auto"

"""The model and context sections are read as their kinds, and each kind builds its object.

The user-facing shape does not change: a model is still told apart by its name's prefix, a
context provider by `context.provider`; the kinds are what build the objects.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import TypeAdapter

from sweagent.config import load_config
from sweagent.context.cache import AnswerCache
from sweagent.context.provider_configs import (
    Bm25ContextConfig,
    ContextProviderConfig,
    ProviderParts,
    RelevanceContextConfig,
    build_provider,
)
from sweagent.context.providers import Bm25Provider, RelevanceProvider
from sweagent.context.tokens import ApproximateCounter
from sweagent.models.factory import EndpointModelConfig, ModelSpec, ReplayModelConfig, ScriptedModelConfig
from sweagent.models.scripted import ScriptedModel


def test_a_model_section_is_read_as_the_kind_its_name_says() -> None:
    kinds = TypeAdapter(ModelSpec)
    assert isinstance(kinds.validate_python({"name": "scripted:builtin"}), ScriptedModelConfig)
    assert isinstance(kinds.validate_python({"name": "replay:runs/x"}), ReplayModelConfig)
    assert isinstance(
        kinds.validate_python({"name": "ollama:tag", "base_url": "http://h/v1"}), EndpointModelConfig
    )
    assert isinstance(kinds.validate_python({}), ScriptedModelConfig)
    assert isinstance(kinds.validate_python({"name": "scripted:builtin"}).build(), ScriptedModel)


def test_the_context_section_builds_the_provider_it_names(tmp_path: Path) -> None:
    config = load_config(overrides=["context.provider=bm25", "context.rankings=2"])
    kinds = TypeAdapter(ContextProviderConfig)
    assert isinstance(kinds.validate_python(config.context.model_dump()), Bm25ContextConfig)
    assert isinstance(kinds.validate_python({"provider": "relevance"}), RelevanceContextConfig)
    model = ScriptedModel.from_spec("builtin")
    cache = AnswerCache(tmp_path)
    counter = ApproximateCounter()
    bm25 = build_provider(config.context, ProviderParts(config.models, counter, model, model, cache))
    assert isinstance(bm25, Bm25Provider)
    assert bm25.config.rankings == 2
    relevance_config = load_config(overrides=["models.relevance.max_concurrency=3"])
    parts = ProviderParts(relevance_config.models, counter, model, model, cache)
    relevance = build_provider(relevance_config.context, parts)
    assert isinstance(relevance, RelevanceProvider)
    assert relevance.concurrency == 3

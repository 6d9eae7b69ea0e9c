"""The context-provider configs that build their providers, told apart by `context.provider`.

`ContextConfig` (in `sweagent.config`) is what users write; `ContextProviderConfig` is that section
read as the provider it names. The kinds live here rather than in `sweagent.config` because a
provider needs the context package, which the config layer never imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field, TypeAdapter

from sweagent.config import ContextConfig, ModelsConfig
from sweagent.context.cache import AnswerCache
from sweagent.context.providers import Bm25Provider, ContextProvider, RelevanceProvider
from sweagent.context.tokens import TokenCounter
from sweagent.models.protocol import Model

__all__ = [
    "Bm25ContextConfig",
    "ContextProviderConfig",
    "ProviderParts",
    "RelevanceContextConfig",
    "build_provider",
]


@dataclass(frozen=True)
class ProviderParts:
    """What a provider is built from besides its own section."""

    models: ModelsConfig
    """The run's models: their windows and concurrency bound the relevance scan."""
    counter: TokenCounter
    primary: Model
    relevance: Model
    cache: AnswerCache


class Bm25ContextConfig(ContextConfig):
    """`provider: bm25`: lexical retrieval, no model."""

    provider: Literal["bm25"] = "bm25"

    def build(self, parts: ProviderParts) -> ContextProvider:
        """Files ranked by BM25 against the issue; the models and the cache are not used."""
        return Bm25Provider(self, parts.counter)


class RelevanceContextConfig(ContextConfig):
    """`provider: relevance`: the relevance model judges each file, the primary model ranks them."""

    provider: Literal["relevance"] = "relevance"

    def build(self, parts: ProviderParts) -> ContextProvider:
        """The relevance scan, as wide as the relevance endpoints allow, within both models' windows."""
        relevance = parts.models.relevance
        endpoints = 1 + len(relevance.extra_base_urls)
        return RelevanceProvider(
            self,
            parts.counter,
            relevance=parts.relevance,
            primary=parts.primary,
            concurrency=relevance.max_concurrency * endpoints,
            cache=parts.cache,
            relevance_window=relevance.context_window,
            relevance_reply=relevance.max_tokens,
            ranking_limit=_ranking_limit(parts.models),
        )


def _ranking_limit(models: ModelsConfig) -> int | None:
    """The ranking prompt's room in the primary window: less the reply and a 5% margin."""
    primary = models.primary
    if primary.context_window is None:
        return None
    return primary.context_window - primary.max_tokens - primary.context_window // 20


ContextProviderConfig = Annotated[Bm25ContextConfig | RelevanceContextConfig, Field(discriminator="provider")]
"""The `context` section read as the provider it names; each builds its provider."""

_KINDS: TypeAdapter[Bm25ContextConfig | RelevanceContextConfig] = TypeAdapter(ContextProviderConfig)


def build_provider(section: ContextConfig, parts: ProviderParts) -> ContextProvider:
    """The provider `context.provider` names."""
    return _KINDS.validate_python(section.model_dump()).build(parts)

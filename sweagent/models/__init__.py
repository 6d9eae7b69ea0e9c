"""Models: the `Model` protocol, the OpenAI-compatible client, and the scripted and replay test models.

`OpenAICompatModel` is imported on first use: the `openai` package takes most of a second to import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sweagent.models.factory import build_model
from sweagent.models.prompt_layout import SharedPrompt, layout_messages, shared_prefix_fraction
from sweagent.models.protocol import Message, Model, ModelRequest, ModelResponse, Purpose
from sweagent.models.replay import ReplayModel
from sweagent.models.retry import Backoff
from sweagent.models.scripted import ScriptedModel
from sweagent.models.usage import Budget, MeteredModel, UsageLedger

if TYPE_CHECKING:
    from sweagent.models.openai_compat import OpenAICompatModel

__all__ = [
    "Backoff",
    "Budget",
    "Message",
    "MeteredModel",
    "Model",
    "ModelRequest",
    "ModelResponse",
    "OpenAICompatModel",
    "Purpose",
    "ReplayModel",
    "ScriptedModel",
    "SharedPrompt",
    "UsageLedger",
    "build_model",
    "layout_messages",
    "shared_prefix_fraction",
]


def __getattr__(name: str) -> object:
    if name == "OpenAICompatModel":
        from sweagent.models.openai_compat import OpenAICompatModel

        return OpenAICompatModel
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)

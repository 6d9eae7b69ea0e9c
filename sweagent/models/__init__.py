"""Models: the `Model` protocol, the OpenAI-compatible client, and the scripted and replay test models."""

from sweagent.models.openai_compat import OpenAICompatModel
from sweagent.models.protocol import Message, Model, ModelRequest, ModelResponse, Purpose
from sweagent.models.retry import Backoff
from sweagent.models.scripted import ScriptedModel

__all__ = [
    "Backoff",
    "Message",
    "Model",
    "ModelRequest",
    "ModelResponse",
    "OpenAICompatModel",
    "Purpose",
    "ScriptedModel",
]

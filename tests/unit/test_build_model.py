"""`build_model` picks the model by the name's prefix; the package's public surface is guarded."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import sweagent.models
from sweagent.config import ModelConfig
from sweagent.errors import ConfigError, ReplayNotFound
from sweagent.models import (
    MeteredModel,
    Model,
    ModelRequest,
    OpenAICompatModel,
    Purpose,
    ReplayModel,
    ScriptedModel,
    UsageLedger,
    build_model,
)


def test_public_names_resolve() -> None:
    for name in sweagent.models.__all__:
        assert getattr(sweagent.models, name) is not None
    assert sweagent.models.OpenAICompatModel is OpenAICompatModel


def test_scripted_and_replay_prefixes(tmp_path: Path) -> None:
    assert isinstance(build_model(ModelConfig(name="scripted:builtin")), ScriptedModel)
    assert isinstance(build_model(ModelConfig(name=f"replay:{tmp_path}")), ReplayModel)
    with pytest.raises(ReplayNotFound, match="does not exist"):
        build_model(ModelConfig(name=f"replay:{tmp_path / 'missing'}"))
    with pytest.raises(ConfigError, match="say what follows `scripted:`"):
        build_model(ModelConfig(name="scripted:"))


def test_endpoint_models_need_a_base_url() -> None:
    with pytest.raises(ConfigError, match="needs a base_url"):
        build_model(ModelConfig(name="Qwen/Qwen2.5-Coder-32B-Instruct"))


def test_endpoint_model_takes_every_url_and_a_default_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SWEAGENT_TEST_KEY", raising=False)
    config = ModelConfig(
        name="ollama:tag",
        base_url="http://127.0.0.1:9/v1",
        extra_base_urls=["http://127.0.0.1:10/v1"],
        api_key_env="SWEAGENT_TEST_KEY",
    )
    model = build_model(config)
    assert isinstance(model, OpenAICompatModel)
    assert [e.base_url for e in model.endpoints] == ["http://127.0.0.1:9/v1", "http://127.0.0.1:10/v1"]
    assert model.endpoints[0].transport.client.api_key == "EMPTY"  # type: ignore[attr-defined]
    asyncio.run(model.close())


def test_a_ledger_meters_the_built_model() -> None:
    ledger = UsageLedger()
    model = build_model(ModelConfig(name="scripted:builtin"), ledger)
    assert isinstance(model, MeteredModel)
    assert isinstance(model, Model)
    request = ModelRequest(messages=({"role": "user", "content": "f"},), purpose=Purpose(stage="relevance"))
    asyncio.run(model.complete(request))
    assert ledger.by_stage()["relevance"].calls == 1


def test_every_models_module_declares_its_public_names() -> None:
    import importlib
    import pkgutil

    for info in pkgutil.walk_packages(sweagent.models.__path__, "sweagent.models."):
        module = importlib.import_module(info.name)
        assert hasattr(module, "__all__"), info.name
        for name in module.__all__:
            assert hasattr(module, name), f"{info.name}.{name}"

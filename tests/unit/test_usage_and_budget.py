"""Usage per instance and stage, prices (unpriced costs 0), usage.json, and hard budgets."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from sweagent.config import BudgetConfig
from sweagent.errors import BudgetExceeded, StoreError
from sweagent.models import ModelRequest, Purpose, ScriptedModel
from sweagent.models.usage import Budget, MeteredModel, UsageLedger
from sweagent.records import Usage

PRICES = {"big": (2.0, 10.0)}


def request(instance_id: str, stage: str = "editing") -> ModelRequest:
    purpose = Purpose(stage=stage, instance_id=instance_id)
    return ModelRequest(messages=({"role": "user", "content": "x" * 400},), purpose=purpose)


def test_ledger_prices_known_models_and_charges_zero_for_others(tmp_path: Path) -> None:
    ledger = UsageLedger(PRICES)
    used = Usage(prompt_tokens=1_000_000, completion_tokens=100_000, cached_tokens=5, calls=1, seconds=2.0)
    priced = ledger.record(Purpose(stage="editing", instance_id="a"), "big", used)
    assert priced.cost == pytest.approx(3.0)
    ledger.record(Purpose(stage="relevance", instance_id="a", file="f.py"), "small", used)
    ledger.record(Purpose(stage="editing", instance_id="b"), "big", used)
    assert ledger.instance_total("a").calls == 2
    assert ledger.instance_total("a").cost == pytest.approx(3.0)
    assert ledger.total().cost == pytest.approx(6.0)
    assert ledger.by_stage()["editing"].prompt_tokens == 2_000_000

    path = tmp_path / "usage.json"
    ledger.write(path)
    data = json.loads(path.read_text())
    assert data["unpriced_models"] == ["small"]
    assert data["instances"]["a"]["by_stage"]["relevance"]["cost"] == 0.0
    assert data["by_model"]["big"]["calls"] == 2
    assert data["total"]["cached_tokens"] == 15
    again = UsageLedger.read(path, PRICES)
    assert again.to_json() == data


def test_instance_token_budget_stops_that_instance_only() -> None:
    ledger = UsageLedger()
    budget = Budget(BudgetConfig(instance_tokens=250), ledger)
    model = MeteredModel(ScriptedModel.from_outputs(["ok"] * 10), ledger, budget)

    for _ in range(3):  # 101 tokens a call: the third reaches 250
        asyncio.run(model.complete(request("a")))
    with pytest.raises(BudgetExceeded, match="instance tokens budget reached.*no new work for instance a"):
        asyncio.run(model.complete(request("a")))
    assert asyncio.run(model.complete(request("b"))).choices == ("ok",)
    assert "instance tokens" in ledger.stops["a"]
    assert "b" not in ledger.stops
    assert ledger.to_json()["stopped"]["a"] == ledger.stops["a"]


def test_run_cost_budget_stops_every_instance() -> None:
    ledger = UsageLedger({"scripted": (1000.0, 1000.0)})
    budget = Budget(BudgetConfig(run_cost=0.15), ledger)
    model = MeteredModel(ScriptedModel.from_outputs(["ok"] * 10), ledger, budget)
    response = asyncio.run(model.complete(request("a")))
    assert response.usage.cost == pytest.approx(0.101)
    asyncio.run(model.complete(request("b")))
    with pytest.raises(BudgetExceeded, match="run cost"):
        asyncio.run(model.complete(request("c")))
    assert set(ledger.stops) == {"run"}
    assert ledger.total().calls == 2


def test_reading_a_foreign_file_as_usage_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "usage.json"
    path.write_text("[1, 2]")
    with pytest.raises(StoreError, match="not a usage.json document"):
        UsageLedger.read(path)


def test_cached_prompt_tokens_are_priced_separately_and_reported() -> None:
    ledger = UsageLedger({"big": (2.0, 10.0, 0.5), "plain": (2.0, 10.0)})
    used = Usage(prompt_tokens=1_000_000, completion_tokens=0, cached_tokens=800_000, calls=1)
    priced = ledger.record(Purpose(stage="editing", instance_id="a"), "big", used)
    assert priced.cached_cost == pytest.approx(0.4)
    assert priced.cost == pytest.approx(0.2 * 2.0 + 0.4)
    same = ledger.record(Purpose(stage="editing", instance_id="a"), "plain", used)
    assert same.cost == pytest.approx(2.0)  # no cached price: the prompt price
    assert ledger.to_json()["total"]["cached_cost"] == pytest.approx(0.4 + 1.6)

"""Usage and cost per instance and stage, `usage.json`, and hard budgets that stop new work."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sweagent.config import BudgetConfig
from sweagent.errors import BudgetExceeded, StoreError
from sweagent.models.protocol import Model, ModelRequest, ModelResponse, Purpose
from sweagent.records import Usage
from sweagent.store import atomic_write_text, read_json

__all__ = ["RUN", "Budget", "MeteredModel", "Prices", "UsageLedger", "price"]

RUN = "run"
"""The scope name of run-wide budget stops in usage.json."""


Prices = Mapping[str, tuple[float, float] | tuple[float, float, float]]
"""Model name -> USD per million prompt, completion[, cached prompt] tokens."""


def price(usage: Usage, prices: Prices, model: str) -> Usage:
    """`usage` with its cost from the price table (USD per million prompt / completion / cached tokens).

    Cached prompt tokens (served by a prefix cache) are part of `prompt_tokens` and billed at the
    cached price (the prompt price when none is given); `cached_cost` is their share of `cost`.
    An unpriced model costs 0: a missing price is never an error.
    """
    entry = prices.get(model, (0.0, 0.0))
    prompt_price, completion_price = entry[0], entry[1]
    cached_price = entry[2] if len(entry) > 2 else prompt_price
    cached = min(usage.cached_tokens, usage.prompt_tokens)
    cached_cost = cached * cached_price / 1e6
    fresh = (usage.prompt_tokens - cached) * prompt_price + usage.completion_tokens * completion_price
    return usage.model_copy(update={"cost": fresh / 1e6 + cached_cost, "cached_cost": cached_cost})


class UsageLedger:
    """Accumulates priced usage per (instance, stage) and per model; written as usage.json."""

    def __init__(self, prices: Prices | None = None) -> None:
        self.prices = dict(prices or {})
        self.entries: dict[tuple[str, str], Usage] = defaultdict(Usage)
        """(instance_id, stage) -> usage; instance_id is empty for calls outside any instance."""
        self.by_model: dict[str, Usage] = defaultdict(Usage)
        self.stops: dict[str, str] = {}
        """Budget scope (`run` or an instance id) -> why new work stopped there."""

    def record(self, purpose: Purpose, model: str, usage: Usage) -> Usage:
        """Add one call's usage; returns it priced."""
        priced = price(usage, self.prices, model)
        self.entries[(purpose.instance_id, purpose.stage)] += priced
        self.by_model[model] += priced
        return priced

    def total(self) -> Usage:
        # A copy first: the progress display reads the total from another thread while calls add up.
        return sum(list(self.entries.values()), Usage())

    def instance_total(self, instance_id: str) -> Usage:
        return sum((u for (iid, _), u in self.entries.items() if iid == instance_id), Usage())

    def by_stage(self, instance_id: str | None = None) -> dict[str, Usage]:
        """Usage per stage, over the whole run or one instance."""
        stages: dict[str, Usage] = defaultdict(Usage)
        for (iid, stage), usage in self.entries.items():
            if instance_id is None or iid == instance_id:
                stages[stage] += usage
        return dict(stages)

    def to_json(self) -> dict[str, Any]:
        """The usage.json document (stable keys)."""

        def dump(usages: Mapping[str, Usage]) -> dict[str, Any]:
            return {key: usages[key].model_dump() for key in sorted(usages)}

        instances = sorted({iid for iid, _ in self.entries})
        return {
            "total": self.total().model_dump(),
            "by_stage": dump(self.by_stage()),
            "by_model": dump(self.by_model),
            "unpriced_models": sorted(m for m in self.by_model if m not in self.prices),
            "instances": {
                iid: {"total": self.instance_total(iid).model_dump(), "by_stage": dump(self.by_stage(iid))}
                for iid in instances
            },
            "stopped": dict(sorted(self.stops.items())),
        }

    def write(self, path: Path) -> None:
        """Write usage.json atomically."""
        atomic_write_text(path, json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n")

    @classmethod
    def read(cls, path: Path, prices: Prices | None = None) -> UsageLedger:
        """Continue from a usage.json a previous (interrupted) run wrote."""
        data: Any = read_json(path)
        if not isinstance(data, dict):
            msg = f"{path} is not a usage.json document (top level is {type(data).__name__})"
            raise StoreError(msg)
        ledger = cls(prices)
        for iid, entry in data.get("instances", {}).items():
            for stage, usage in entry.get("by_stage", {}).items():
                ledger.entries[(iid, stage)] = Usage.model_validate(usage)
        for model, usage in data.get("by_model", {}).items():
            ledger.by_model[model] = Usage.model_validate(usage)
        ledger.stops.update(data.get("stopped", {}))
        return ledger


class Budget:
    """Hard limits on tokens (prompt + completion) and cost, per instance and per run.

    `check` runs before new work; calls already in flight finish, so a limit can be passed by at
    most the calls running when it was reached.
    """

    def __init__(self, config: BudgetConfig, ledger: UsageLedger) -> None:
        self.config = config
        self.ledger = ledger

    def check(self, instance_id: str = "") -> None:
        """Raise BudgetExceeded (and record why in the ledger) when a limit is reached."""
        config = self.config
        run = self.ledger.total()
        self._limit(RUN, "run tokens", run.prompt_tokens + run.completion_tokens, config.run_tokens)
        self._limit(RUN, "run cost (USD)", run.cost, config.run_cost)
        if instance_id:
            spent = self.ledger.instance_total(instance_id)
            tokens = spent.prompt_tokens + spent.completion_tokens
            self._limit(instance_id, "instance tokens", tokens, config.instance_tokens)
            self._limit(instance_id, "instance cost (USD)", spent.cost, config.instance_cost)

    def _limit(self, scope: str, what: str, spent: float, limit: float | None) -> None:
        if limit is None or spent < limit:
            return
        reason = f"{what} budget reached: {spent:g} of {limit:g}"
        self.ledger.stops.setdefault(scope, reason)
        where = "the run" if scope == RUN else f"instance {scope}"
        msg = f"{reason}; no new work for {where}"
        raise BudgetExceeded(msg)


class MeteredModel:
    """Wraps any Model: checks the budget before each call and records priced usage after."""

    def __init__(self, model: Model, ledger: UsageLedger, budget: Budget | None = None) -> None:
        self.model = model
        self.name = model.name
        self.ledger = ledger
        self.budget = budget

    async def complete(self, request: ModelRequest) -> ModelResponse:
        if self.budget is not None:
            self.budget.check(request.purpose.instance_id)
        response = await self.model.complete(request)
        priced = self.ledger.record(request.purpose, self.name, response.usage)
        return response.model_copy(update={"usage": priced})

    async def close(self) -> None:
        await self.model.close()

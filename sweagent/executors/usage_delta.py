"""What one task spent, as the difference of two ledgers, and adding it to the run's ledger.

A task's ledger starts as a copy of the run's (so its budgets see what was spent before it) and ends
with its own calls added; the driver adds only the difference to the run's ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sweagent.models.usage import UsageLedger
from sweagent.records import Usage

__all__ = ["UsageDelta", "add_delta", "usage_delta"]


@dataclass(frozen=True)
class UsageDelta:
    """Usage added by one task: per (instance, stage), per model, and the budget stops it recorded."""

    entries: dict[tuple[str, str], Usage] = field(default_factory=dict)
    by_model: dict[str, Usage] = field(default_factory=dict)
    stops: dict[str, str] = field(default_factory=dict)


def _minus(after: Usage, before: Usage) -> Usage:
    values = {name: getattr(after, name) - getattr(before, name) for name in Usage.model_fields}
    return Usage.model_validate(values)


def usage_delta(after: UsageLedger, before: UsageLedger) -> UsageDelta:
    """What `after` holds beyond `before` (`after` grew from a copy of `before`)."""
    entries = {
        key: _minus(usage, before.entries.get(key, Usage()))
        for key, usage in after.entries.items()
        if usage != before.entries.get(key, Usage())
    }
    by_model = {
        model: _minus(usage, before.by_model.get(model, Usage()))
        for model, usage in after.by_model.items()
        if usage != before.by_model.get(model, Usage())
    }
    stops = {scope: why for scope, why in after.stops.items() if before.stops.get(scope) != why}
    return UsageDelta(entries, by_model, stops)


def add_delta(ledger: UsageLedger, delta: UsageDelta) -> None:
    """Add a task's usage to the run's ledger."""
    for key, usage in delta.entries.items():
        ledger.entries[key] += usage
    for model, usage in delta.by_model.items():
        ledger.by_model[model] += usage
    ledger.stops.update(delta.stops)

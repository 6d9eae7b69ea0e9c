"""`sweagent run --stages context`: the body of the command, as a plain function the CLI calls."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sweagent.config import ModelConfig, RunConfig, load_config
from sweagent.context.stage import ContextOutcome, run_context_stage
from sweagent.datasets.loading import load_dataset
from sweagent.datasets.repos import RepoSources
from sweagent.models.factory import build_model
from sweagent.models.usage import Budget, UsageLedger
from sweagent.store import CONFIG_FILE, USAGE_FILE, atomic_write_text

__all__ = ["context_command", "outcome_table"]


def _resolve_config(
    config_files: Sequence[Path],
    overrides: Sequence[str],
    model: str | None,
    base_url: str | None,
    relevance_model: str | None,
    relevance_base_url: str | None,
) -> RunConfig:
    shortcuts = [f"models.primary.name={model}"] * bool(model)
    shortcuts += [f"models.primary.base_url={base_url}"] * bool(base_url)
    shortcuts += [f"models.relevance.name={relevance_model}"] * bool(relevance_model)
    shortcuts += [f"models.relevance.base_url={relevance_base_url}"] * bool(relevance_base_url)
    config = load_config(config_files, [*overrides, *shortcuts])
    if config.models.relevance == ModelConfig():
        # Nothing says which relevance model to use: the primary model judges relevance too.
        config.models.relevance = config.models.primary.model_copy()
    return config


def outcome_table(outcomes: dict[str, ContextOutcome]) -> Table:
    table = Table(title="context stage")
    for column in ("instance", "status", "files", "tokens", "recall", "calls", "detail"):
        table.add_column(column)
    for iid in sorted(outcomes):
        o = outcomes[iid]
        shown_recall = "-" if o.recall is None else f"{o.recall:.2f}"
        table.add_row(iid, o.status, str(o.files), str(o.tokens), shown_recall, str(o.calls), o.detail)
    return table


def context_command(
    dataset: str,
    run_dir: Path | None,
    model: str | None = None,
    *,
    base_url: str | None = None,
    relevance_model: str | None = None,
    relevance_base_url: str | None = None,
    instances: Sequence[str] | None = None,
    filter_: str | None = None,
    config_files: Sequence[Path] = (),
    overrides: Sequence[str] = (),
    sources: RepoSources | None = None,
    console: Console | None = None,
) -> int:
    """Run the context stage over a dataset; 0 when every instance has a context.json, 1 otherwise.

    Bad input (config, dataset, unknown instance) raises a `SweAgentError` leaf: the CLI makes it exit 2.
    When no relevance model is configured, the primary model (`--model`) judges relevance too.
    """
    config = _resolve_config(config_files, overrides, model, base_url, relevance_model, relevance_base_url)
    loaded = load_dataset(dataset, instances=list(instances) if instances else None, filter=filter_)
    run_dir = run_dir or Path("runs") / time.strftime("context-%Y%m%d-%H%M%S")
    run_dir.mkdir(parents=True, exist_ok=True)
    config_path = run_dir / CONFIG_FILE
    if not config_path.exists():
        atomic_write_text(config_path, config.to_yaml())
    usage_path = run_dir / USAGE_FILE
    ledger = (
        UsageLedger.read(usage_path, config.models.prices)
        if usage_path.exists()
        else UsageLedger(config.models.prices)
    )
    budget = Budget(config.budget, ledger)

    async def run() -> dict[str, ContextOutcome]:
        primary = build_model(config.models.primary, ledger, budget)
        relevance = build_model(config.models.relevance, ledger, budget)
        try:
            return await run_context_stage(
                loaded.instances,
                run_dir=run_dir,
                config=config,
                primary=primary,
                relevance=relevance,
                sources=sources,
            )
        finally:
            await primary.close()
            await relevance.close()

    outcomes = asyncio.run(run())
    ledger.write(usage_path)
    out = console or Console(stderr=True)
    for problem in loaded.problems:
        out.print(f"[yellow]skipped record:[/yellow] {problem}", highlight=False)
    out.print(outcome_table(outcomes))
    out.print(f"run directory: {run_dir}", highlight=False)
    return 1 if any(o.status == "error" for o in outcomes.values()) else 0

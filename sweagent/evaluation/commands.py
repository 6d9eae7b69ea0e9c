"""The bodies of `sweagent evaluate` and `sweagent validate`, as plain functions the CLI calls."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from sweagent.datasets.loading import load_dataset
from sweagent.datasets.predictions import Prediction, read_predictions
from sweagent.environment.build import ImageRequest
from sweagent.errors import DatasetError, StoreError
from sweagent.evaluation.options import GradingOptions
from sweagent.evaluation.provider import Environment
from sweagent.evaluation.results import build_results, results_table, write_results
from sweagent.evaluation.runner import evaluate_in, prepare_environment
from sweagent.patches import candidate_id as patch_candidate_id
from sweagent.records import EvalResult, Instance
from sweagent.run_lock import holds_run_directory
from sweagent.store import PREDICTIONS_FILE, VALIDATION_FILE, RunStore, atomic_write_text, eval_artifact

__all__ = ["evaluate_command", "new_run_dir", "validate_command"]

_BROKEN = frozenset({"env_failed", "error"})
_GRADED = frozenset({"resolved", "unresolved", "patch_failed", "unsupported"})


def new_run_dir(runs_root: Path, kind: str) -> Path:
    """A new, empty folder `runs_root/<kind>-<UTC time>-<random>`."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = runs_root / f"{kind}-{stamp}-{secrets.token_hex(2)}"
    path.mkdir(parents=True)
    return path


@holds_run_directory("sweagent evaluate")
def evaluate_command(
    predictions: Path | None,
    dataset: str | None,
    run_dir: Path | None,
    instances: Sequence[str] | None = None,
    *,
    options: GradingOptions | None = None,
) -> int:
    """Grade every prediction; write `<run-dir>/results.json`. Exit code: 1 if an instance broke, else 0.

    Environments come from `options.provider`, by default the `environment` config's providers."""
    options = options or GradingOptions()
    console = options.console
    if predictions is None:
        if run_dir is None:
            msg = "give a run directory or --predictions"
            raise DatasetError(msg)
        predictions = run_dir / PREDICTIONS_FILE
    if dataset is None:
        msg = "give --dataset: the instances' tests and test patches come from it"
        raise DatasetError(msg)
    chosen = _match(read_predictions(predictions), dataset, instances, options.filter, console)
    run_dir = run_dir or new_run_dir(options.runs_root, "evaluate")
    store = RunStore(run_dir)
    provider, sources = options.images(), options.sources()
    results: list[EvalResult] = []
    with options.engine() as engine:
        for number, (instance, prediction) in enumerate(chosen, start=1):
            started = time.monotonic()
            candidate_id = patch_candidate_id(prediction.model_patch)
            result = _stored(store, instance.instance_id, candidate_id)
            if result is None:
                request = ImageRequest(instance, engine, _progress(console), sources)
                result = evaluate_in(
                    prepare_environment(provider, request),
                    instance,
                    prediction.model_patch,
                    candidate_id=candidate_id,
                    client=engine,
                    store=store,
                    timeout=options.timeout,
                    network=options.network,
                )
            results.append(result)
            _report(console, number, len(chosen), result, time.monotonic() - started)
    summary = build_results(results)
    path = write_results(run_dir, summary)
    console.print(results_table(summary))
    resolved, evaluated = summary.summary.resolved, summary.summary.evaluated
    options.out.print(f"resolved {resolved}/{evaluated}; results in {path}")
    return 1 if any(r.status in _BROKEN for r in results) else 0


def validate_command(
    dataset: str,
    instances: Sequence[str] | None = None,
    *,
    run_dir: Path | None = None,
    options: GradingOptions | None = None,
) -> int:
    """Gold patches must resolve and empty ones must not; exit 0 when that holds for every instance."""
    options = options or GradingOptions()
    console = options.console
    loaded = load_dataset(dataset, instances=instances, filter=options.filter)
    for problem in loaded.problems:
        console.print(f"[yellow]skipped:[/yellow] {problem}", highlight=False)
    run_dir = run_dir or new_run_dir(options.runs_root, "validate")
    store = RunStore(run_dir)
    provider, sources = options.images(), options.sources()
    pairs: list[tuple[EvalResult, EvalResult]] = []
    with options.engine() as engine:
        for number, instance in enumerate(loaded.instances, start=1):
            started = time.monotonic()
            prepared = prepare_environment(
                provider, ImageRequest(instance, engine, _progress(console), sources)
            )
            gold_environment = prepared
            if not (instance.patch or "").strip() and isinstance(prepared, Environment):
                gold_environment = ("error", "the dataset gives no gold patch for this instance")
            gold, empty = (
                evaluate_in(setting, instance, patch, candidate_id=name, client=engine, store=store,
                            timeout=options.timeout, network=options.network)
                for name, patch, setting in (
                    ("gold", instance.patch or "", gold_environment), ("empty", "", prepared)
                )
            )  # fmt: skip
            pairs.append((gold, empty))
            _report(console, number, len(loaded.instances), gold, time.monotonic() - started, empty)
    supported = [(gold, empty) for gold, empty in pairs if gold.status != "unsupported"]
    total = len(supported)
    gold_ok = sum(gold.status == "resolved" for gold, _ in supported)
    empty_ok = sum(empty.status == "resolved" for _, empty in supported)
    _write_validation(run_dir, pairs)
    console.print(f"logs in {run_dir}", highlight=False)
    console.print(_validation_table(pairs))
    if unsupported := len(pairs) - total:
        console.print(f"{unsupported} instance(s) unsupported, not counted", highlight=False)
    if approximate := sum(_approximate(gold) for gold, _ in supported):
        console.print(
            f"[yellow]{approximate} instance(s) in approximate environments[/yellow] (another Python than "
            "the spec's): their grades may differ from the official harness's",
            highlight=False,
        )
    options.out.print(f"gold resolved {gold_ok}/{total}, empty resolved {empty_ok}/{total}")
    if total == 0:
        console.print("[red]no instance could be validated[/red]")
        return 1
    return 0 if gold_ok == total and empty_ok == 0 else 1


def _match(
    predictions: list[Prediction],
    dataset: str,
    instances: Sequence[str] | None,
    filter: str | None,
    console: Console,
) -> list[tuple[Instance, Prediction]]:
    loaded = load_dataset(dataset, filter=filter)
    by_id = {instance.instance_id: instance for instance in loaded.instances}
    wanted = set(instances) if instances else None
    chosen: dict[str, tuple[Instance, Prediction]] = {}
    for prediction in predictions:
        iid = prediction.instance_id
        if wanted is not None and iid not in wanted:
            continue
        if iid in chosen:
            console.print(f"[yellow]skipped:[/yellow] a second prediction for {iid}", highlight=False)
        elif iid not in by_id:
            console.print(f"[yellow]skipped:[/yellow] {iid} is not in dataset {dataset}", highlight=False)
        else:
            chosen[iid] = (by_id[iid], prediction)
    if not chosen:
        msg = f"no prediction matches an instance of dataset {dataset}"
        raise DatasetError(msg)
    return list(chosen.values())


def _stored(store: RunStore, instance_id: str, candidate_id: str) -> EvalResult | None:
    """A graded result saved by an earlier run, so an interrupted evaluation continues where it stopped.

    Environment failures, errors and timeouts are tried again: they may not happen twice."""
    artifact = eval_artifact(candidate_id)
    if not store.done(instance_id, artifact):
        return None
    try:
        result = store.read(instance_id, artifact, EvalResult)
    except StoreError:
        return None
    return result if result.status in _GRADED else None


def _progress(console: Console) -> Callable[[str], None]:
    return lambda message: console.print(f"  {message}", highlight=False)


def _report(
    console: Console,
    number: int,
    total: int,
    result: EvalResult,
    seconds: float,
    empty: EvalResult | None = None,
) -> None:
    what = f"gold {result.status}, empty {empty.status}" if empty else result.status
    console.print(f"[{number}/{total}] {result.instance_id}: {what} ({seconds:.1f}s)", highlight=False)


def _approximate(result: EvalResult) -> bool:
    return result.environment is not None and result.environment.approximate


def _environment(gold: EvalResult, empty: EvalResult) -> dict[str, object] | None:
    info = gold.environment or empty.environment
    return info.model_dump(mode="json") if info is not None else None


def _write_validation(run_dir: Path, pairs: list[tuple[EvalResult, EvalResult]]) -> None:
    data = {
        gold.instance_id: {
            "gold": gold.status,
            "empty": empty.status,
            "detail": gold.detail or empty.detail,
            "approximate": _approximate(gold) or _approximate(empty),
            "environment": _environment(gold, empty),
        }
        for gold, empty in pairs
    }
    atomic_write_text(run_dir / VALIDATION_FILE, json.dumps({"instances": data}, indent=2) + "\n")


def _validation_table(pairs: list[tuple[EvalResult, EvalResult]]) -> Table:
    table = Table(title="validation: gold must resolve, empty must not")
    for column in ("instance", "gold", "empty", "ok", "detail"):
        table.add_column(column, overflow="fold")
    for gold, empty in pairs:
        if gold.status == "unsupported":
            verdict = "[dim]skipped[/dim]"
        elif gold.status == "resolved" and empty.status != "resolved":
            verdict = "[green]yes[/green]"
        else:
            verdict = "[red]no[/red]"
        detail = gold.detail if gold.status != "resolved" else empty.detail
        if _approximate(gold):
            verdict += " [yellow](approximate env)[/yellow]"
        table.add_row(gold.instance_id, gold.status, empty.status, verdict, detail[:120])
    return table

"""`sweagent run`: the stages in order over a dataset, into one run directory that can be resumed.

Stages: `context` (files for the prompt), `generate` (testing and editing trajectories, candidates).
Each stage writes one artifact per instance and skips instances whose artifact exists, so running
the same command again continues an interrupted run. An instance that fails a stage is recorded
and left out of the later stages; the run goes on and exits 1 at the end.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict
from rich.console import Console

from sweagent.config import RunConfig, load_config
from sweagent.datasets import load_dataset
from sweagent.datasets.repos import remembered_sources
from sweagent.errors import ConfigError, InfrastructureUnavailable
from sweagent.logs import run_log
from sweagent.models.usage import UsageLedger
from sweagent.records import Instance, content_id
from sweagent.run_lock import hold_run_directory
from sweagent.stages import BUILT_STAGES, STAGES, run_stages
from sweagent.store import CONFIG_FILE, USAGE_FILE, atomic_write_text

__all__ = ["BUILT_STAGES", "STAGES", "RunRequest", "parse_stages", "resolve_config", "run_command"]

logger = logging.getLogger(__name__)


class RunRequest(BaseModel):
    """What `sweagent run` was asked to do."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    dataset: str
    instances: tuple[str, ...] = ()
    filter: str | None = None
    config_files: tuple[Path, ...] = ()
    overrides: tuple[str, ...] = ()
    model: str | None = None
    base_url: str | None = None
    samples: int | None = None
    iterations: int | None = None
    run_dir: Path | None = None
    stages: str | None = None
    repos_dir: Path | None = None
    strict: bool = False
    force: bool = False
    """Accept a config that differs from the one an existing run directory was started with."""


def parse_stages(text: str | None) -> tuple[str, ...]:
    """The stages named in `a,b` (all built ones when None), in pipeline order; ConfigError otherwise."""
    if text is None:
        return BUILT_STAGES
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in STAGES]
    if unknown or not names:
        msg = f"unknown stage(s) {', '.join(unknown) or '(none given)'}; stages are {', '.join(STAGES)}"
        raise ConfigError(msg)
    unbuilt = [name for name in names if name not in BUILT_STAGES]
    if unbuilt:
        built = ", ".join(BUILT_STAGES)
        msg = f"stage(s) {', '.join(unbuilt)} are not built yet in this version; built: {built}"
        raise ConfigError(msg)
    return tuple(name for name in STAGES if name in names)


def resolve_config(request: RunRequest) -> RunConfig:
    """Defaults <- YAML files <- `-o` overrides <- the shortcut options."""
    return config_with_shortcuts(
        request.config_files,
        request.overrides,
        model=request.model,
        base_url=request.base_url,
        samples=request.samples,
        iterations=request.iterations,
    )


def config_with_shortcuts(
    config_files: Sequence[Path],
    overrides: Sequence[str],
    *,
    model: str | None = None,
    base_url: str | None = None,
    samples: int | None = None,
    iterations: int | None = None,
    texts: Mapping[str, str | None] | None = None,
) -> RunConfig:
    """The config with the command line's shortcut options applied last.

    `--model` (and `--base-url`) name the relevance model too unless a file or `-o` names one.
    Text values (model names, `texts`) stay strings even when they read as YAML of another type or
    hold quotes.
    """
    strings: dict[str, str | None] = {"models.primary.name": model, "models.primary.base_url": base_url}
    relevance = load_config(config_files, overrides).models.relevance
    if model is not None and "name" not in relevance.model_fields_set:
        strings["models.relevance.name"] = model
        if "base_url" not in relevance.model_fields_set:
            strings["models.relevance.base_url"] = base_url
    strings.update(texts or {})
    numbers = {"generation.samples": samples, "generation.iterations": iterations}
    shortcuts = [f"{key}={_yaml_string(value)}" for key, value in strings.items() if value is not None]
    shortcuts += [f"{key}={value}" for key, value in numbers.items() if value is not None]
    return load_config(config_files, [*overrides, *shortcuts])


def _yaml_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def default_run_dir(dataset: str, root: Path = Path("runs")) -> Path:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(dataset).stem if "/" in dataset else dataset).strip("-")
    return root / f"{time.strftime('%Y%m%d-%H%M%S')}-{slug or 'run'}"


def check_resumable(run_dir: Path, config: RunConfig, *, force: bool = False) -> None:
    """Refuse to continue a run directory with a different config, naming the keys, unless `force`."""
    stored_path = run_dir / CONFIG_FILE
    if force or not stored_path.is_file():
        return
    try:
        stored = yaml.safe_load(stored_path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        msg = f"cannot read the config of the existing run {stored_path}: {err}; use --force to overwrite it"
        raise ConfigError(msg) from err
    before, now = _flatten(stored), _flatten(config.model_dump(mode="json"))
    # A key added to the config after the run started (say `environment.*`) counts only when set.
    defaults = _flatten(RunConfig().model_dump(mode="json"))
    before.update({key: defaults[key] for key in now.keys() - before.keys() if key in defaults})
    differing = sorted(key for key in before.keys() | now.keys() if before.get(key) != now.get(key))
    if differing:
        more = f" and {len(differing) - 10} more" if len(differing) > 10 else ""
        msg = (
            f"{run_dir} was started with a different config ({', '.join(differing[:10])}{more}); "
            "use the same options, or --force"
        )
        raise ConfigError(msg)


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(data, dict):
        return {prefix: data}
    flat: dict[str, Any] = {}
    for key, value in data.items():
        flat.update(_flatten(value, f"{prefix}{key}."))
    return {key.rstrip("."): value for key, value in flat.items()}


@contextmanager
def claimed_run(run_dir: Path, console: Console) -> Iterator[None]:
    """Label the sandboxes made inside the block with the run, after removing those a killed run left."""
    from sandbox.engine import RUN_ENV, connect, remove_run_containers
    from sandbox.errors import EngineUnavailable

    run_id = f"run-{content_id(str(run_dir.resolve()))}"
    try:
        client = connect(timeout=30)
    except EngineUnavailable:
        pass  # nothing can be left over where no engine runs; the stages say what they need
    else:
        try:
            removed = remove_run_containers(client, run_id)
        finally:
            client.close()
        if removed:
            console.print(f"removed {len(removed)} container(s) an interrupted run of {run_dir} left behind")
    previous = os.environ.get(RUN_ENV)
    os.environ[RUN_ENV] = run_id
    try:
        yield
    finally:
        _remove_own_containers(run_id)
        if previous is None:
            os.environ.pop(RUN_ENV, None)
        else:
            os.environ[RUN_ENV] = previous


def _remove_own_containers(run_id: str) -> None:
    """Remove what the run still has (an interrupt leaves in-flight sandboxes); best effort."""
    from sandbox.engine import connect, remove_run_containers
    from sandbox.errors import EngineUnavailable

    try:
        client = connect(timeout=30)
    except EngineUnavailable:
        return
    try:
        removed = remove_run_containers(client, run_id)
    except Exception as err:  # noqa: BLE001 - the engine went away: `sweagent cleanup` removes them later
        logger.warning("could not remove the run's containers: %s", err)
    else:
        if removed:
            logger.info("removed %d container(s) of the run on exit", len(removed))
    finally:
        client.close()


def run_command(request: RunRequest, console: Console | None = None) -> int:
    """Run the requested stages; 0 when every instance went through, 1 when some failed."""
    console = console or Console(stderr=True, soft_wrap=True)
    stages = parse_stages(request.stages)
    config = resolve_config(request)
    loaded = load_dataset(
        request.dataset,
        instances=list(request.instances) or None,
        filter=request.filter,
        strict=request.strict,
    )
    for problem in loaded.problems:
        console.print(f"[yellow]skipped record:[/yellow] {problem}", highlight=False)
    if not loaded.instances:
        msg = f"dataset {request.dataset!r} selects no instance"
        raise ConfigError(msg)
    run_dir = request.run_dir or default_run_dir(request.dataset)
    with hold_run_directory(run_dir, "sweagent run"):
        return _run_in(run_dir, request, config, stages, loaded.instances, console)


def _run_in(
    run_dir: Path,
    request: RunRequest,
    config: RunConfig,
    stages: tuple[str, ...],
    instances: Sequence[Instance],
    console: Console,
) -> int:
    check_resumable(run_dir, config, force=request.force)
    atomic_write_text(run_dir / CONFIG_FILE, config.to_yaml())
    console.print(f"run directory: {run_dir}  stages: {', '.join(stages)}  instances: {len(instances)}")
    usage_path = run_dir / USAGE_FILE
    # A continued run adds to what the interrupted one spent.
    ledger = (
        UsageLedger.read(usage_path, config.models.prices)
        if usage_path.is_file()
        else UsageLedger(config.models.prices)
    )
    sources = remembered_sources(run_dir, request.repos_dir)
    try:
        with run_log(run_dir) as log_path, claimed_run(run_dir, console):
            logger.info("run %s: stages %s, %d instance(s)", run_dir, ",".join(stages), len(instances))
            try:
                failures = asyncio.run(
                    run_stages(stages, instances, run_dir, config, ledger, sources, console)
                )
            except InfrastructureUnavailable as err:
                logger.info("run stopped: %s", err)
                console.print(
                    f"the run stopped early; {run_dir} keeps what was done (log: {log_path}); "
                    "run the same command again to continue",
                    highlight=False,
                )
                raise
    finally:
        ledger.write(run_dir / USAGE_FILE)
    from sweagent.reporting import write_report

    written = write_report(run_dir, html=True)
    console.print(f"report: {', '.join(str(p) for p in written if p.suffix in ('.md', '.html'))}")
    return 1 if failures else 0

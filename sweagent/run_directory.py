"""The run directory `run` and `solve` write into: its default name, the config it was started with,
its one writer, its usage ledger and `run.log`, and the sandboxes labelled with it."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sweagent.config import RunConfig
from sweagent.errors import ConfigError
from sweagent.logs import run_log
from sweagent.models.usage import UsageLedger
from sweagent.records import content_id
from sweagent.run_lock import hold_run_directory
from sweagent.store import CONFIG_FILE, USAGE_FILE, atomic_write_text

__all__ = ["StartedRun", "check_resumable", "claimed_run", "default_run_dir", "started_run"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StartedRun:
    """What the block of `started_run` works with."""

    ledger: UsageLedger
    """Usage so far; a continued run adds to what the interrupted one spent."""
    log: Path
    """The run's `run.log`."""


@contextmanager
def started_run(
    run_dir: Path, config: RunConfig, *, holder: str, force: bool = False
) -> Iterator[StartedRun]:
    """Hold `run_dir` for `holder`, refuse a changed config (unless `force`), write `config.yaml`,
    log to `run.log` and label the sandboxes inside the block; `usage.json` is written on the way out."""
    with hold_run_directory(run_dir, holder):
        check_resumable(run_dir, config, force=force)
        atomic_write_text(run_dir / CONFIG_FILE, config.to_yaml())
        usage = run_dir / USAGE_FILE
        prices = config.models.prices
        ledger = UsageLedger.read(usage, prices) if usage.is_file() else UsageLedger(prices)
        try:
            with run_log(run_dir) as log, claimed_run(run_dir):
                yield StartedRun(ledger, log)
        finally:
            ledger.write(usage)


def default_run_dir(name: str, root: Path = Path("runs")) -> Path:
    """`runs/<date>-<time>-<name>`, the name a slug of a dataset file's stem or of `name` itself."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", Path(name).stem if "/" in name else name).strip("-")
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
    differing = sorted(
        key
        for key in before.keys() | now.keys()
        if before.get(key) != now.get(key) and not key.startswith(_WHERE_IT_RUNS)
    )
    if differing:
        more = f" and {len(differing) - 10} more" if len(differing) > 10 else ""
        msg = (
            f"{run_dir} was started with a different config ({', '.join(differing[:10])}{more}); "
            "use the same options, or --force"
        )
        raise ConfigError(msg)


_WHERE_IT_RUNS = ("executor", "ray.")
"""Keys that choose where instances run, not what they compute: a run may continue under another."""


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(data, dict):
        return {prefix: data}
    flat: dict[str, Any] = {}
    for key, value in data.items():
        flat.update(_flatten(value, f"{prefix}{key}."))
    return {key.rstrip("."): value for key, value in flat.items()}


@contextmanager
def claimed_run(run_dir: Path) -> Iterator[None]:
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
            logger.warning(
                "removed %d container(s) an interrupted run of %s left behind", len(removed), run_dir
            )
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

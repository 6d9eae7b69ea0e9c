"""When each instance's stages ran: `<run_dir>/<instance>/stages.jsonl`, one line per stage run.

Each line is `{"stage", "started", "finished", "status"}` with Unix times in seconds; a resumed run
appends its own lines (a stage it skipped shows as `skipped`), so the file tells every run's story.
It is written from the run's progress events, in either run order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sweagent.progress import RunProgress
from sweagent.progress.model import ProgressEvent, ProgressSnapshot
from sweagent.records import Record
from sweagent.store import RunStore

__all__ = ["STAGE_TIMES_FILE", "StageTime", "read_stage_times", "record_stage_times"]

STAGE_TIMES_FILE = "stages.jsonl"
"""Each instance's record of when its stages started and finished."""

logger = logging.getLogger(__name__)


class StageTime(Record):
    """One stage of one instance, as it ran."""

    stage: str
    started: float
    finished: float
    status: str


def record_stage_times(
    progress: RunProgress, run_dir: Path, clock: Callable[[], float] = time.time
) -> Callable[[], None]:
    """Append each finished stage of each instance to its `stages.jsonl`; returns the unsubscriber."""
    store = RunStore(run_dir)
    started: dict[tuple[str, str], float] = {}
    lock = threading.Lock()

    def listen(event: ProgressEvent, snapshot: ProgressSnapshot) -> None:
        key = (event.instance_id, event.stage)
        if event.kind == "stage_started":
            with lock:
                started[key] = clock()
        elif event.kind == "stage_finished":
            with lock:
                began = started.pop(key, None)
            if began is not None:
                line = StageTime(stage=event.stage, started=began, finished=clock(), status=event.status)
                _append(store.instance_dir(event.instance_id) / STAGE_TIMES_FILE, line)

    return progress.subscribe(listen)


def _append(path: Path, line: StageTime) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(line.model_dump_json() + "\n")
    except OSError as err:  # a record of timings must never stop the run
        logger.warning("cannot record stage times in %s: %s", path, err)


def read_stage_times(run_dir: Path, instance_id: str) -> list[StageTime]:
    """The stage times recorded for an instance, oldest first (a line cut short is left out)."""
    path = RunStore(run_dir).instance_dir(instance_id) / STAGE_TIMES_FILE
    if not path.is_file():
        return []
    times = []
    for text in path.read_text(encoding="utf-8").splitlines():
        try:
            times.append(StageTime.model_validate_json(text))
        except ValueError:
            continue
    return times

"""Each instance's log records also go to `<run_dir>/<instance_id>/instance.log`: the records made
inside its `instance_scope`, in concurrent tasks and in the threads they start, and no others."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from sweagent.logs import INSTANCE_LOG, RUN_LOG, current_instance, instance_scope, run_log
from sweagent.progress import RunProgress

logger = logging.getLogger("sweagent.tests.instance_log")


def test_records_inside_a_scope_go_to_that_instance_and_to_run_log(tmp_path: Path) -> None:
    with run_log(tmp_path):
        logger.info("before any instance")
        with instance_scope("owner/repo-1"):
            logger.info("checking out")
            logger.debug("below INFO: not kept")
        logger.info("after it")
    instance_log = (tmp_path / "owner_repo-1" / INSTANCE_LOG).read_text()
    assert "INFO sweagent.tests.instance_log: checking out" in instance_log
    assert "before any instance" not in instance_log
    assert "after it" not in instance_log
    assert "below INFO" not in instance_log
    run = (tmp_path / RUN_LOG).read_text()
    assert "before any instance" in run
    assert "checking out" in run
    assert current_instance() is None


def test_concurrent_tasks_and_their_threads_log_to_their_own_instance(tmp_path: Path) -> None:
    async def work(instance_id: str) -> None:
        with instance_scope(instance_id):
            logger.info("started %s", instance_id)
            await asyncio.sleep(0)
            await asyncio.to_thread(logger.info, "in a thread for %s", instance_id)
            logger.info("finished %s", instance_id)

    async def both() -> None:
        await asyncio.gather(work("a"), work("b"))

    with run_log(tmp_path):
        asyncio.run(both())
    for mine in ("a", "b"):
        text = (tmp_path / mine / INSTANCE_LOG).read_text()
        assert [line.split(": ", 1)[1] for line in text.splitlines()] == [
            f"started {mine}",
            f"in a thread for {mine}",
            f"finished {mine}",
        ]


def test_working_on_a_stage_logs_its_start_and_outcome_to_the_instance(tmp_path: Path) -> None:
    class Outcome:
        status = "done"
        candidates = 2
        detail = ""

    progress = RunProgress(["flask-1"], ["generate"])
    with run_log(tmp_path), progress.working("flask-1", "generate") as work:
        logger.warning("the image is approximate")
        work.finish(Outcome())
    lines = (tmp_path / "flask-1" / INSTANCE_LOG).read_text().splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == [
        "stage generate: flask-1 started",
        "the image is approximate",
        "stage generate: flask-1 done candidates=2",
    ]

"""Artifacts of an instance run elsewhere: seeded from the run directory, shipped back as written.

The sink here is the same `ArtifactSink` class the Ray executor runs as an actor, called directly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sweagent.errors import StoreError
from sweagent.executors.shipping import ArtifactSink, relative_artifact, seed, shipped_writes
from sweagent.records import Trajectory
from sweagent.store import RunStore, atomic_write_text

IID = "pallets__flask-4992"


def _trajectory(sample: int, status: str = "done") -> Trajectory:
    return Trajectory.model_validate(
        {"kind": "editing", "instance_id": IID, "sample": sample, "status": status}
    )


def test_a_worker_starts_from_the_instance_artifacts_only(tmp_path: Path) -> None:
    run_dir, worker = tmp_path / "run", tmp_path / "worker"
    store = RunStore(run_dir)
    store.write(IID, "trajectories/editing-0.json", _trajectory(0))
    store.write("other", "trajectories/editing-0.json", _trajectory(0))
    folder = store.instance_dir(IID)
    (folder / "context.json.damaged").write_text("{cut")
    (folder / ".candidates.json.abc.tmp").write_text("{half")
    (folder / "instance.log").write_text("a line\n")

    seed(worker, ArtifactSink(str(run_dir)).snapshot(IID))

    seeded = sorted(p.relative_to(worker).as_posix() for p in worker.rglob("*") if p.is_file())
    assert seeded == [f"{IID}/trajectories/editing-0.json"]
    assert RunStore(worker).read(IID, "trajectories/editing-0.json", Trajectory) == _trajectory(0)


def test_each_artifact_written_on_a_worker_lands_whole_in_the_run_directory(tmp_path: Path) -> None:
    run_dir, worker = tmp_path / "run", tmp_path / "worker"
    sink = ArtifactSink(str(run_dir))
    landed: list[str] = []

    def send(relative: str, text: str) -> None:
        sink.write(relative, text)
        landed.append(relative)

    with shipped_writes(worker, send):
        RunStore(worker).write(IID, "trajectories/editing-0.json", _trajectory(0, "running"))
        RunStore(worker).write(IID, "trajectories/editing-0.json", _trajectory(0))
        RunStore(worker).write(IID, "eval/abc.json", _trajectory(1))
        atomic_write_text(worker / "usage.json", "{}\n")  # the driver's to write
        atomic_write_text(tmp_path / "elsewhere" / "x" / "y.json", "{}\n")  # not the worker's run
    RunStore(worker).write(IID, "late.json", _trajectory(2))  # after the block: not shipped

    assert landed == [f"{IID}/trajectories/editing-0.json"] * 2 + [f"{IID}/eval/abc.json"]
    for artifact in ("trajectories/editing-0.json", "eval/abc.json"):
        shipped = RunStore(run_dir).path(IID, artifact).read_bytes()
        assert shipped == RunStore(worker).path(IID, artifact).read_bytes()
    assert RunStore(run_dir).read(IID, "trajectories/editing-0.json", Trajectory).status == "done"
    assert not (run_dir / "usage.json").exists()
    assert not RunStore(run_dir).path(IID, "late.json").exists()


def test_a_write_the_run_directory_did_not_get_fails_on_the_worker(tmp_path: Path) -> None:
    def unreachable(relative: str, text: str) -> None:
        msg = "the driver is gone"
        raise ConnectionError(msg)

    with shipped_writes(tmp_path, unreachable), pytest.raises(ConnectionError):
        RunStore(tmp_path).write(IID, "trajectories/editing-0.json", _trajectory(0))


@pytest.mark.parametrize("relative", ["usage.json", "../x/y.json", "/etc/x/y.json", ".hidden/y.json", ""])
def test_a_shipped_path_outside_an_instance_folder_is_refused(tmp_path: Path, relative: str) -> None:
    with pytest.raises(StoreError, match="refused artifact path"):
        relative_artifact(relative)
    with pytest.raises(StoreError):
        ArtifactSink(str(tmp_path)).write(relative, "{}")
    assert list(tmp_path.iterdir()) == []


def test_instance_log_lines_and_progress_events_are_relayed_in_order(tmp_path: Path) -> None:
    sink = ArtifactSink(str(tmp_path))
    sink.append(f"{IID}/instance.log", "one\n")
    sink.append(f"{IID}/instance.log", "two\n")
    sink.post("started")
    sink.post("finished")
    assert (tmp_path / IID / "instance.log").read_text() == "one\ntwo\n"
    assert sink.drain() == ["started", "finished"]
    assert sink.drain() == []

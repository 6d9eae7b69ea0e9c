"""A full disk stops a run cleanly and the same command resumes once space is freed.

Invariant: out of space while writing an artifact, the write raises `DiskFull` (exit code 3) naming
the file and "no space left on device"; no temporary file is left and the previous artifact is
intact; after space is freed the same command finishes with the result of an undisturbed run.
The run directory is a small tmpfs (mounting needs root; the tests skip, saying so, without it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sweagent.errors import DiskFull, InfrastructureUnavailable
from sweagent.store import atomic_write_text

INSTANCE = "pallets__flask-4992"
COMMAND = [
    *(sys.executable, "-m", "sweagent", "run", "--dataset", "swe-mini", "--instances", INSTANCE),
    *("--stages", "context", "-o", "context.provider=bm25", "--model", "scripted:builtin"),
]


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 KiB tmpfs, unmounted afterwards."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(disk: Path) -> Path:
    """Fill `disk` to the last byte with one file, returned so the space can be freed."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass  # full
    finally:
        os.close(fd)
    return filler


def test_a_full_disk_raises_disk_full_and_leaves_the_old_artifact_whole(small_disk: Path) -> None:
    artifact = small_disk / "instance" / "context.json"
    atomic_write_text(artifact, json.dumps({"version": 1}))
    filler = _fill(small_disk)
    with pytest.raises(DiskFull, match="no space left on device") as raised:
        atomic_write_text(artifact, json.dumps({"version": 2, "pad": "x" * 100_000}))
    assert isinstance(raised.value, InfrastructureUnavailable)
    assert str(artifact) in str(raised.value)
    assert "\n" not in str(raised.value)
    assert json.loads(artifact.read_text()) == {"version": 1}
    assert [p.name for p in artifact.parent.iterdir()] == ["context.json"], "temporary file left behind"
    filler.unlink()
    atomic_write_text(artifact, json.dumps({"version": 2}))
    assert json.loads(artifact.read_text()) == {"version": 2}


def test_a_run_on_a_full_disk_stops_with_exit_3_and_resumes(small_disk: Path, tmp_path: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    reference = tmp_path / "reference"
    subprocess.run([*COMMAND, "--run-dir", str(reference)], env=env, capture_output=True, check=True)
    run_dir = small_disk / "run"
    run_dir.mkdir()
    filler = _fill(small_disk)

    stopped = subprocess.run([*COMMAND, "--run-dir", str(run_dir)], env=env, capture_output=True, text=True)

    assert stopped.returncode == 3, stopped.stderr
    assert "Traceback" not in stopped.stderr
    stop_line = next(line for line in stopped.stderr.splitlines() if line.startswith("stopped:"))
    assert "no space left on device" in stop_line
    assert str(run_dir) in stop_line
    assert not list(run_dir.rglob("*.tmp")), "temporary files left behind"
    for artifact in run_dir.rglob("*.json"):
        json.loads(artifact.read_text())  # whatever exists is whole
    filler.unlink()

    resumed = subprocess.run([*COMMAND, "--run-dir", str(run_dir)], env=env, capture_output=True, text=True)

    assert resumed.returncode == 0, resumed.stderr
    context = f"{INSTANCE}/context.json"
    assert json.loads((run_dir / context).read_text()) == json.loads((reference / context).read_text())

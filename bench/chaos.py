"""Chaos: runs under random faults, resumed until done, end with an undisturbed run's predictions.

Each trial is a full `sweagent run` (every stage) on a SUBSET of swe-mini: by default one instance
per repository (flask, pytest, sympy), because a full swe-mini trial with its resumes takes several
minutes and ten of them would take over an hour on two cores. The model is the scripted `gold`
policy served over HTTP by the windowed loopback server (in this process), so model faults are real
connection faults. Faults, each once per trial, in random order, at random moments (each a random
fraction of the reference run's duration after the previous event):

- `kill`: SIGKILL of the run process; the same command is started again;
- `engine`: the Docker engine restarted as scripts/bootstrap.sh started it (every container stops;
  only for a bootstrap-started engine, otherwise left out with a note);
- `model`: the model server stopped (every connection dropped) and started again on the same port
  after 1-3 s;
- `truncate`: one artifact of the run directory cut to half its length.

A fault whose moment comes after the run has finished is reported as missed. A run that exits
non-zero is resumed with the same command (at most 6 runs); a run that exits 0 is run once more,
which must also exit 0 (a finished run stays finished). Per trial: the faults, the exit codes,
whether `predictions.jsonl` equals the reference run's, the turns redone (testing, editing and
selection turns the model was asked for beyond the reference's), and the JSON artifacts left
unreadable: an artifact truncated after the last stage that reads it (a trajectory of an instance
whose `candidates.json` exists) is not noticed by a resumed run. The last line is
`ratio: <identical trials / trials>` (target 1.0).

    PYTHONPATH=. python bench/chaos.py [--trials 10] [--instances a,b] [--faults kill,engine,model,truncate]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.engine_restart import BootstrappedEngine, NotRestartable
from sweagent.datasets import load_dataset
from sweagent.models.policies import gold
from sweagent.models.window_server import WindowedChatServer, infer_purpose
from sweagent.records import Instance

FAULTS = ("kill", "engine", "model", "truncate")
DEFAULT_INSTANCES = ("pallets__flask-4992", "pytest-dev__pytest-5103", "sympy__sympy-24152")
TURN_STAGES = ("testing", "editing", "selection")
MAX_RUNS = 6
WINDOW = 32_768


@dataclass
class ModelServer:
    """The gold policy over HTTP on a fixed port, restartable; counts the turns it was asked for."""

    instances: list[Instance]
    port: int = 0
    turns: int = 0
    _server: WindowedChatServer | None = None

    def start(self) -> None:
        self._server = WindowedChatServer(WINDOW, gold.respond, self.instances, model="chaos", port=self.port)
        self._server.start()
        self.port = self._server.port

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self.turns += _turns(self._server, self.instances)
            self._server = None

    def take_turns(self) -> int:
        """Turns asked for since the last call (the server keeps running)."""
        assert self._server is not None
        counted = _turns(self._server, self.instances) + self.turns
        self._server.bodies.clear()
        self.turns = 0
        return counted

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


def _turns(server: WindowedChatServer, instances: list[Instance]) -> int:
    return sum(
        int(body.get("n") or 1)
        for body in list(server.bodies)
        if infer_purpose(body.get("messages") or [], instances, 0).stage in TURN_STAGES
    )


@dataclass
class Trial:
    """What one trial did."""

    faults: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    codes: list[int] = field(default_factory=list)
    identical: bool = False
    turns_redone: int = 0
    damaged: list[str] = field(default_factory=list)

    def line(self, index: int) -> str:
        missed = f" missed: {', '.join(self.missed)};" if self.missed else ""
        codes = "->".join(map(str, self.codes))
        same = "yes" if self.identical else "NO"
        return (
            f"trial {index}: faults: {', '.join(self.faults) or '-'};{missed} exit codes {codes}; "
            f"identical: {same}; turns redone: {self.turns_redone}; "
            f"unreadable artifacts left: {', '.join(self.damaged) or 'none'}"
        )


@dataclass(frozen=True)
class Settings:
    instances: tuple[str, ...]
    samples: int
    iterations: int


def command(run_dir: Path, url: str, settings: Settings) -> list[str]:
    return [
        sys.executable, "-m", "sweagent", "run", "--dataset", "swe-mini", "--model", "chaos",
        "--base-url", url, "--instances", ",".join(settings.instances), "--samples", str(settings.samples),
        "--iterations", str(settings.iterations), "--run-dir", str(run_dir),
        "-o", "context.prefilter_files=40",
    ]  # fmt: skip


def start_run(run_dir: Path, url: str, settings: Settings) -> subprocess.Popen[bytes]:
    run_dir.mkdir(parents=True, exist_ok=True)
    log = (run_dir.parent / f"{run_dir.name}.stderr").open("ab")
    try:
        return subprocess.Popen(command(run_dir, url, settings), stdout=subprocess.DEVNULL, stderr=log)
    finally:
        log.close()


def predictions(run_dir: Path) -> dict[str, str] | None:
    path = run_dir / "predictions.jsonl"
    try:
        rows = [json.loads(line) for line in path.read_text().splitlines() if line]
    except (OSError, ValueError):
        return None
    return {row["instance_id"]: row["model_patch"] for row in rows}


def truncate_one(run_dir: Path, rng: random.Random) -> str | None:
    """Cut one artifact of the run to half its length; its name, or None when none exists yet."""
    artifacts = sorted(p for p in run_dir.glob("*/**/*.json") if p.is_file())
    if not artifacts:
        return None
    victim = rng.choice(artifacts)
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])
    return str(victim.relative_to(run_dir))


def inject(
    kind: str, process: subprocess.Popen[bytes], server: ModelServer, run_dir: Path, rng: random.Random
) -> str | None:
    """Inject fault `kind`; what was done, or None when it could not be (nothing to truncate)."""
    if kind == "kill":
        process.kill()
        process.wait()
        return "kill -9"
    if kind == "engine":
        BootstrappedEngine.find().restart()
        return "engine restart"
    if kind == "model":
        server.stop()
        pause = rng.uniform(1.0, 3.0)
        time.sleep(pause)
        server.start()
        return f"model server restart ({pause:.1f} s down)"
    truncated = truncate_one(run_dir, rng)
    return f"truncated {truncated}" if truncated else None


def wait_for(process: subprocess.Popen[bytes], seconds: float) -> bool:
    """Wait up to `seconds`; whether the process is still running."""
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return True
    return False


def run_trial(
    run_dir: Path, server: ModelServer, settings: Settings, kinds: list[str], rng: random.Random,
    reference: dict[str, str], reference_turns: int, spread: float,
) -> Trial:  # fmt: skip
    trial = Trial()
    pending = rng.sample(kinds, len(kinds))
    server.take_turns()
    started = time.monotonic()
    process = start_run(run_dir, server.url, settings)
    while True:
        while pending and process.poll() is None:
            if not wait_for(process, rng.uniform(0.05, 0.35) * spread):
                break
            kind = pending.pop(0)
            done = inject(kind, process, server, run_dir, rng)
            if done is None:
                trial.missed.append(kind)
            else:
                trial.faults.append(f"{done} at {time.monotonic() - started:.0f} s")
        code = process.wait()
        trial.codes.append(code)
        finished = code == 0 and len(trial.codes) >= 2 and trial.codes[-2] == 0
        if finished or len(trial.codes) >= MAX_RUNS:
            break
        process = start_run(run_dir, server.url, settings)  # resume, or confirm a finished run
    trial.missed += pending
    trial.identical = trial.codes[-1] == 0 and predictions(run_dir) == reference
    trial.turns_redone = server.take_turns() - reference_turns
    trial.damaged = unreadable(run_dir)
    return trial


def unreadable(run_dir: Path) -> list[str]:
    """The run's JSON artifacts that do not parse."""
    found = []
    for path in sorted(run_dir.glob("*/**/*.json")):
        try:
            json.loads(path.read_bytes())
        except ValueError:
            found.append(str(path.relative_to(run_dir)))
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--instances", default=",".join(DEFAULT_INSTANCES), help="swe-mini instance ids")
    parser.add_argument("--faults", default=",".join(FAULTS), help=f"some of {','.join(FAULTS)}")
    parser.add_argument("--samples", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work-dir", type=Path, default=None, help="default: a temporary directory")
    args = parser.parse_args(argv)
    kinds = [k.strip() for k in args.faults.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(FAULTS))
    if unknown:
        parser.error(f"unknown fault(s) {', '.join(unknown)}; faults are {', '.join(FAULTS)}")
    if "engine" in kinds:
        try:
            BootstrappedEngine.find()
        except NotRestartable as err:
            print(f"engine restarts left out: {err}")
            kinds.remove("engine")
    settings = Settings(tuple(args.instances.split(",")), args.samples, args.iterations)
    rng = random.Random(args.seed)
    instances = list(load_dataset("swe-mini", instances=list(settings.instances)).instances)
    print(
        f"swe-mini subset: {len(settings.instances)} of 8 instances ({', '.join(settings.instances)}); "
        f"samples {settings.samples}, iterations {settings.iterations}; faults per trial: {', '.join(kinds)}"
    )
    server = ModelServer(instances)
    server.start()
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="sweagent-chaos-"))
    try:
        started = time.monotonic()
        reference_dir = work / "reference"
        done = subprocess.run(command(reference_dir, server.url, settings), capture_output=True, check=False)
        spread = time.monotonic() - started
        reference = predictions(reference_dir)
        if done.returncode != 0 or reference is None:
            sys.exit(
                f"the undisturbed reference run failed ({done.returncode}): {done.stderr.decode()[-2000:]}"
            )
        reference_turns = server.take_turns()
        print(f"reference run: {spread:.0f} s, {reference_turns} turns, {len(reference)} predictions")
        identical = 0
        for index in range(1, args.trials + 1):
            trial = run_trial(
                work / f"trial-{index}", server, settings, kinds, rng, reference, reference_turns, spread
            )
            identical += trial.identical
            print(trial.line(index), flush=True)
    finally:
        server.stop()
    print(f"run directories: {work}")
    print(f"ratio: {identical / args.trials:.2f}")


if __name__ == "__main__":
    main()

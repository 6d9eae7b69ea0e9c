"""The stratified SWE-bench Lite sample and its validation (bench/coverage.py, bench/agreement.py)."""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SHARED_PLACES = [
    *([Path(os.environ["SWEAGENT_SHARED_DATA"])] if os.environ.get("SWEAGENT_SHARED_DATA") else []),
    *(folder / "shared" / "data" for folder in ROOT.parents),
    Path("/work/shared/data"),
]
SHARED = next((place for place in _SHARED_PLACES if place.is_dir()), _SHARED_PLACES[-1])
"""The shared SWE-bench records (`SWEAGENT_SHARED_DATA`, or a `shared/data` beside a parent folder)."""
MINI = ROOT / "sweagent" / "datasets" / "data" / "swe-mini.jsonl"


@dataclass
class Outcome:
    """One sampled instance's validation."""

    instance_id: str
    repo: str
    source: str
    gold: str = ""
    empty: str = ""
    detail: str = ""
    approximate: bool = False
    seconds: float = 0.0
    absent: list[str] = field(default_factory=list)
    """PASS_TO_PASS tests found in neither log of a re-based (sdist) checkout: the release lacks them."""
    rebuilt: list[str] = field(default_factory=list)
    """PASS_TO_PASS rebuilt for such a checkout: the official names that pass with and without gold."""
    unreachable: list[str] = field(default_factory=list)
    """Official test names that swebench's own parser never produces (see `unreachable_names`): with
    them the official harness cannot resolve gold either, so the instance cannot validate anywhere."""

    @property
    def correct(self) -> bool:
        return (self.gold == "resolved" or bool(self.rebuilt)) and self.empty not in ("resolved", "")

    @property
    def refused(self) -> bool:
        return self.gold in ("unsupported", "error", "env_failed", "") and not self.correct


@dataclass
class RepoLine:
    attempted: int = 0
    correct: int = 0
    gold: int = 0
    empty: int = 0
    approximate: int = 0
    refusals: Counter[str] = field(default_factory=Counter)


def load_records(path: Path) -> dict[str, dict]:
    return {
        record["instance_id"]: record
        for record in (json.loads(line) for line in path.read_text().splitlines() if line.strip())
    }


def sdist_pins(path: Path) -> dict[str, str]:
    with path.open(newline="") as handle:
        return {row["instance_id"]: row["sdist_version"] for row in csv.DictReader(handle, delimiter="\t")}


def package_of(repo: str) -> str:
    return {"psf/requests": "requests", "pylint-dev/pylint": "pylint"}.get(repo, repo.split("/")[1])


def sample(
    records: dict[str, dict],
    pins: dict[str, str],
    repos_dir: Path | None,
    size: int,
    min_per_repo: int,
    seed: int,
) -> tuple[list[dict], dict[str, str]]:
    """The sampled records (each with its source kind) and the repositories that cannot be had here."""
    skip = set(load_records(MINI))
    by_repo: dict[str, list[str]] = defaultdict(list)
    held_back: dict[str, list[str]] = defaultdict(list)
    unavailable: dict[str, str] = {}
    for instance_id, record in sorted(records.items()):
        repo = record["repo"]
        mirrored = repos_dir is not None and (repos_dir / repo).exists()
        if not mirrored and instance_id not in pins:
            unavailable.setdefault(repo, "no git mirror in --repos-dir and no sdist pin")
            continue
        if instance_id not in skip:
            by_repo[repo].append(instance_id)
        else:
            held_back[repo].append(instance_id)
    for repo, ids in held_back.items():
        if len(by_repo[repo]) < min_per_repo:  # too few others: swe-mini's own count here too
            by_repo[repo] += ids[: min_per_repo - len(by_repo[repo])]
    for repo in by_repo:
        unavailable.pop(repo, None)
    rng = random.Random(seed)
    quota = {repo: min(min_per_repo, len(ids)) for repo, ids in by_repo.items()}
    weight = {repo: len(ids) for repo, ids in by_repo.items()}
    while sum(quota.values()) < size and any(quota[r] < weight[r] for r in quota):
        repo = max((r for r in quota if quota[r] < weight[r]), key=lambda r: weight[r] / (quota[r] + 1))
        quota[repo] += 1
    chosen: list[dict] = []
    for repo, ids in sorted(by_repo.items()):
        for instance_id in sorted(rng.sample(ids, quota[repo])):
            record = dict(records[instance_id])
            mirrored = repos_dir is not None and (repos_dir / repo).exists()
            if not mirrored:
                pin = {"type": "sdist", "package": package_of(repo), "version": pins[instance_id]}
                record["source"] = pin
            record["_source"] = "git mirror" if mirrored else f"sdist {pins[instance_id]}"
            chosen.append(record)
    return chosen, unavailable


def validate(record: dict, out: Path, repos_dir: Path | None, overrides: list[str], limit: float) -> Outcome:
    instance_id = record["instance_id"]
    outcome = Outcome(instance_id, record["repo"], record["_source"])
    run_dir = out / "runs" / instance_id
    result = run_dir / "validation.json"
    if not result.exists():
        run_dir.mkdir(parents=True, exist_ok=True)
        dataset = run_dir / "instance.jsonl"
        clean = {key: value for key, value in record.items() if not key.startswith("_")}
        dataset.write_text(json.dumps(clean) + "\n")
        command = [sys.executable, "-m", "sweagent", "validate", "--dataset", str(dataset), "--run-dir",
                   str(run_dir)]  # fmt: skip
        if repos_dir is not None:
            command += ["--repos-dir", str(repos_dir)]
        for override in overrides:
            command += ["-o", override]
        started = time.monotonic()
        with (run_dir / "validate.log").open("w") as log:
            try:
                subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, timeout=limit, check=False)
            except subprocess.TimeoutExpired:
                outcome.detail = f"validate did not finish within {limit:g} s"
        (run_dir / "seconds").write_text(f"{time.monotonic() - started:.1f}\n")
    if result.exists():
        data = json.loads(result.read_text())["instances"].get(instance_id, {})
        outcome.gold = data.get("gold", "")
        outcome.empty = data.get("empty", "")
        outcome.detail = data.get("detail", "") or outcome.detail
        outcome.approximate = bool(data.get("approximate"))
    elif not outcome.detail:
        log = (run_dir / "validate.log").read_text(errors="replace").strip().splitlines()
        outcome.detail = f"validate wrote no validation.json: {log[-1] if log else 'no output'}"
    if outcome.gold == "unresolved" and record["_source"].startswith("sdist"):
        outcome.absent, outcome.rebuilt = rebuilt_pass_to_pass(run_dir / instance_id / "eval", record)
    outcome.unreachable = unreachable_names(record)
    seconds = run_dir / "seconds"
    outcome.seconds = float(seconds.read_text()) if seconds.exists() else 0.0
    return outcome


def unreachable_names(record: dict) -> list[str]:
    """The FAIL_TO_PASS and PASS_TO_PASS names that swebench's parser for the repository turns into
    another name when it reads a result line for them: no log can ever report them under the record's
    name (pylint-7080's `test_stdin[/n/fs/...]`: the parser shortens a parameter that is a path)."""
    from sweagent.evaluation.grading import log_parser
    from sweagent.records import Instance

    names = [*_names(record["FAIL_TO_PASS"]), *_names(record["PASS_TO_PASS"])]
    fields = {key: record[key] for key in ("instance_id", "repo", "base_commit", "version") if key in record}
    parser = log_parser(Instance(**fields, problem_statement=""))
    if parser is None:
        return []
    unreachable = []
    for name in names:
        read = [parser(line) for line in (f"PASSED {name}", f"{name} ... ok")]
        understood = [keys for keys in read if keys]
        if understood and not any(name in keys for keys in understood):
            unreachable.append(name)
    return unreachable


def _names(value: object) -> list[str]:
    return json.loads(value) if isinstance(value, str) else list(value or [])  # type: ignore[call-overload]


def why_refused(detail: str) -> str:
    """The part of a refusal that says why: the `build` provider's reason with its log's last lines,
    not the `official` provider's (an offline registry, the same for every instance)."""
    words = " ".join(detail.split())
    if "build: " not in words:
        return words[:200] or "no detail recorded"
    reason = words.split("build: ", 1)[1]
    head = reason.split(" failed: ", 1)[0]
    checks = [part.strip() for part in reason.split("sweagent env check failed")[1:]]
    tail = checks[0][:200] if checks else reason[-200:]
    return f"build: {head[:120]} failed: ... {tail}" if " failed: " in reason else f"build: {reason[:200]}"


def rebuilt_pass_to_pass(eval_dir: Path, record: dict) -> tuple[list[str], list[str]]:
    """For a gold grade lost only to PASS_TO_PASS tests the release lacks: those tests and the rebuilt list.

    Both lists are empty unless every FAIL_TO_PASS test passes with gold and every PASS_TO_PASS test
    either passes in both runs or is absent from both logs (never a failure), and some pass: a list
    is never silently emptied.
    """
    try:
        gold = json.loads((eval_dir / "gold.json").read_text())["tests"]
        empty = json.loads((eval_dir / "empty.json").read_text())["tests"]
    except (OSError, ValueError, KeyError):
        return [], []
    fail_to_pass = json.loads(record["FAIL_TO_PASS"]) if isinstance(record["FAIL_TO_PASS"], str) else []
    pass_to_pass = json.loads(record["PASS_TO_PASS"]) if isinstance(record["PASS_TO_PASS"], str) else []
    if not all(gold.get(test) == "PASSED" for test in fail_to_pass):
        return [], []
    absent = [t for t in pass_to_pass if gold.get(t) == "MISSING" and empty.get(t) == "MISSING"]
    kept = [t for t in pass_to_pass if gold.get(t) == "PASSED" and empty.get(t) == "PASSED"]
    if not absent or len(absent) + len(kept) != len(pass_to_pass) or not kept:
        return [], []
    return absent, kept


def write_offline(path: Path, chosen: list[dict], outcomes: list[Outcome]) -> int:
    """The sdist-sourced instances graded correctly, as records (PASS_TO_PASS rebuilt where needed, each
    such instance and the official tests its release lacks printed on stderr),
    after swe-mini's (validated from their sdists by tests/integration/test_swe_mini_validates.py)."""
    by_id = {outcome.instance_id: outcome for outcome in outcomes}
    mini = load_records(MINI)
    lines = [json.dumps(record, sort_keys=True) for record in mini.values()]
    for record in chosen:
        outcome = by_id.get(record["instance_id"])
        if outcome is None or not outcome.correct or "source" not in record or record["instance_id"] in mini:
            continue
        clean = {key: value for key, value in record.items() if not key.startswith("_")}
        for key in ("FAIL_TO_PASS", "PASS_TO_PASS"):
            if isinstance(clean[key], str):
                clean[key] = json.loads(clean[key])
        if outcome.rebuilt:  # said on stderr, for the bundled data's README (records keep SWE-bench's fields)
            clean["PASS_TO_PASS"] = outcome.rebuilt
            release = f"{clean['source']['package']} {clean['source']['version']}"
            print(f"{clean['instance_id']}: PASS_TO_PASS rebuilt, {release} lacks:", file=sys.stderr)
            for test in outcome.absent:
                print(f"    {test}", file=sys.stderr)
        lines.append(json.dumps(clean, sort_keys=True))
    path.write_text("".join(line + "\n" for line in lines))
    return len(lines)


def arguments(description: str) -> tuple[argparse.Namespace, list[str]]:
    """The command line shared with bench/agreement.py, and the overrides every validate run gets."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repos-dir", type=Path, default=None)
    parser.add_argument("--lite", type=Path, default=SHARED / "swe-bench-lite-test.jsonl")
    parser.add_argument("--sdist-hits", type=Path, default=SHARED / "lite-sdist-hits.tsv")
    parser.add_argument("--size", type=int, default=60)
    parser.add_argument("--min-per-repo", type=int, default=2)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--out", type=Path, default=Path("bench-out/coverage"))
    parser.add_argument("--limit", type=float, default=3600.0, help="seconds one instance may take")
    parser.add_argument("--only", default="", help="comma-separated instance ids of the sample to run")
    parser.add_argument("--plan", action="store_true", help="print the sample and stop")
    parser.add_argument(
        "--stored", action="store_true", help="report the instances validated so far; validate nothing"
    )
    parser.add_argument("-o", "--override", action="append", default=None)
    parser.add_argument(
        "--write-offline", type=Path, default=None, help="write the sdist-sourced instances graded correctly"
    )
    args = parser.parse_args()
    return args, args.override if args.override is not None else ["environment.python=nearest"]

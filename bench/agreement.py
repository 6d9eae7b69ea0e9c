"""Does sweagent grade as the official harness does? Gold must resolve and empty must not (not in CI).

Run: `python bench/agreement.py --repos-dir DIR [--out bench-out/coverage]`. It takes the instances
`bench/coverage.py` attempts (the same sample, options and output folder, so one validation serves
both benchmarks: instances already validated there are read, the others validated now) and prints,
per repository, each instance whose grade differs from the official expectation, with the first
test that decided it and that test's error line from the log; last line
`ratio: <agreeing / attempted>`.

An instance whose environment could not be built, or whose grading errored, disagrees: the official
harness graded it. A re-based sdist checkout whose release lacks some PASS_TO_PASS tests agrees when
every official test it has grades as expected (see `rebuilt_pass_to_pass` in bench/lite_sample.py).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

from lite_sample import Outcome, arguments, load_records, sample, sdist_pins, validate, why_refused

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
"""Terminal colour codes, which some test commands print (sphinx's tox runs)."""
_ERROR_LINE = re.compile(r"(Error|Exception|assert|FAILED|Traceback|error:)", re.IGNORECASE)


def first_difference(outcome: Outcome, run_dir: Path) -> str:
    """The test that decided the grade (or the reason no grade was made), with its error line."""
    if outcome.gold not in ("resolved", "unresolved"):
        return f"gold {outcome.gold or 'not graded'}: {why_refused(outcome.detail)}"
    which = "empty" if outcome.gold == "resolved" else "gold"
    eval_dir = run_dir / outcome.instance_id / "eval"
    try:
        tests = json.loads((eval_dir / f"{which}.json").read_text())["tests"]
    except (OSError, ValueError, KeyError):
        return f"{which} {getattr(outcome, which)}: no test statuses recorded"
    if which == "empty":
        return "empty resolved: the FAIL_TO_PASS tests already pass without the fix"
    failing = [(test, status) for test, status in tests.items() if status != "PASSED"]
    if not failing:
        return f"gold unresolved with every test passing: {' '.join(outcome.detail.split())[:200]}"
    test, status = failing[0]
    return f"{test} {status} ({len(failing)} in all): {error_line(eval_dir / 'gold.log', test)}"


def error_line(log: Path, test: str) -> str:
    """The first line after the test's name that reads like an error; the test's last word if none."""
    try:
        lines = [_ANSI.sub("", line) for line in log.read_text(errors="replace").splitlines()]
    except OSError:
        return "no log"
    name = test.split("::")[-1].split(" (")[0]
    for start, line in enumerate(lines):
        if name and name in line:
            window = [later for later in lines[start : start + 60] if name not in later]
            raised = [later for later in window if later.startswith("E ") and _ERROR_LINE.search(later)]
            for later in raised or [later for later in window if _ERROR_LINE.search(later)]:
                return " ".join(later.split())[:200]
    return "no error line in the log (the test did not run)"


def main() -> None:
    args, overrides = arguments(__doc__.splitlines()[0])
    chosen, unavailable = sample(
        load_records(args.lite),
        sdist_pins(args.sdist_hits),
        args.repos_dir,
        args.size,
        args.min_per_repo,
        args.seed,
    )
    attempted: dict[str, int] = defaultdict(int)
    disagreements: dict[str, list[tuple[Outcome, str]]] = defaultdict(list)
    for record in chosen:
        if args.stored and not (args.out / "runs" / record["instance_id"] / "validation.json").exists():
            continue
        outcome = validate(record, args.out, args.repos_dir, overrides, args.limit)
        attempted[outcome.repo] += 1
        # An official name swebench's parser never produces: the official grade of gold is unresolved.
        agrees = outcome.correct
        if outcome.unreachable:
            agrees = outcome.gold == "unresolved" and outcome.empty not in ("resolved", "")
        if not agrees:
            why = first_difference(outcome, args.out / "runs" / outcome.instance_id)
            disagreements[outcome.repo].append((outcome, why))
    for repo, count in sorted(attempted.items()):
        print(f"{repo}: {count - len(disagreements[repo])} of {count} agree")
        for outcome, why in disagreements[repo]:
            approximate = " (approximate env)" if outcome.approximate else ""
            print(f"    {outcome.instance_id} [{outcome.source}]{approximate}: {why}")
    for repo, why in sorted(unavailable.items()):
        print(f"not attempted: {repo}: {why}")
    total = sum(attempted.values())
    agreeing = total - sum(len(found) for found in disagreements.values())
    print(f"agreeing {agreeing} of {total}")
    print(f"ratio: {agreeing / total if total else 0.0:.3f}")


if __name__ == "__main__":
    main()

"""Validate a stratified sample of SWE-bench Lite here: gold must resolve, empty must not (not in CI).

Run: `python bench/coverage.py --repos-dir DIR [--size 60] [--out bench-out/coverage]`, where DIR holds
`<owner>/<name>` git mirrors (the instances of those repositories are checked out at their true base
commits). Repositories without a mirror get the PyPI source distribution of `lite-sdist-hits.tsv`
(re-based checkouts); a repository with neither cannot be had here and is listed as such.

The sample takes at least `--min-per-repo` instances from every repository whose code can be had and
shares the rest out by each repository's weight in Lite (seeded, so the sample is the same each run),
leaving out the bundled swe-mini instances (unless a repository has too few others). Each instance
is validated by its own `sweagent validate` into `OUT/runs/<id>/`; an instance whose
`validation.json` exists is not redone, so an interrupted benchmark resumes. Extra `-o key=value`
options go to every validate run (the default builds an approximate environment where the spec's
Python is missing: `environment.python=nearest`).

Prints per repository: attempted, gold resolved, empty resolved, approximate environments, refused
with reasons; then the instances not graded correctly; last line
`ratio: <instances graded correctly / attempted>`.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict

from lite_sample import (
    Outcome,
    RepoLine,
    arguments,
    load_records,
    sample,
    sdist_pins,
    validate,
    why_refused,
    write_offline,
)


def reason(outcome: Outcome) -> str:
    return f"{outcome.gold or 'no result'}: {why_refused(outcome.detail)}"


def report(everything: list[Outcome], unavailable: dict[str, str]) -> None:
    lines: dict[str, RepoLine] = defaultdict(RepoLine)
    outcomes = [outcome for outcome in everything if not outcome.unreachable]
    for outcome in outcomes:
        line = lines[outcome.repo]
        line.attempted += 1
        line.correct += outcome.correct
        line.gold += outcome.gold == "resolved"
        line.empty += outcome.empty == "resolved"
        line.approximate += outcome.approximate
        if outcome.refused:
            line.refusals[reason(outcome)] += 1
    header = f"{'repository':<26} {'attempted':>9} {'correct':>7} {'gold ok':>7} {'empty ok':>8} "
    header += f"{'approx':>6}"
    print(header)
    print("-" * len(header))
    total = RepoLine()
    for repo, line in sorted(lines.items()):
        print(
            f"{repo:<26} {line.attempted:>9} {line.correct:>7} {line.gold:>7} {line.empty:>8} "
            f"{line.approximate:>6}"
        )
        for text, count in line.refusals.most_common():
            print(f"    refused {count}: {text}")
        total.attempted += line.attempted
        total.correct += line.correct
        total.gold += line.gold
        total.empty += line.empty
        total.approximate += line.approximate
    print(
        f"{'all':<26} {total.attempted:>9} {total.correct:>7} {total.gold:>7} {total.empty:>8} "
        f"{total.approximate:>6}"
    )
    for repo, why in sorted(unavailable.items()):
        print(f"not attempted: {repo}: {why}")
    for outcome in (o for o in everything if o.unreachable):
        print(
            f"not counted: {outcome.instance_id}: the official harness cannot resolve gold either (gold "
            f"{outcome.gold} here): swebench's parser never reports {outcome.unreachable[0][:70]!r}"
        )
    rebuilt = [o for o in outcomes if o.rebuilt]
    if rebuilt:
        print("graded correctly once PASS_TO_PASS tests the sdist release lacks are left out:")
        for outcome in rebuilt:
            print(f"    {outcome.instance_id} [{outcome.source}]: {len(outcome.absent)} absent")
    wrong = [o for o in outcomes if not o.correct and not o.refused]
    if wrong:
        print("graded differently from the official expectation (gold resolved, empty not):")
        for outcome in wrong:
            approximate = " (approximate env)" if outcome.approximate else ""
            print(
                f"    {outcome.instance_id} [{outcome.source}]{approximate}: gold {outcome.gold}, "
                f"empty {outcome.empty}: {' '.join(outcome.detail.split())[:160]}"
            )
    hours = sum(o.seconds for o in outcomes) / 3600
    print(f"validation time {hours:.2f} h over {len(outcomes)} instances")
    print(f"ratio: {total.correct / total.attempted if total.attempted else 0.0:.3f}")


def main() -> None:
    args, overrides = arguments(__doc__.splitlines()[0])
    records = load_records(args.lite)
    chosen, unavailable = sample(
        records, sdist_pins(args.sdist_hits), args.repos_dir, args.size, args.min_per_repo, args.seed
    )
    if args.plan:
        for record in chosen:
            print(f"{record['instance_id']:<40} {record['version']:<6} {record['_source']}")
        print(dict(Counter(record["repo"] for record in chosen)))
        return
    only = {part for part in args.only.split(",") if part}
    outcomes: list[Outcome] = []
    for number, record in enumerate(chosen, start=1):
        if only and record["instance_id"] not in only:
            continue
        if args.stored and not (args.out / "runs" / record["instance_id"] / "validation.json").exists():
            continue
        outcome = validate(record, args.out, args.repos_dir, overrides, args.limit)
        verdict = "ok" if outcome.correct else ("refused" if outcome.refused else "WRONG")
        print(
            f"[{number}/{len(chosen)}] {outcome.instance_id}: gold {outcome.gold or '-'}, "
            f"empty {outcome.empty or '-'} -> {verdict} ({outcome.seconds:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
        outcomes.append(outcome)
    report(outcomes, unavailable)
    if args.write_offline:
        count = write_offline(args.write_offline, chosen, outcomes)
        print(f"{count} record(s) written to {args.write_offline}", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Find SWE-bench instances whose code can come from a PyPI source distribution instead of GitHub.

For each instance of a SWE-bench JSONL file (Lite, say), the candidate releases of its package are
the last one whose sdist was uploaded before the issue was created, then the releases of the
instance's X.Y series, newest first. The first candidate to which both the test patch and the gold
patch apply (`git apply --check`) is a hit. Hits are printed as TSV (instance_id, repo,
swebench_version, sdist_version); `--jsonl OUT` also writes the records with their `source` pin,
ready to ship as a dataset. Slow (it downloads releases); a tool, not a test.

`--pin ID=VERSION` skips the search for one instance: that release is the only candidate (for
example when an older hit cannot run the tests as SWE-bench does). `--drop-pass-to-pass ID=TEST`
removes a PASS_TO_PASS test the pinned release does not have from the written record; naming a test
that is not in the list is an error, so a stale option cannot go unnoticed.

    python scripts/find_sdist_instances.py ../shared/data/swe-bench-lite-test.jsonl --filter flask
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import subprocess
import sys
import urllib.request
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from sweagent.datasets import SdistPin, load_dataset, sdist_repo
from sweagent.datasets.sdist import DEFAULT_SDIST_CACHE
from sweagent.errors import DatasetError
from sweagent.records import Instance

__all__ = [
    "PACKAGES",
    "candidate_versions",
    "drop_pass_to_pass",
    "main",
    "parse_pairs",
    "patches_apply",
    "sdist_upload_times",
]

PACKAGES = {
    "astropy/astropy": "astropy",
    "django/django": "Django",
    "matplotlib/matplotlib": "matplotlib",
    "mwaskom/seaborn": "seaborn",
    "pallets/flask": "flask",
    "psf/requests": "requests",
    "pydata/xarray": "xarray",
    "pylint-dev/pylint": "pylint",
    "pytest-dev/pytest": "pytest",
    "scikit-learn/scikit-learn": "scikit-learn",
    "sphinx-doc/sphinx": "Sphinx",
    "sympy/sympy": "sympy",
}
"""SWE-bench repository -> its distribution name on PyPI."""

PYPI_JSON = "https://pypi.org/pypi/{package}/json"


def sdist_upload_times(package: str, timeout: float = 30.0) -> dict[str, str]:
    """Release -> upload time (ISO, UTC) of its sdist, for releases that have a non-yanked sdist."""
    context = ssl.create_default_context(cafile=os.environ.get("PIP_CERT") or None)
    with urllib.request.urlopen(PYPI_JSON.format(package=package), timeout=timeout, context=context) as r:
        data = json.load(r)
    times: dict[str, str] = {}
    for version, files in data["releases"].items():
        for file in files:
            if file["packagetype"] == "sdist" and not file.get("yanked"):
                times[version] = file["upload_time_iso_8601"]
    return times


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def candidate_versions(
    upload_times: Mapping[str, str], created_at: str, series: str | None, limit: int = 4
) -> list[str]:
    """Releases to try: the last sdist uploaded before `created_at`, then the `series` (X.Y) newest first."""
    before = sorted((t, v) for v, t in upload_times.items() if t < created_at and _version(v))
    ordered = [before[-1][1]] if before else []
    wanted = _version(series) if series else None
    if wanted is not None:
        series_of = {v: parsed.release[:2] for v in upload_times if (parsed := _version(v))}
        same = [v for v, release in series_of.items() if release == wanted.release[:2]]
        ordered += sorted(same, key=lambda v: upload_times[v], reverse=True)
    unique = list(dict.fromkeys(ordered))
    return unique[:limit]


def patches_apply(repo: Path, patches: Iterable[str]) -> bool:
    """True when every patch applies cleanly (`git apply --check`) to the repository's files."""
    for patch in patches:
        command = ["git", "apply", "--check", "-"]
        done = subprocess.run(command, input=patch, cwd=repo, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            return False
    return True


def parse_pairs(values: Iterable[str], option: str) -> dict[str, list[str]]:
    """`ID=VALUE` arguments -> instance id -> values (split at the first `=`); ValueError when malformed."""
    pairs: dict[str, list[str]] = {}
    for value in values:
        instance_id, sep, rest = value.partition("=")
        if not sep or not instance_id or not rest:
            msg = f"{option} wants INSTANCE_ID=VALUE, got {value!r}"
            raise ValueError(msg)
        pairs.setdefault(instance_id, []).append(rest)
    return pairs


def drop_pass_to_pass(record: dict[str, Any], tests: Iterable[str]) -> dict[str, Any]:
    """The record with `tests` removed from its PASS_TO_PASS; ValueError naming a test it does not list."""
    kept = list(record.get("PASS_TO_PASS", []))
    for test in tests:
        if test not in kept:
            msg = f"{record['instance_id']}: {test} is not in PASS_TO_PASS"
            raise ValueError(msg)
        kept.remove(test)
    return {**record, "PASS_TO_PASS": kept}


def find_pin(
    instance: Instance, times: Mapping[str, str], cache: Path, limit: int, pinned: str | None = None
) -> SdistPin | None:
    package = PACKAGES[instance.repo]
    if pinned:
        versions = [pinned]
    else:
        versions = candidate_versions(times, instance.created_at or "9999", instance.version, limit)
    for version in versions:
        pin = SdistPin(type="sdist", package=package, version=version)
        try:
            repo = sdist_repo(pin, cache)
        except DatasetError as err:
            print(f"{instance.instance_id}: {err}", file=sys.stderr)
            continue
        if patches_apply(repo, [instance.test_patch or "", instance.patch or ""]):
            return pin
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("dataset", help="SWE-bench JSONL/JSON/parquet file with test and gold patches")
    parser.add_argument("--instances", help="comma-separated instance ids")
    parser.add_argument("--filter", help="regex on instance ids")
    parser.add_argument("--cache", type=Path, default=DEFAULT_SDIST_CACHE, help="sdist cache folder")
    parser.add_argument("--limit", type=int, default=4, help="releases to try per instance")
    parser.add_argument("--jsonl", type=Path, help="also write the hits' records with their source pin")
    parser.add_argument(
        "--pin", action="append", default=[], metavar="ID=VERSION", help="try only this release for ID"
    )
    parser.add_argument(
        "--drop-pass-to-pass",
        action="append",
        default=[],
        metavar="ID=TEST",
        help="remove TEST (absent from the pinned release) from ID's PASS_TO_PASS in the written record",
    )
    args = parser.parse_args(argv)
    try:
        pins = {key: values[-1] for key, values in parse_pairs(args.pin, "--pin").items()}
        drops = parse_pairs(args.drop_pass_to_pass, "--drop-pass-to-pass")
    except ValueError as err:
        parser.error(str(err))
    ids = args.instances.split(",") if args.instances else None
    dataset = load_dataset(args.dataset, instances=ids, filter=args.filter)
    times: dict[str, dict[str, str]] = {}
    records: list[dict[str, Any]] = []
    print("instance_id\trepo\tswebench_version\tsdist_version")
    for instance in dataset.instances:
        if instance.repo not in PACKAGES or not instance.patch or not instance.test_patch:
            print(f"{instance.instance_id}: skipped (no known PyPI package or no patches)", file=sys.stderr)
            continue
        package = PACKAGES[instance.repo]
        if package not in times and instance.instance_id not in pins:
            times[package] = sdist_upload_times(package)
        pinned = pins.get(instance.instance_id)
        pin = find_pin(instance, times.get(package, {}), args.cache, args.limit, pinned)
        if pin is None:
            print(f"{instance.instance_id}: no release accepts both patches", file=sys.stderr)
            continue
        print(f"{instance.instance_id}\t{instance.repo}\t{instance.version}\t{pin.version}", flush=True)
        record = instance.model_dump(mode="json", exclude_defaults=True)
        record["source"] = pin.model_dump()
        try:
            records.append(drop_pass_to_pass(record, drops.get(instance.instance_id, [])))
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    if args.jsonl:
        lines = [json.dumps(record, sort_keys=True) + "\n" for record in records]
        args.jsonl.write_text("".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

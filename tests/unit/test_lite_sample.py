"""bench/lite_sample.py: the stratified Lite sample and the rebuilt PASS_TO_PASS of re-based checkouts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from lite_sample import (  # noqa: E402
    SHARED,
    load_records,
    rebuilt_pass_to_pass,
    sample,
    sdist_pins,
    unreachable_names,
)


@pytest.fixture(scope="module")
def lite() -> dict[str, dict]:
    path = SHARED / "swe-bench-lite-test.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} is not on this machine")
    return load_records(path)


def test_the_sample_covers_every_repository_with_code_and_is_the_same_each_time(
    lite: dict[str, dict], tmp_path: Path
) -> None:
    for repo in ("sympy/sympy", "pallets/flask"):
        (tmp_path / repo).mkdir(parents=True)
    pins = sdist_pins(SHARED / "lite-sdist-hits.tsv")
    chosen, unavailable = sample(lite, pins, tmp_path, size=20, min_per_repo=2, seed=14)
    again, _ = sample(lite, pins, tmp_path, size=20, min_per_repo=2, seed=14)
    assert [r["instance_id"] for r in chosen] == [r["instance_id"] for r in again]
    assert len(chosen) == 20
    repos = {r["repo"] for r in chosen}
    assert {"sympy/sympy", "pallets/flask", "django/django"} <= repos
    assert all(sum(r["repo"] == repo for r in chosen) >= 2 for repo in repos)
    # Mirrored repositories are checked out at their base commit; the others from their sdist pin.
    assert all(r["_source"] == "git mirror" for r in chosen if r["repo"] == "sympy/sympy")
    assert all(r["source"]["type"] == "sdist" for r in chosen if r["repo"] == "django/django")
    assert unavailable["matplotlib/matplotlib"].startswith("no git mirror")


def _eval_dir(tmp_path: Path, gold: dict[str, str], empty: dict[str, str]) -> Path:
    for name, tests in (("gold", gold), ("empty", empty)):
        (tmp_path / f"{name}.json").write_text(json.dumps({"tests": tests}))
    return tmp_path


def test_pass_to_pass_is_rebuilt_only_when_the_missing_tests_are_absent_from_both_runs(
    tmp_path: Path,
) -> None:
    record = {"FAIL_TO_PASS": json.dumps(["f"]), "PASS_TO_PASS": json.dumps(["p1", "p2"])}
    rebuilt = _eval_dir(
        tmp_path, {"f": "PASSED", "p1": "PASSED", "p2": "MISSING"}, {"p1": "PASSED", "p2": "MISSING"}
    )
    assert rebuilt_pass_to_pass(rebuilt, record) == (["p2"], ["p1"])
    failing = _eval_dir(
        tmp_path, {"f": "PASSED", "p1": "FAILED", "p2": "MISSING"}, {"p1": "PASSED", "p2": "MISSING"}
    )
    assert rebuilt_pass_to_pass(failing, record) == ([], [])
    emptied = _eval_dir(
        tmp_path, {"f": "PASSED", "p1": "MISSING", "p2": "MISSING"}, {"p1": "MISSING", "p2": "MISSING"}
    )
    assert rebuilt_pass_to_pass(emptied, record) == ([], [])  # never silently emptied


def test_official_names_the_official_parser_never_produces_are_found(lite: dict[str, dict]) -> None:
    """pylint-7080's PASS_TO_PASS names a parameter by the dataset makers' path, which swebench's parser
    shortens: no harness can report it, so gold cannot resolve officially either."""
    found = {iid for iid, record in lite.items() if unreachable_names(record)}
    assert found == {"pylint-dev__pylint-7080"}
    (name,) = unreachable_names(lite["pylint-dev__pylint-7080"])
    assert name.startswith("tests/test_self.py::TestRunTC::test_stdin[/n/fs/")

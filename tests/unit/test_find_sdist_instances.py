"""scripts/find_sdist_instances.py: which releases it tries and how it checks patches."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).parents[2]
SCRIPT = ROOT / "scripts" / "find_sdist_instances.py"


@pytest.fixture(scope="module")
def finder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("find_sdist_instances", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TIMES = {
    "2.2.2": "2022-08-08T00:00:00Z",
    "2.2.3": "2023-02-15T00:00:00Z",
    "2.2.5": "2023-05-02T00:00:00Z",
    "2.3.0": "2023-04-25T00:00:00Z",
    "2.3.1": "2023-05-01T00:00:00Z",
    "not-a-version": "2020-01-01T00:00:00Z",
}


def test_last_release_before_the_issue_comes_first_then_its_series(finder: ModuleType) -> None:
    got = finder.candidate_versions(TIMES, "2023-02-22T14:00:17Z", "2.3")
    assert got == ["2.2.3", "2.3.1", "2.3.0"]


def test_candidates_are_unique_and_limited(finder: ModuleType) -> None:
    assert finder.candidate_versions(TIMES, "2023-02-22T14:00:17Z", "2.2", limit=2) == ["2.2.3", "2.2.5"]
    assert finder.candidate_versions(TIMES, "2000-01-01T00:00:00Z", None) == []


def test_patches_apply_checks_without_changing_files(finder: ModuleType, tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "a.txt").write_text("one\n")
    good = "--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-one\n+two\n"
    bad = "--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-three\n+four\n"
    assert finder.patches_apply(tmp_path, [good])
    assert not finder.patches_apply(tmp_path, [good, bad])
    assert (tmp_path / "a.txt").read_text() == "one\n"


def test_pairs_split_at_the_first_equals_sign(finder: ModuleType) -> None:
    got = finder.parse_pairs(["a__b-1=x.py::t[p=1]", "a__b-1=y", "c__d-2=4.5.0"], "--pin")
    assert got == {"a__b-1": ["x.py::t[p=1]", "y"], "c__d-2": ["4.5.0"]}
    with pytest.raises(ValueError, match="--pin wants INSTANCE_ID=VALUE, got 'a__b-1'"):
        finder.parse_pairs(["a__b-1"], "--pin")


def test_dropping_pass_to_pass_tests_keeps_the_rest_and_rejects_unknown_names(finder: ModuleType) -> None:
    record = {"instance_id": "a__b-1", "PASS_TO_PASS": ["t1", "t2", "t3"], "FAIL_TO_PASS": ["f"]}
    assert finder.drop_pass_to_pass(record, ["t2", "t1"]) == {**record, "PASS_TO_PASS": ["t3"]}
    assert record["PASS_TO_PASS"] == ["t1", "t2", "t3"]
    with pytest.raises(ValueError, match="a__b-1: t9 is not in PASS_TO_PASS"):
        finder.drop_pass_to_pass(record, ["t9"])

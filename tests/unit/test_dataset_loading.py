"""Datasets load from .jsonl, .json and .parquet files, the bundled name and (when reachable) the hub."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from sweagent.datasets import load_dataset
from sweagent.errors import DatasetError

TEST_DATA = Path(__file__).parents[1] / "data"
# The shared SWE-bench records: $SWEAGENT_SHARED_DATA, else `shared/data` next to the repository or
# one of its parents, else the workspace's copy on this project's machines (/work/shared/data).
_CANDIDATES = [
    *([Path(os.environ["SWEAGENT_SHARED_DATA"])] if os.environ.get("SWEAGENT_SHARED_DATA") else []),
    *(p / "shared" / "data" for p in Path(__file__).parents[2].parents),
    Path("/work/shared/data"),
]
SHARED_DATA = next((p for p in _CANDIDATES if p.is_dir()), _CANDIDATES[-1])
SAMPLES = {
    "swe-bench-lite-test-sample.jsonl": 3,
    "swe-bench-lite-dev-sample.jsonl": 2,
    "swe-bench-verified-gold-sample.jsonl": 3,
}
SHARED = {
    "swe-bench-lite-test.jsonl": 300,
    "swe-bench-lite-dev.jsonl": 23,
    "swe-bench-verified-gold.jsonl": 500,
}


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize(("name", "count"), SAMPLES.items())
def test_sample_files_load_every_record(name: str, count: int) -> None:
    loaded = load_dataset(TEST_DATA / name)
    assert len(loaded.instances) == count
    assert loaded.problems == ()
    assert [i.instance_id for i in loaded.instances] == [r["instance_id"] for r in _lines(TEST_DATA / name)]


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"shared data folder {SHARED_DATA} is absent")
@pytest.mark.parametrize(("name", "count"), SHARED.items())
def test_shared_files_load_every_record(name: str, count: int) -> None:
    loaded = load_dataset(SHARED_DATA / name)
    assert loaded.problems == ()
    assert len(loaded.instances) == count


def test_test_lists_are_decoded_from_json_strings() -> None:
    raw = _lines(TEST_DATA / "swe-bench-lite-test-sample.jsonl")[0]
    assert isinstance(raw["FAIL_TO_PASS"], str)
    instance = load_dataset(TEST_DATA / "swe-bench-lite-test-sample.jsonl").instances[0]
    assert instance.FAIL_TO_PASS == tuple(json.loads(str(raw["FAIL_TO_PASS"])))
    assert instance.FAIL_TO_PASS


def test_verified_gold_records_keep_problem_statement_and_patch() -> None:
    instance = load_dataset(TEST_DATA / "swe-bench-verified-gold-sample.jsonl").instances[0]
    assert instance.patch is not None
    assert instance.patch.startswith("diff --git")
    assert instance.problem_statement
    assert instance.test_patch is None
    assert instance.FAIL_TO_PASS == ()


def test_json_list_and_jsonl_with_list_fields_give_the_same_instances(tmp_path: Path) -> None:
    rows = _lines(TEST_DATA / "swe-bench-lite-test-sample.jsonl")
    as_lists = [
        {
            **row,
            "FAIL_TO_PASS": json.loads(str(row["FAIL_TO_PASS"])),
            "PASS_TO_PASS": json.loads(str(row["PASS_TO_PASS"])),
        }
        for row in rows
    ]
    (tmp_path / "lists.json").write_text(json.dumps(as_lists), encoding="utf-8")
    from_json = load_dataset(tmp_path / "lists.json")
    from_jsonl = load_dataset(TEST_DATA / "swe-bench-lite-test-sample.jsonl")
    assert from_json.instances == from_jsonl.instances


def test_parquet_file_loads(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rows = _lines(TEST_DATA / "swe-bench-lite-test-sample.jsonl")
    path = tmp_path / "lite.parquet"
    pq.write_table(pa.Table.from_pylist(rows), path)
    loaded = load_dataset(path)
    assert loaded.problems == ()
    assert loaded.instances == load_dataset(TEST_DATA / "swe-bench-lite-test-sample.jsonl").instances


def test_unused_columns_are_reported_not_fatal(tmp_path: Path) -> None:
    row = {**_lines(TEST_DATA / "swe-bench-verified-gold-sample.jsonl")[0], "difficulty": "<15 min fix"}
    (tmp_path / "extra.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
    loaded = load_dataset(tmp_path / "extra.jsonl")
    assert len(loaded.instances) == 1
    assert loaded.ignored_fields == ("difficulty",)


def test_bundled_swe_mini_has_pinned_real_instances() -> None:
    loaded = load_dataset("swe-mini")
    assert loaded.problems == ()
    assert len(loaded.instances) >= 6
    assert len({i.repo for i in loaded.instances}) >= 2
    for instance in loaded.instances:
        assert instance.source["type"] == "sdist"
        assert instance.patch
        assert instance.test_patch
        assert instance.FAIL_TO_PASS


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("missing.jsonl", "no such file"),
        ("not-a-dataset", "not a file, a bundled dataset (swe-lite-offline, swe-mini)"),
    ],
)
def test_unknown_specs_fail_with_one_clear_line(spec: str, fragment: str) -> None:
    with pytest.raises(DatasetError, match="^dataset .*") as caught:
        load_dataset(spec)
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_wrong_suffix_and_non_list_json_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("a,b\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"unknown file type \.csv"):
        load_dataset(tmp_path / "data.csv")
    (tmp_path / "object.json").write_text('{"instance_id": "x"}', encoding="utf-8")
    with pytest.raises(DatasetError, match="must be a list of records, got dict"):
        load_dataset(tmp_path / "object.json")

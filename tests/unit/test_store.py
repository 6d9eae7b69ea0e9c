import json
from pathlib import Path

import pytest

from sweagent.errors import StoreError
from sweagent.records import Usage
from sweagent.store import RunStore, atomic_write_text, read_json, safe_name


def test_atomic_write_leaves_no_temporary_files(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "file.json"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["file.json"]


def test_stage_is_done_only_when_its_artifact_exists(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    assert not store.done("django__django-1", "usage.json")
    store.write("django__django-1", "usage.json", Usage(calls=2, prompt_tokens=10))
    assert store.done("django__django-1", "usage.json")
    assert store.read("django__django-1", "usage.json", Usage).calls == 2


def test_unreadable_artifact_names_the_file(tmp_path: Path) -> None:
    store = RunStore(tmp_path)
    store.path("x", "usage.json").parent.mkdir(parents=True)
    store.path("x", "usage.json").write_text("{not json")
    with pytest.raises(StoreError, match="usage.json"):
        store.read("x", "usage.json", Usage)
    with pytest.raises(StoreError, match="usage.json"):
        read_json(store.path("x", "usage.json"))


def test_run_level_json_has_stable_keys(tmp_path: Path) -> None:
    path = RunStore(tmp_path).write_json("results.json", {"b": 1, "a": 2})
    assert list(json.loads(path.read_text())) == ["a", "b"]


@pytest.mark.parametrize(
    ("raw", "safe"), [("a/b", "a_b"), ("..", "_.."), ("ok-1.2_x", "ok-1.2_x"), ("", "_")]
)
def test_safe_name(raw: str, safe: str) -> None:
    assert safe_name(raw) == safe

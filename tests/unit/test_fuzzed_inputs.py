"""Malformed inputs found by a fuzzer give one-line errors (or a skipped record), never a traceback.

Invariant: configs (YAML and `-o` overrides), dataset files, predictions files and run-directory
artifacts either load or raise the package's own error with a single-line message.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sweagent.config import load_config
from sweagent.datasets.loading import load_dataset
from sweagent.datasets.predictions import read_predictions
from sweagent.errors import SweAgentError
from sweagent.records import GenerationResult
from sweagent.store import CANDIDATES_ARTIFACT, RunStore

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
FUZZ = settings(max_examples=60, deadline=None)


def _one_line(err: SweAgentError) -> None:
    assert str(err).strip(), "an error must say something"
    assert "Traceback" not in str(err)
    assert "\n" not in str(err).strip(), f"an error must be one line: {err!s}"


def _file(text: str, suffix: str) -> Path:
    handle = tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False, encoding="utf-8")  # noqa: SIM115
    with handle:
        handle.write(text)
    return Path(handle.name)


@FUZZ
@given(
    text=st.text(max_size=200) | JSON.map(json.dumps), overrides=st.lists(st.text(max_size=40), max_size=3)
)
@example(text='{"a\\nb": 1}', overrides=[])  # regression: a key with a line break split the message
@example(text="{}", overrides=["x\ny=1"])
def test_configs_load_or_give_a_config_error(text: str, overrides: list[str]) -> None:
    path = _file(text, ".yaml")
    try:
        load_config([path], overrides)
    except SweAgentError as err:
        _one_line(err)
    finally:
        path.unlink()


@FUZZ
@given(records=st.lists(JSON, max_size=4), raw=st.text(max_size=60))
def test_dataset_files_load_skip_or_refuse(records: list[object], raw: str) -> None:
    path = _file("\n".join([*(json.dumps(r) for r in records), raw]), ".jsonl")
    try:
        load_dataset(path)
    except SweAgentError as err:
        _one_line(err)
    finally:
        path.unlink()


@FUZZ
@given(content=JSON.map(json.dumps) | st.text(max_size=100))
def test_predictions_files_load_or_refuse(content: str) -> None:
    path = _file(content, ".json")
    try:
        read_predictions(path)
    except SweAgentError as err:
        _one_line(err)
    finally:
        path.unlink()


@FUZZ
@given(content=JSON.map(json.dumps) | st.text(max_size=100))
def test_random_candidates_json_is_redone_not_trusted(content: str) -> None:
    with tempfile.TemporaryDirectory() as run_dir:
        store = RunStore(Path(run_dir))
        path = store.path("demo__x-1", CANDIDATES_ARTIFACT)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        loaded = store.load("demo__x-1", CANDIDATES_ARTIFACT, GenerationResult)
        assert loaded is None or isinstance(loaded, GenerationResult)

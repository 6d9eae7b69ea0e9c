"""`select` re-selects over stored candidates: `selection/<name>.json` and SWE-bench predictions."""

from __future__ import annotations

import io
import json
from contextlib import AbstractContextManager
from pathlib import Path

from rich.console import Console
from run_fixtures import write_instance

from sandbox.errors import EngineUnavailable
from sweagent.execution.scripts import ScriptRunner
from sweagent.records import Instance, Selection
from sweagent.selection.commands import select_command


def test_select_writes_the_selection_and_predictions(tmp_path: Path) -> None:
    a = write_instance(tmp_path, "A", {"a1": "pf", "a2": "pp"}, "ff", {})
    b = write_instance(tmp_path, "B", {"b1": "pp", "b2": "pp"}, "ff", {}, lines=(3, 1))
    assert select_command(tmp_path, "vote") == 0
    stored = Selection.model_validate_json((tmp_path / "A" / "selection" / "vote.json").read_text())
    assert (stored.status, stored.candidate_id) == ("selected", a[1].id)
    rows = [json.loads(line) for line in (tmp_path / "predictions.jsonl").read_text().splitlines()]
    assert rows == [
        {"instance_id": "A", "model_name_or_path": "sweagent:vote", "model_patch": a[1].patch},
        {
            "instance_id": "B",
            "model_name_or_path": "sweagent:vote",
            "model_patch": b[1].patch,
        },  # smaller diff
    ]


def test_a_failed_selection_is_explicit_and_predicts_no_patch(tmp_path: Path) -> None:
    # Zero votes no longer fail `vote` (issue 15); an oracle without evaluations still does.
    write_instance(tmp_path, "A", {"a1": "f", "a2": "b"}, "f", {})
    assert select_command(tmp_path, "oracle") == 1
    stored = Selection.model_validate_json((tmp_path / "A" / "selection" / "oracle.json").read_text())
    assert (stored.status, stored.candidate_id) == ("failed", None)
    row = json.loads((tmp_path / "predictions.jsonl").read_text())
    assert row["model_patch"] == ""


def test_a_chain_is_stored_under_a_file_safe_name(tmp_path: Path) -> None:
    write_instance(tmp_path, "A", {"a1": "pf", "a2": "pp", "a3": "ff"}, "ff", {})
    assert select_command(tmp_path, "vote>random", overrides=["selection.top_k=1"]) == 0
    stored = Selection.model_validate_json((tmp_path / "A" / "selection" / "vote_random.json").read_text())
    assert stored.selector == "vote>random"
    assert stored.status == "selected"


def test_a_missing_matrix_needs_a_sandbox_and_says_so(tmp_path: Path) -> None:
    write_instance(tmp_path, "A", {"a1": "p"}, "f", {})
    (tmp_path / "A" / "test_matrix.json").unlink()

    opened: list[str] = []

    def no_engine(instance: Instance) -> AbstractContextManager[ScriptRunner]:
        opened.append(instance.instance_id)
        msg = "no engine here"
        raise EngineUnavailable(msg)

    assert select_command(tmp_path, "random", open_runner=no_engine) == 0
    assert opened == []  # random needs no evidence: no sandbox was opened
    console = Console(file=io.StringIO(), width=200)
    assert select_command(tmp_path, "vote", open_runner=no_engine, console=console) == 1
    assert opened == ["A"]
    assert "no engine here" in console.file.getvalue()

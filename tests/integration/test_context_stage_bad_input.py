"""Bad input gives every instance a recorded, explained outcome, and the run goes on.

Repositories are real git repositories under a `repos_dir`; the models are scripted test policies.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from context_repos import POLICY, instances

from sweagent.config import RunConfig
from sweagent.context.providers import ContextReport
from sweagent.context.stage import ContextOutcome, run_context_stage
from sweagent.datasets.repos import RepoSources
from sweagent.models.protocol import Message, Purpose
from sweagent.models.scripted import ScriptedModel
from sweagent.records import Context


def run(tmp_path: Path, model: ScriptedModel) -> dict[str, ContextOutcome]:
    sources = RepoSources(repos_dir=tmp_path / "repos", clone_cache=None)
    return asyncio.run(
        run_context_stage(
            instances(tmp_path / "repos"),
            run_dir=tmp_path / "run",
            config=RunConfig(),
            primary=model,
            relevance=model,
            sources=sources,
        )
    )


def test_each_bad_input_is_recorded_and_explained_and_the_run_goes_on(tmp_path: Path) -> None:
    model = ScriptedModel.from_file(POLICY)
    outcomes = run(tmp_path, model)
    assert {iid: o.status for iid, o in outcomes.items()} == {
        "acme__empty-1": "empty",
        "acme__docs-only-1": "empty",
        "acme__mixed-1": "done",
        "acme__gone-1": "error",
    }
    assert "empty repository" in outcomes["acme__empty-1"].detail
    assert "none of the 2 tracked files is a usable source file" in outcomes["acme__docs-only-1"].detail
    assert "commit ffff" in outcomes["acme__gone-1"].detail
    assert not (tmp_path / "run" / "acme__gone-1" / "context.json").exists()

    empty = Context.model_validate_json((tmp_path / "run" / "acme__empty-1" / "context.json").read_text())
    assert (empty.files, empty.recall, empty.budget) == ((), 0.0, 120_000)

    mixed = Context.model_validate_json((tmp_path / "run" / "acme__mixed-1" / "context.json").read_text())
    assert [f.path for f in mixed.files] == ["pkg/settings.py"]
    assert mixed.recall == 1.0
    assert "Mentions" in mixed.files[0].summary
    report = ContextReport.model_validate_json(
        (tmp_path / "run" / "acme__mixed-1" / "context_scan.json").read_text()
    )
    assert report.excluded == {"pkg/latin.py": "not valid UTF-8 (byte 8)"}
    assert report.tokenizer.startswith("approximate")
    assert [(j.path, j.relevant) for j in report.judgements] == [
        ("pkg/other.py", False),
        ("pkg/settings.py", True),
    ]
    assert outcomes["acme__mixed-1"].calls == 3  # two files and one ranking


def test_a_model_that_never_answers_in_the_grammar_gives_an_explained_empty_context(tmp_path: Path) -> None:

    def garbage(messages: list[Message], purpose: Purpose) -> str:
        return "Sure! Here is a poem about files."

    model = ScriptedModel(garbage, name="garbage")
    outcomes = run(tmp_path, model)
    mixed = outcomes["acme__mixed-1"]
    assert mixed.status == "empty"
    assert mixed.detail.startswith("the relevance model gave no usable answer for any of the 2 files")
    assert "no RELEVANCE line" in mixed.detail
    assert mixed.calls == 4  # each file asked twice, no ranking
    assert outcomes["acme__empty-1"].status == "empty"

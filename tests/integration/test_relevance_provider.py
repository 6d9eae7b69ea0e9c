"""The relevance provider on real repositories: BM25 pre-filter, skeletons for large files, and a
ranking model that never answers in the grammar (the order then comes from BM25, and the note says so)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from context_repos import ISSUE, PATCH, POLICY, SETTINGS, make_repo

from sweagent.config import RunConfig
from sweagent.context.providers import ContextReport
from sweagent.context.stage import ContextOutcome, run_context_stage
from sweagent.datasets.repos import RepoSources
from sweagent.models.protocol import Message, Purpose
from sweagent.models.scripted import ScriptedModel
from sweagent.records import Context, Instance

BIG = "".join(f"def helper_{i}(value):\n    total = value + {i}\n    return total\n\n" for i in range(400))


def _run(
    tmp_path: Path, config: RunConfig, model: ScriptedModel
) -> tuple[ContextOutcome, Context, ContextReport]:
    repos = tmp_path / "repos"
    files = {
        "pkg/settings.py": SETTINGS,
        "pkg/big.py": ("def load_settings_strict_mode():\n    pass\n\n" + BIG).encode(),
        "pkg/other.py": b"def unrelated():\n    return 2\n",
    }
    instance = Instance(
        instance_id="acme__big-1",
        repo="acme/big",
        base_commit=make_repo(repos, "big", files),
        problem_statement=ISSUE,
        patch=PATCH,
    )
    outcomes = asyncio.run(
        run_context_stage(
            [instance],
            run_dir=tmp_path / "run",
            config=config,
            primary=model,
            relevance=model,
            sources=RepoSources(repos_dir=repos, clone_cache=None),
        )
    )
    folder = tmp_path / "run" / "acme__big-1"
    context = Context.model_validate_json((folder / "context.json").read_text())
    report = ContextReport.model_validate_json((folder / "context_scan.json").read_text())
    return outcomes["acme__big-1"], context, report


def test_a_file_larger_than_the_window_is_judged_from_its_skeleton(tmp_path: Path) -> None:
    config = RunConfig()
    config.context.window_tokens = 256
    model = ScriptedModel.from_file(POLICY)
    _, context, report = _run(tmp_path, config, model)
    shown = {j.path: j.shown for j in report.judgements}
    assert shown == {"pkg/big.py": "skeleton", "pkg/other.py": "content", "pkg/settings.py": "content"}
    [big_request] = [r for r in model.requests if r.purpose.file == "pkg/big.py"]
    prompt = big_request.messages[1]["content"]
    assert 'shown="skeleton"' in prompt
    assert "    ...  # body collapsed: 2 lines" in prompt
    assert "# [truncated: " in prompt  # even the skeleton is cut to the window
    assert len(prompt) < 256 * 4 + 1000
    assert context.files[0].path == "pkg/settings.py"


def test_the_bm25_prefilter_caps_the_scan(tmp_path: Path) -> None:
    config = RunConfig()
    config.context.prefilter_files = 1
    model = ScriptedModel.from_file(POLICY)
    _, context, report = _run(tmp_path, config, model)
    assert (report.listed, report.scanned, report.prefiltered_out) == (3, 1, 2)
    assert [r.purpose.file for r in model.requests if r.purpose.stage == "relevance"] == ["pkg/settings.py"]
    assert [f.path for f in context.files] == ["pkg/settings.py"]


def test_rankings_that_never_parse_fall_back_to_bm25_order_and_say_so(tmp_path: Path) -> None:
    def no_ranking(messages: list[Message], purpose: Purpose) -> str:
        if purpose.stage == "ranking":
            return "These files matter: pkg/settings.py"
        return "RELEVANCE: Relevant\nSUMMARY: everything matters"

    model = ScriptedModel(no_ranking, name="no-ranking")
    outcome, context, report = _run(tmp_path, RunConfig(), model)
    assert report.ranking is not None
    # One request for the default 3 rankings (issue 15), then one retry of each.
    assert (report.ranking.parsed, report.ranking.calls) == (0, 4)
    assert context.note.startswith("no ranking parsed (Your answer has no ```json fenced block")
    assert context.note.endswith("relevant files ordered by BM25 instead")
    assert [f.path for f in context.files][0] == "pkg/settings.py"
    assert {f.path for f in context.files} == {"pkg/settings.py", "pkg/big.py", "pkg/other.py"}
    assert outcome.status == "done"

"""`context_command` (what `sweagent run --stages context` calls): config, usage, table, exit code."""

from __future__ import annotations

import io
import json
from pathlib import Path

import yaml
from context_repos import POLICY, instances
from rich.console import Console

from sweagent.context.command import context_command
from sweagent.datasets.repos import RepoSources
from sweagent.records import Context


def _dataset(tmp_path: Path, names: tuple[str, ...]) -> Path:
    made = [i for i in instances(tmp_path / "repos") if i.repo.split("/")[1] in names]
    path = tmp_path / "data.jsonl"
    path.write_text("".join(i.model_dump_json() + "\n" for i in made))
    return path


def test_the_command_runs_the_stage_and_writes_config_usage_and_a_table(tmp_path: Path) -> None:
    dataset = _dataset(tmp_path, ("mixed", "docs-only"))
    out = io.StringIO()
    code = context_command(
        str(dataset),
        tmp_path / "run",
        f"scripted:{POLICY}",
        sources=RepoSources(repos_dir=tmp_path / "repos", clone_cache=None),
        console=Console(file=out, width=200),
    )
    assert code == 0
    config = yaml.safe_load((tmp_path / "run" / "config.yaml").read_text())
    # No relevance model was named, so the primary model judges relevance too.
    assert config["models"]["relevance"]["name"] == f"scripted:{POLICY}"
    usage = json.loads((tmp_path / "run" / "usage.json").read_text())
    assert usage["by_stage"]["relevance"]["calls"] == 2
    assert usage["by_stage"]["ranking"]["calls"] == 1
    table = out.getvalue()
    assert "acme__mixed-1" in table
    assert "acme__docs-only-1" in table
    assert "empty" in table


def test_the_bm25_provider_needs_no_model_and_a_failed_instance_exits_1(tmp_path: Path) -> None:
    dataset = _dataset(tmp_path, ("mixed", "gone"))
    code = context_command(
        str(dataset),
        tmp_path / "run",
        None,
        overrides=["context.provider=bm25"],
        sources=RepoSources(repos_dir=tmp_path / "repos", clone_cache=None),
        console=Console(file=io.StringIO()),
    )
    assert code == 1
    context = Context.model_validate_json((tmp_path / "run" / "acme__mixed-1" / "context.json").read_text())
    assert context.provider == "bm25"
    assert [f.path for f in context.files][0] == "pkg/settings.py"
    assert context.recall == 1.0
    assert not (tmp_path / "run" / "acme__gone-1").exists()

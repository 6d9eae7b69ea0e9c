"""Done-when of the context stage: with the scripted test policy, every swe-mini instance gets a
context, re-running makes no model calls, and recall against the gold patch is reported.

The repositories are the instances' PyPI source distributions (downloaded once, cached under ~/.cache).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from sweagent.config import RunConfig
from sweagent.context.stage import ContextOutcome, run_context_stage
from sweagent.datasets import load_dataset
from sweagent.models.scripted import ScriptedModel
from sweagent.records import Context

pytestmark = [pytest.mark.slow, pytest.mark.network]

POLICY = Path(__file__).parents[2] / "sweagent" / "models" / "policies" / "keyword_relevance.py"


def _run(run_dir: Path, config: RunConfig, model: ScriptedModel) -> dict[str, ContextOutcome]:
    instances = load_dataset("swe-mini").instances
    return asyncio.run(
        run_context_stage(instances, run_dir=run_dir, config=config, primary=model, relevance=model)
    )


def test_every_swe_mini_instance_gets_a_context_and_a_rerun_makes_no_model_calls(tmp_path: Path) -> None:
    config = RunConfig()
    config.context.cache_dir = tmp_path / "cache"
    ids = {instance.instance_id for instance in load_dataset("swe-mini").instances}
    assert len(ids) == 8

    first = ScriptedModel.from_file(POLICY)
    outcomes = _run(tmp_path / "run", config, first)
    assert set(outcomes) == ids
    assert {o.status for o in outcomes.values()} == {"done"}, outcomes
    assert len(first.requests) == sum(o.calls for o in outcomes.values()) > 0
    contexts = {
        iid: Context.model_validate_json((tmp_path / "run" / iid / "context.json").read_text()) for iid in ids
    }
    for context in contexts.values():
        assert context.recall is not None
        assert 0 < sum(f.tokens for f in context.files) <= context.budget
    mean_recall = sum(c.recall or 0.0 for c in contexts.values()) / len(contexts)
    assert mean_recall >= 0.5
    print(f"swe-mini recall with the scripted policy: {mean_recall:.2f}")

    same_dir = ScriptedModel.from_file(POLICY)
    again = _run(tmp_path / "run", config, same_dir)
    assert same_dir.requests == []
    assert {o.status for o in again.values()} == {"skipped"}
    assert {iid: o.recall for iid, o in again.items()} == {iid: o.recall for iid, o in outcomes.items()}

    # A fresh run directory sharing the cache rebuilds every context without a single model call.
    fresh = ScriptedModel.from_file(POLICY)
    rebuilt = _run(tmp_path / "fresh", config, fresh)
    assert fresh.requests == []
    for iid in ids:
        assert (
            Context.model_validate_json((tmp_path / "fresh" / iid / "context.json").read_text())
            == contexts[iid]
        )
    assert all(o.status == "done" for o in rebuilt.values())

"""The `scripted:gold` TEST policy (an oracle): its edit blocks reproduce every swe-mini gold patch."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sweagent.datasets import checkout_instance, load_dataset
from sweagent.edits import LocalFiles, apply_edit, parse_edit_blocks
from sweagent.models.policies.gold import edit_blocks
from sweagent.models.scripted import ScriptedModel
from sweagent.records import Instance

MINI = load_dataset("swe-mini").instances


def test_the_gold_policy_is_shipped_by_name() -> None:
    assert ScriptedModel.from_spec("gold").name == "scripted:gold"


@pytest.mark.network
@pytest.mark.parametrize("instance", MINI, ids=[i.instance_id for i in MINI])
def test_edit_blocks_make_the_same_change_as_the_gold_patch(instance: Instance, tmp_path: Path) -> None:
    checkout = checkout_instance(instance, tmp_path / "repo")
    blocks = parse_edit_blocks(edit_blocks(instance.patch))
    apply_edit(blocks, LocalFiles(checkout.path))
    ours = subprocess.run(
        ["git", "diff"], cwd=checkout.path, capture_output=True, text=True, check=True
    ).stdout
    subprocess.run(["git", "checkout", "-q", "--", "."], cwd=checkout.path, check=True)
    subprocess.run(["git", "apply", "-"], input=instance.patch, text=True, cwd=checkout.path, check=True)
    gold = subprocess.run(
        ["git", "diff"], cwd=checkout.path, capture_output=True, text=True, check=True
    ).stdout
    assert ours == gold

"""`sweagent solve`'s git steps on a temporary repository: the instance, dirtiness, apply, branch."""

from __future__ import annotations

from pathlib import Path

import pytest

from sweagent.datasets.git import git
from sweagent.datasets.local import local_instance, working_tree_dirty
from sweagent.errors import ConfigError, DatasetError
from sweagent.solve import SolveRequest, _check_targets, apply_patch, commit_on_branch

FIX = "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "calc"
    root.mkdir()
    (root / "calc.py").write_text("def add(a, b):\n    return a - b\n", encoding="utf-8")
    git("init", "-q", cwd=root)
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "calc", cwd=root)
    return root


def test_the_instance_is_the_committed_head(repo: Path) -> None:
    instance = local_instance(repo, "add() subtracts")
    head = git("rev-parse", "HEAD", cwd=repo).strip()
    assert instance.base_commit == head
    assert instance.instance_id == f"local__calc-{head[:8]}"
    assert instance.repo == str(repo.resolve())


def test_what_is_not_a_committed_working_tree_is_refused(tmp_path: Path, repo: Path) -> None:
    with pytest.raises(DatasetError, match="not a git repository"):
        local_instance(tmp_path / "absent", "x")
    with pytest.raises(DatasetError, match="not a git repository"):
        local_instance(tmp_path, "x")  # a plain folder
    git("init", "-q", "--bare", str(tmp_path / "bare.git"))
    with pytest.raises(DatasetError, match="bare repository"):
        local_instance(tmp_path / "bare.git", "x")
    git("init", "-q", str(tmp_path / "empty"))
    with pytest.raises(DatasetError, match="no commit yet"):
        local_instance(tmp_path / "empty", "x")


def test_only_tracked_changes_make_the_tree_dirty(repo: Path) -> None:
    (repo / "notes.txt").write_text("untracked\n", encoding="utf-8")
    assert not working_tree_dirty(repo)
    (repo / "calc.py").write_text("changed\n", encoding="utf-8")
    assert working_tree_dirty(repo)


def test_the_patch_applies_to_the_working_tree_or_says_why_not(repo: Path, tmp_path: Path) -> None:
    patch = tmp_path / "fix.patch"
    patch.write_text(FIX, encoding="utf-8")
    apply_patch(repo, patch)
    assert "return a + b" in (repo / "calc.py").read_text(encoding="utf-8")
    with pytest.raises(DatasetError, match=r"does not apply to .*calc\.py"):
        apply_patch(repo, patch)


def test_the_patch_is_committed_on_a_new_branch_leaving_the_checkout_alone(
    repo: Path, tmp_path: Path
) -> None:
    patch = tmp_path / "fix.patch"
    patch.write_text(FIX, encoding="utf-8")
    instance = local_instance(repo, "add() subtracts\nmore text")
    commit = commit_on_branch(repo, patch, "sweagent-fix", instance)
    assert git("rev-parse", "sweagent-fix", cwd=repo).strip() == commit
    assert git("log", "-1", "--format=%s %an", "sweagent-fix", cwd=repo).strip() == (
        "sweagent: add() subtracts sweagent"
    )
    assert "return a - b" in (repo / "calc.py").read_text(encoding="utf-8")
    assert git("worktree", "list", cwd=repo).count("\n") == 1  # the temporary worktree is gone
    with pytest.raises(ConfigError, match="already exists"):
        _check_targets(SolveRequest(repo=repo, branch="sweagent-fix"))
    with pytest.raises(ConfigError, match="not a valid branch name"):
        _check_targets(SolveRequest(repo=repo, branch="bad..name"))
    _check_targets(SolveRequest(repo=repo, branch="another-fix"))

"""Repositories at base_commit from real git repos (local, bare, a clone cache); nothing later leaks."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sweagent.datasets import RepoSources, checkout_instance
from sweagent.datasets.repos import copy_history
from sweagent.errors import DatasetError
from sweagent.records import Instance


def _git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main", *args]
    return subprocess.run(command, cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def _exists(repo: Path, sha: str) -> bool:
    return subprocess.run(["git", "cat-file", "-e", sha], cwd=repo, capture_output=True).returncode == 0


@pytest.fixture
def upstream(tmp_path: Path) -> dict[str, str]:
    """`repos/acme/widget`: commits c1..c4 with tags v1 (c1), v2 (annotated, c2), v4 (c4), a branch at c4."""
    repo = tmp_path / "repos" / "acme" / "widget"
    repo.mkdir(parents=True)
    _git(repo, "init", "-q")
    shas = {}
    for n in range(1, 5):
        (repo / "widget.py").write_text(f"VERSION = {n}\n")
        _git(repo, "add", "widget.py")
        _git(repo, "commit", "-q", "-m", f"c{n}")
        shas[f"c{n}"] = _git(repo, "rev-parse", "HEAD")
    _git(repo, "tag", "v1", shas["c1"])
    _git(repo, "tag", "-a", "-m", "release 2", "v2", shas["c2"])
    _git(repo, "tag", "v4", shas["c4"])
    _git(repo, "branch", "fix", shas["c4"])
    return shas


def _instance(base_commit: str, repo: str = "acme/widget") -> Instance:
    return Instance(instance_id="acme__widget-1", repo=repo, base_commit=base_commit, problem_statement="x")


def _offline(tmp_path: Path, repos_dir: Path | None = None) -> RepoSources:
    """No cloning, no sdist pins: only the local repositories are tried."""
    local = repos_dir or tmp_path / "repos"
    return RepoSources(repos_dir=local, clone_cache=None, sdist_cache=tmp_path / "s")


def test_normal_repo_gives_base_commit_and_no_later_history(tmp_path: Path, upstream: dict[str, str]) -> None:
    dest = tmp_path / "checkout"
    checkout = checkout_instance(_instance(upstream["c2"]), dest, _offline(tmp_path))
    assert checkout.origin == "repos_dir"
    assert checkout.commit == upstream["c2"]
    assert not checkout.rebased
    assert _git(dest, "rev-parse", "HEAD") == upstream["c2"]
    assert (dest / "widget.py").read_text() == "VERSION = 2\n"
    assert _exists(dest, upstream["c1"])
    assert not _exists(dest, upstream["c3"])
    assert not _exists(dest, upstream["c4"])
    assert _git(dest, "remote") == ""


def test_ancestor_tags_are_kept_and_later_tags_absent(tmp_path: Path, upstream: dict[str, str]) -> None:
    dest = tmp_path / "checkout"
    checkout_instance(_instance(upstream["c3"]), dest, _offline(tmp_path))
    assert _git(dest, "tag").split() == ["v1", "v2"]
    assert _git(dest, "describe", "--tags") == "v2-1-g" + upstream["c3"][:7]
    assert _git(dest, "for-each-ref", "--format=%(refname)", "refs/heads") == ""
    assert not _exists(dest, upstream["c4"])


def test_bare_repo_named_dot_git_is_used(tmp_path: Path, upstream: dict[str, str]) -> None:
    bare_root = tmp_path / "bare"
    (bare_root / "acme").mkdir(parents=True)
    _git(
        tmp_path,
        "clone",
        "-q",
        "--bare",
        str(tmp_path / "repos" / "acme" / "widget"),
        str(bare_root / "acme" / "widget.git"),
    )
    dest = tmp_path / "checkout"
    checkout = checkout_instance(_instance(upstream["c1"]), dest, _offline(tmp_path, repos_dir=bare_root))
    assert checkout.detail == str(bare_root / "acme" / "widget.git")
    assert _git(dest, "rev-parse", "HEAD") == upstream["c1"]
    assert _git(dest, "tag").split() == ["v1"]
    assert not _exists(dest, upstream["c2"])


def test_missing_commit_names_instance_and_commit(tmp_path: Path, upstream: dict[str, str]) -> None:
    missing = "f" * 40
    with pytest.raises(DatasetError, match=f"^instance acme__widget-1: commit {missing} not found") as caught:
        checkout_instance(_instance(missing), tmp_path / "checkout", _offline(tmp_path))
    assert "does not contain it" in str(caught.value)
    assert "no sdist pin" in str(caught.value)


def test_missing_repository_is_reported(tmp_path: Path, upstream: dict[str, str]) -> None:
    with pytest.raises(DatasetError, match="no repository other/thing under"):
        checkout_instance(_instance(upstream["c1"], repo="other/thing"), tmp_path / "c", _offline(tmp_path))


def test_non_empty_destination_is_refused(tmp_path: Path, upstream: dict[str, str]) -> None:
    dest = tmp_path / "checkout"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    with pytest.raises(DatasetError, match="exists and is not empty"):
        checkout_instance(_instance(upstream["c1"]), dest, _offline(tmp_path))
    assert (dest / "keep.txt").read_text() == "mine"


def test_clone_cache_is_filled_once_and_reused(tmp_path: Path, upstream: dict[str, str]) -> None:
    # A file:// URL stands in for GitHub: the same clone and fetch code runs against a real remote.
    sources = RepoSources(
        repos_dir=tmp_path / "empty",
        clone_cache=tmp_path / "clones",
        github_url=(tmp_path / "repos").as_uri(),
        sdist_cache=tmp_path / "s",
    )
    first = checkout_instance(_instance(upstream["c2"]), tmp_path / "one", sources)
    assert first.origin == "clone"
    assert first.skipped == (f"no repository acme/widget under {tmp_path / 'empty'}",)
    assert (tmp_path / "clones" / "acme" / "widget.git" / "HEAD").is_file()
    assert not _exists(tmp_path / "one", upstream["c3"])
    second = checkout_instance(_instance(upstream["c3"]), tmp_path / "two", sources)
    assert second.origin == "clone"
    assert _git(tmp_path / "two", "rev-parse", "HEAD") == upstream["c3"]
    assert not _exists(tmp_path / "two", upstream["c4"])


def test_unreachable_remote_fails_fast_with_its_reason(tmp_path: Path) -> None:
    sources = RepoSources(
        clone_cache=tmp_path / "clones",
        github_url="http://127.0.0.1:9",
        probe_timeout=5,
        sdist_cache=tmp_path / "s",
    )
    with pytest.raises(DatasetError, match=r"clone from http://127\.0\.0\.1:9/acme/widget failed: "):
        checkout_instance(_instance("a" * 40), tmp_path / "checkout", sources)
    assert not (tmp_path / "clones" / "acme" / "widget.git").exists()


def test_failed_copy_leaves_no_half_made_checkout(tmp_path: Path, upstream: dict[str, str]) -> None:
    dest = tmp_path / "checkout"
    with pytest.raises(DatasetError, match="git fetch"):
        copy_history(tmp_path / "repos" / "acme" / "widget", "e" * 40, dest)
    assert not dest.exists()

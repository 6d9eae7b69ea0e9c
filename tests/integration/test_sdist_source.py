"""A PyPI source distribution becomes a cached one-commit repository; swe-mini instances check out from it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sweagent.datasets import RepoSources, SdistPin, checkout_instance, load_dataset, sdist_repo
from sweagent.errors import DatasetError

pytestmark = pytest.mark.network

SIX = SdistPin(type="sdist", package="six", version="1.16.0")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()


def test_small_sdist_becomes_a_tagged_repository_with_a_stable_commit(tmp_path: Path) -> None:
    repo = sdist_repo(SIX, tmp_path / "one")
    assert (repo / "six.py").is_file()
    assert (repo / "PKG-INFO").is_file()
    assert _git(repo, "tag") == "1.16.0"
    assert _git(repo, "status", "--porcelain") == ""
    # Same release, another cache: the same commit id, so re-based instances agree across machines.
    again = sdist_repo(SIX, tmp_path / "two")
    assert _git(again, "rev-parse", "HEAD") == _git(repo, "rev-parse", "HEAD")
    assert sdist_repo(SIX, tmp_path / "one") == repo


def test_unknown_release_is_a_clear_error(tmp_path: Path) -> None:
    pin = SdistPin(type="sdist", package="six", version="0.0.0.404")
    with pytest.raises(DatasetError, match=r"^sdist six==0\.0\.0\.404: pip download failed"):
        sdist_repo(pin, tmp_path)


def test_swe_mini_instance_checks_out_rebased_and_accepts_its_patches(tmp_path: Path) -> None:
    instance = load_dataset("swe-mini", instances=["pallets__flask-4992"]).instances[0]
    sources = RepoSources(repos_dir=tmp_path / "repos", clone_cache=None, sdist_cache=tmp_path / "sdists")
    checkout = checkout_instance(instance, tmp_path / "checkout", sources)
    assert checkout.origin == "sdist"
    assert checkout.rebased
    assert checkout.skipped == (f"no repository pallets/flask under {tmp_path / 'repos'}",)
    assert checkout.commit != instance.base_commit
    assert _git(checkout.path, "rev-parse", "HEAD") == checkout.commit
    assert _git(checkout.path, "tag") == instance.source["version"]
    for patch in (instance.test_patch, instance.patch):
        subprocess.run(
            ["git", "apply", "--check", "-"], input=patch, text=True, cwd=checkout.path, check=True
        )

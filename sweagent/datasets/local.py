"""Instances from the user's own repository (`sweagent solve`), and what its environment needs.

The instance is the repository at its current HEAD commit: only committed code enters the sandbox,
so uncommitted work never leaks into (or gets lost in) a candidate.
"""

from __future__ import annotations

import configparser
import re
import tomllib
from pathlib import Path

from sweagent.datasets.git import git, has_commit, is_git_repo
from sweagent.errors import DatasetError
from sweagent.records import Instance

__all__ = ["TEST_EXTRAS", "local_instance", "test_extras", "test_requirement_files", "working_tree_dirty"]

TEST_EXTRAS = ("test", "tests", "testing", "dev")
"""Optional-dependency groups taken to hold a project's test dependencies."""


def _repository(path: Path) -> Path:
    """`path` resolved, when it is the top of a git working tree with at least one commit."""
    if not is_git_repo(path):
        msg = f"{path} is not a git repository (sweagent solve works on a committed git repository)"
        raise DatasetError(msg)
    if git("rev-parse", "--is-bare-repository", cwd=path, timeout=30).strip() == "true":
        msg = f"{path} is a bare repository; point --repo at a working tree"
        raise DatasetError(msg)
    if not has_commit(path, "HEAD"):
        msg = f"{path} has no commit yet; commit the code the issue is about first"
        raise DatasetError(msg)
    return path.resolve()


def local_instance(path: Path, issue: str) -> Instance:
    """The repository at `path`, at its HEAD commit, with `issue` as the problem statement."""
    if not issue.strip():
        msg = "the issue text is empty; give it with --issue TEXT or --issue-file FILE"
        raise DatasetError(msg)
    root = _repository(path)
    commit = git("rev-parse", "HEAD", cwd=root, timeout=30).strip()
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", root.name).strip("-") or "repo"
    return Instance(
        instance_id=f"local__{name}-{commit[:8]}",
        repo=str(root),
        base_commit=commit,
        problem_statement=issue,
        source={"type": "local", "path": str(root)},
    )


def working_tree_dirty(path: Path) -> bool:
    """Whether tracked files have uncommitted changes (untracked files do not count)."""
    status = git("status", "--porcelain", "--untracked-files=no", cwd=_repository(path), timeout=60)
    return bool(status.strip())


def test_extras(checkout: Path) -> list[str]:
    """The declared optional-dependency groups that hold test dependencies (pyproject.toml, setup.cfg)."""
    declared: set[str] = set()
    pyproject = checkout / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            data = {}
        declared.update(data.get("project", {}).get("optional-dependencies", {}) or {})
    setup_cfg = checkout / "setup.cfg"
    if setup_cfg.is_file():
        parser = configparser.ConfigParser()
        try:
            parser.read(setup_cfg, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            parser.clear()
        if parser.has_section("options.extras_require"):
            declared.update(parser.options("options.extras_require"))
    return [extra for extra in TEST_EXTRAS if extra in declared]


def test_requirement_files(checkout: Path) -> list[str]:
    """Requirement files at the root that name test or development dependencies."""
    pattern = re.compile(r"requirements[-_.]?(test|tests|testing|dev)[\w.-]*\.txt", re.IGNORECASE)
    return sorted(p.name for p in checkout.iterdir() if p.is_file() and pattern.fullmatch(p.name))

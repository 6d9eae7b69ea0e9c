"""`sweagent solve` on a small git repository the test creates: a patch is produced and applied.

The model is a scripted TEST policy that writes a reproduction test and the fix; everything else
is real: the image built from the base plus `pip install -e .`, sandboxes, the test matrix and
the selection trajectory, `git apply` on the working tree and a commit on a new branch.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.docker, pytest.mark.network]

POLICY = '''"""Scripted TEST policy for the calc repository: reproduce, fix, choose."""
import re


def respond(messages, purpose):
    if purpose.stage == "selection":
        for message in reversed(messages):
            found = re.search(r"^### Candidate ([A-Z]+)$", message["content"], re.MULTILINE)
            if found:
                return f"<choose>{found.group(1)}</choose>"
        return "<test>\\nimport sys\\nsys.exit(0)\\n</test>"
    if purpose.turn > 0:
        return "<done/>"
    if purpose.stage == "testing":
        return (
            "<test>\\nimport sys\\nfrom calc import add\\n"
            "sys.exit(0 if add(2, 3) == 5 else 2)\\n</test>"
        )
    return (
        "<edit>\\n<<<<<<< SEARCH calc/__init__.py\\n    return a - b\\n=======\\n"
        "    return a + b\\n>>>>>>> REPLACE\\n</edit>"
    )
'''


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def _solve(repo: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "sweagent",
        "solve",
        "--repo",
        str(repo),
        "--issue",
        "add(2, 3) returns -1",
    ]
    command += ["--model", f"scripted:{tmp_path / 'policy.py'}", "--samples", "2", "--iterations", "3"]
    command += ["-o", "context.provider=bm25", "--run-dir", str(tmp_path / "run"), *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=1800, check=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "calc-project"
    (root / "calc").mkdir(parents=True)
    (root / "calc" / "__init__.py").write_text("def add(a, b):\n    return a - b\n")
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "calc"\nversion = "0.1"\n'
    )
    (tmp_path / "policy.py").write_text(POLICY)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "calc")
    return root


def test_solve_applies_the_fix_then_commits_it_on_a_branch(repo: Path, tmp_path: Path) -> None:
    applied = _solve(repo, tmp_path, "--apply")
    assert applied.returncode == 0, applied.stderr[-3000:]
    assert "+    return a + b" in applied.stdout
    assert (repo / "calc" / "__init__.py").read_text() == "def add(a, b):\n    return a + b\n"

    # The working tree is now dirty: a second --apply is refused before any work is done.
    refused = _solve(repo, tmp_path, "--apply")
    assert refused.returncode == 2
    assert "uncommitted changes" in refused.stderr

    # The same run directory resumes (nothing is regenerated) and commits the diff on a new branch.
    branched = _solve(repo, tmp_path, "--branch", "sweagent-fix")
    assert branched.returncode == 0, branched.stderr[-3000:]
    assert "+    return a + b" in _git(repo, "show", "sweagent-fix")
    assert _git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() in ("master", "main")
    assert _git(repo, "worktree", "list").count("\n") == 1  # the temporary worktree is gone

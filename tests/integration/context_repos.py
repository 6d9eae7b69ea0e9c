"""Small real git repositories with odd contents, and instances on them, for the context-stage tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sweagent.records import Instance

POLICY = Path(__file__).parents[2] / "sweagent" / "models" / "policies" / "keyword_relevance.py"
ISSUE = "Calling `load_settings` with `strict_mode=True` raises KeyError"
PATCH = "diff --git a/pkg/settings.py b/pkg/settings.py\n--- a/pkg/settings.py\n+++ b/pkg/settings.py\n"


def make_repo(repos_dir: Path, name: str, files: dict[str, bytes]) -> str:
    """A repository `acme/<name>` with one commit holding `files`; returns the commit id."""
    repo = repos_dir / "acme" / name
    repo.mkdir(parents=True)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    for path, content in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_bytes(content)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "base"], cwd=repo, check=True)
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


SETTINGS = b"def load_settings(path, strict_mode=False):\n    if strict_mode:\n        raise KeyError(path)\n"


def instances(repos_dir: Path) -> list[Instance]:
    repos = {
        "empty": {},
        "docs-only": {"README.md": b"# hi\n", "tests/test_settings.py": b"def test(): pass\n"},
        "mixed": {
            "pkg/settings.py": SETTINGS,
            "pkg/latin.py": "s = 'café'\n".encode("latin-1"),
            "pkg/other.py": b"def unrelated():\n    return 2\n",
        },
    }
    made = [
        Instance(
            instance_id=f"acme__{name}-1",
            repo=f"acme/{name}",
            base_commit=make_repo(repos_dir, name, files),
            problem_statement=ISSUE,
            patch=PATCH,
        )
        for name, files in repos.items()
    ]
    missing = Instance(
        instance_id="acme__gone-1", repo="acme/gone", base_commit="f" * 40, problem_statement=ISSUE
    )
    return [*made, missing]

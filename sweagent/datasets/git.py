"""A thin, bounded `git` runner: no prompts, no hooks, no signing, stderr kept for the message."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from sweagent.errors import DatasetError

__all__ = ["GitFailed", "git", "has_commit", "is_git_repo"]

_ISOLATING = [
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "tag.gpgsign=false",
    "-c",
    "user.name=sweagent",
    "-c",
    "user.email=sweagent@localhost",
    "-c",
    "init.defaultBranch=main",
    "-c",
    "core.autocrlf=false",
]


class GitFailed(DatasetError):
    """A git command exited non-zero or timed out; callers add which instance and source it was for."""

    def __init__(self, args: list[str], detail: str) -> None:
        self.detail = detail
        super().__init__(f"git {' '.join(args)}: {detail}")


def git(
    *args: str,
    cwd: Path | None = None,
    timeout: float = 120.0,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
) -> str:
    """Run git (reading `stdin` when given) and return its stdout; raise GitFailed with the last stderr
    line on failure."""
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", **(env or {})}
    command = ["git", *_ISOLATING, *args]
    try:
        done = subprocess.run(
            command, cwd=cwd, env=full_env, input=stdin, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise GitFailed(list(args), f"timed out after {timeout:g} s") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise GitFailed(list(args), lines[-1] if lines else f"exit code {done.returncode}")
    return done.stdout


def is_git_repo(path: Path) -> bool:
    """True when `path` itself is a normal (has `.git`) or bare git repository, not a folder inside one."""
    if (path / ".git").exists():
        return True
    if not (path / "HEAD").is_file() or not (path / "objects").is_dir():
        return False
    try:
        return git("rev-parse", "--is-bare-repository", cwd=path, timeout=30).strip() == "true"
    except GitFailed:
        return False


def has_commit(repo: Path, commit: str) -> bool:
    """True when `repo` holds `commit` (as a commit object)."""
    try:
        git("cat-file", "-e", f"{commit}^{{commit}}", cwd=repo, timeout=30)
    except GitFailed:
        return False
    return True

"""The repository's requirements file, read from a local repository instead of from GitHub.

SWE-bench downloads `requirements.txt` (at the paths `MAP_REPO_TO_REQS_PATHS` names) from
raw.githubusercontent.com at the environment setup commit; we read the same paths with `git show`
from the repository the checkout came from, expand `-r` includes the same way, drop the lines that
install the repository itself, and apply swebench's package replacements. A conda `environment.yml`
(at the paths `MAP_REPO_TO_ENV_YML_PATHS` names) is read the same way and translated to pip
requirements (`sweagent.environment.conda`).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

from sweagent.datasets.git import GitFailed, git
from sweagent.environment.conda import conda_to_pip

__all__ = ["Requirements", "read_environment_yml", "read_requirements"]

_SKIPPED_PREFIXES = ("-e .", "#", ".[test")
_MAX_INCLUDE_DEPTH = 3


@dataclass(frozen=True)
class Requirements:
    """Requirement lines for pip, and where they came from (or why there are none)."""

    text: str
    note: str


def read_requirements(repo: str, source: Path, commit: str) -> Requirements:
    """The requirements of `repo` at `commit` in the local repository `source` (empty with a note if none)."""
    from swebench.harness.constants import MAP_REPO_TO_REQS_PATHS  # heavy import, only when needed
    from swebench.harness.test_spec.python import clean_requirements

    paths = MAP_REPO_TO_REQS_PATHS.get(repo, ["requirements.txt"])
    for path in paths:
        text = _show(source, commit, path)
        if text is not None:
            lines = _expand(source, commit, path, text, depth=0)
            return Requirements(clean_requirements("\n".join(lines)) + "\n", f"{path} at {commit[:12]}")
    return Requirements("", f"no requirements file ({', '.join(paths)}) at {commit[:12]}: none installed")


def read_environment_yml(repo: str, source: Path, commit: str) -> Requirements:
    """The conda environment.yml of `repo` at `commit`, as pip requirements (empty with a note if none)."""
    from swebench.harness.constants import MAP_REPO_TO_ENV_YML_PATHS  # heavy import, only when needed
    from swebench.harness.test_spec.python import clean_requirements

    paths = MAP_REPO_TO_ENV_YML_PATHS.get(repo, ["environment.yml"])
    for path in paths:
        text = _show(source, commit, path)
        if text is None:
            continue
        try:
            lines, dropped = conda_to_pip(text)
        except ValueError as err:
            return Requirements("", f"{path} at {commit[:12]} unreadable ({err}): none installed")
        note = f"{path} at {commit[:12]} translated to pip"
        if dropped:
            note += f" (conda-only, left out: {', '.join(dropped)})"
        return Requirements(clean_requirements("\n".join(lines)) + "\n", note)
    return Requirements("", f"no environment file ({', '.join(paths)}) at {commit[:12]}: none installed")


def _show(source: Path, commit: str, path: str) -> str | None:
    try:
        return git("show", f"{commit}:{path}", cwd=source, timeout=60)
    except GitFailed:
        return None


def _expand(source: Path, commit: str, path: str, text: str, depth: int) -> list[str]:
    """The file's lines with `-r other.txt` replaced by that file's lines (relative to this one)."""
    lines: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("-r"):
            included = posixpath.normpath(posixpath.join(posixpath.dirname(path), stripped[2:].strip()))
            body = _show(source, commit, included) if depth < _MAX_INCLUDE_DEPTH else None
            if body is not None:
                lines.extend(_expand(source, commit, included, body, depth + 1))
            continue
        if stripped and not stripped.startswith(_SKIPPED_PREFIXES):
            lines.append(stripped)
    return lines

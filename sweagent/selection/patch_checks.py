"""What an imported patch is: applies, applies only with fuzz, or one of the kinds of junk real files hold.

Text checks first (no repository needed): binary sections are dropped, then a patch is `empty`
(nothing left, e.g. only a reproduction script at the root), `binary` (only binary sections),
`malformed` (prose, no file headers), `too_large`, or `tests_only`. With a checkout at the base
commit, `git apply --check` says `applies`; a patch that applies only with `--recount`,
`--ignore-whitespace`, less context or `patch --fuzz` is `fuzz` and replaced by the clean diff the
applied change makes; one that does not apply at all is `conflicts`. Without a checkout: `unchecked`.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import get_args

from sweagent.datasets.git import GitFailed, git
from sweagent.records import PatchKind

__all__ = ["JUNK", "PatchKind", "checked_kind", "filter_patch", "is_test_path", "text_kind", "touched"]

JUNK: frozenset[str] = frozenset({"malformed", "binary", "empty", "too_large", "conflicts"})
"""Kinds that never become candidates: counted and kept in `imports.json`, nothing more."""
KINDS: tuple[str, ...] = get_args(PatchKind)

_FILE_HEADER = re.compile(r"^diff --git a/(\S+) b/(\S+)", re.MULTILINE)
_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@", re.MULTILINE)
_BINARY = ("GIT binary patch", "Binary files ")
_GIT_TIMEOUT = 60.0


def _sections(patch: str) -> tuple[str, list[str]]:
    """(text before the first `diff --git`, one string per file section)."""
    starts = [m.start() for m in _FILE_HEADER.finditer(patch)]
    if not starts:
        return patch, []
    bounds = [*starts, len(patch)]
    return patch[: starts[0]], [patch[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]


def _is_root_script(section: str) -> bool:
    """A new top-level `.py` file: the reproduction scripts systems leave behind."""
    match = _FILE_HEADER.match(section)
    if match is None or "\nnew file mode" not in section:
        return False
    return "/" not in match.group(2) and match.group(2).endswith(".py")


def filter_patch(patch: str) -> tuple[str, list[str]]:
    """The patch without binary sections and new root-level scripts; (kept diff, what was dropped)."""
    preamble, sections = _sections(patch.replace("\r\n", "\n"))
    kept, dropped = [], []
    for section in sections:
        name = _FILE_HEADER.match(section).group(2)  # type: ignore[union-attr]
        if any(marker in section for marker in _BINARY):
            dropped.append(f"binary {name}")
        elif _is_root_script(section):
            dropped.append(f"root script {name}")
        else:
            kept.append(section if section.endswith("\n") else section + "\n")
    if not sections:
        return preamble, []
    return "".join(kept), dropped


def is_test_path(path: str) -> bool:
    """A test file by convention: under `tests/` or `testing/`, `test_*.py`, `*_test.py`, `conftest.py`."""
    parts = PurePosixPath(path).parts
    name = parts[-1] if parts else ""
    in_tests = any(part in ("test", "tests", "testing") for part in parts[:-1])
    return in_tests or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


def touched(patch: str) -> list[str]:
    """Paths the diff's file headers name."""
    return [m.group(2) for m in _FILE_HEADER.finditer(patch)]


def text_kind(patch: str, max_bytes: int) -> tuple[PatchKind | None, str, str]:
    """(kind when the text alone decides it, the filtered patch, a note); kind None: needs a checkout."""
    if not patch.strip():
        return "empty", "", "no diff"
    filtered, dropped = filter_patch(patch)
    note = "; ".join(f"dropped {d}" for d in dropped)
    if not filtered.strip():
        only_binary = dropped and all(d.startswith("binary") for d in dropped)
        return ("binary" if only_binary else "empty"), "", note
    if not _FILE_HEADER.search(filtered) and not filtered.lstrip().startswith("--- "):
        return "malformed", filtered, "no file headers (prose rather than a diff)"
    if (
        not _HUNK.search(filtered)
        and "\nnew file mode" not in filtered
        and "\ndeleted file mode" not in filtered
    ):
        return "malformed", filtered, "no hunks"
    if len(filtered.encode("utf-8")) > max_bytes:
        return "too_large", filtered, f"{len(filtered.encode('utf-8'))} bytes > {max_bytes}"
    paths = touched(filtered)
    if paths and all(is_test_path(p) for p in paths):
        return "tests_only", filtered, note
    return None, filtered, note


@dataclass(frozen=True)
class _Attempt:
    command: Sequence[str]
    label: str


_FUZZ_ATTEMPTS = (
    _Attempt(
        ("git", "apply", "--recount", "--ignore-whitespace", "-"), "git apply --recount --ignore-whitespace"
    ),
    _Attempt(("git", "apply", "--recount", "--ignore-whitespace", "-C1", "-"), "git apply -C1"),
    _Attempt(("patch", "-p1", "--fuzz=3", "--no-backup-if-mismatch", "-r", "-", "--batch"), "patch --fuzz=3"),
)


def _git(*args: str, checkout: Path, patch: str | None = None) -> str:
    return git(*args, cwd=checkout, stdin=patch, timeout=_GIT_TIMEOUT)


def _applies(attempt: _Attempt, patch: str, checkout: Path) -> bool:
    """Whether the attempt applied `patch` to `checkout` (git through the project's git runner)."""
    program, *args = attempt.command
    if program != "git":
        command = [program, *args]
        done = subprocess.run(
            command, cwd=checkout, input=patch, capture_output=True, text=True, timeout=_GIT_TIMEOUT
        )
        return done.returncode == 0
    try:
        _git(*args, checkout=checkout, patch=patch)
    except GitFailed:
        return False
    return True


def _staged_diff(checkout: Path) -> str:
    """The diff of everything the attempt changed in `checkout`; empty when git cannot say."""
    try:
        _git("add", "-A", checkout=checkout)
        return _git("diff", "--cached", "--no-color", "--no-ext-diff", checkout=checkout)
    except GitFailed:
        return ""


def _reset(checkout: Path) -> None:
    for args in (("reset", "-q", "--hard"), ("clean", "-qfdx")):
        with contextlib.suppress(GitFailed):
            _git(*args, checkout=checkout)


def checked_kind(patch: str, checkout: Path) -> tuple[PatchKind, str, str]:
    """(applies | fuzz | conflicts | malformed, the patch to keep, a note), against a clean checkout.

    A `fuzz` patch is replaced by `git diff` of the change it made, so it applies cleanly later.
    """
    try:
        _git("apply", "--check", "-", checkout=checkout, patch=patch)
    except GitFailed as err:
        why = err.detail
    else:
        return "applies", patch, ""
    try:
        for attempt in _FUZZ_ATTEMPTS:
            clean = _staged_diff(checkout) if _applies(attempt, patch, checkout) else ""
            if clean.strip():
                return "fuzz", clean, f"{why}; normalised by {attempt.label}"
            _reset(checkout)
    finally:
        _reset(checkout)
    kind: PatchKind = "malformed" if "corrupt patch" in why or "No valid patches" in why else "conflicts"
    return kind, patch, why

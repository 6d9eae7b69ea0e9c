"""Search/replace edit blocks: parse them, check their paths, apply them all or none.

```
<<<<<<< SEARCH path/inside/repo.py
lines to find, exactly once
=======
lines to put instead
>>>>>>> REPLACE
```

A SEARCH part must match whole lines exactly once. When it does not, the error shows the model the
real lines: a whitespace-only difference, or the closest fuzzy match, bounded in length. An empty
SEARCH part on a path that does not exist creates the file. Blocks apply in order, each seeing the
result of the ones before it; if any block fails, nothing is written.
"""

from __future__ import annotations

import difflib
import posixpath
import re
from collections.abc import Sequence

from sweagent.edits.repo_files import RepoFiles
from sweagent.errors import FormatError
from sweagent.records import Record

__all__ = [
    "AppliedEdit",
    "EditBlock",
    "EditError",
    "apply_edit",
    "check_path",
    "parse_edit_blocks",
    "render_block",
]

SHOW_LINES = 30
"""At most this many real lines are shown back to the model for a near miss."""
SHOW_LINE_CHARS = 200
FUZZY_CUTOFF = 0.6

_START = re.compile(r"^<{5,9} SEARCH(?:[ \t]+(?P<path>.*?))?[ \t]*$")
_MIDDLE = re.compile(r"^={5,9}[ \t]*$")
_END = re.compile(r"^>{5,9} REPLACE[ \t]*$")


class EditError(FormatError):
    """An edit that cannot be applied; the message is written for the model."""


class EditBlock(Record):
    """One search/replace block; `search` and `replace` are whole lines, each ending in a newline."""

    path: str
    search: str
    replace: str


class AppliedEdit(Record):
    """What an edit changed."""

    changed: tuple[str, ...]
    created: tuple[str, ...] = ()


def render_block(block: EditBlock) -> str:
    """The block as the model writes it."""
    return f"<<<<<<< SEARCH {block.path}\n{block.search}=======\n{block.replace}>>>>>>> REPLACE\n"


def parse_edit_blocks(body: str) -> tuple[EditBlock, ...]:
    """The blocks inside an `<edit>` element, in order; EditError when one is incomplete or none is there."""
    lines = body.replace("\r\n", "\n").split("\n")
    blocks: list[EditBlock] = []
    index = 0
    while index < len(lines):
        start = _START.match(lines[index])
        index += 1
        if start is None:
            continue
        path = (start.group("path") or "").strip()
        if not path:
            msg = f"block {len(blocks) + 1}: put the file's path on the `<<<<<<< SEARCH` line"
            raise EditError(msg)
        search, index = _collect(lines, index, _MIDDLE, "=======", len(blocks) + 1)
        replace, index = _collect(lines, index, _END, ">>>>>>> REPLACE", len(blocks) + 1)
        blocks.append(EditBlock(path=path, search=search, replace=replace))
    if not blocks:
        msg = "the <edit> element holds no `<<<<<<< SEARCH path` ... `>>>>>>> REPLACE` block"
        raise EditError(msg)
    return tuple(blocks)


def _collect(lines: list[str], index: int, stop: re.Pattern[str], name: str, number: int) -> tuple[str, int]:
    taken: list[str] = []
    while index < len(lines):
        if stop.match(lines[index]):
            return "".join(line + "\n" for line in taken), index + 1
        if _START.match(lines[index]):
            break
        taken.append(lines[index])
        index += 1
    msg = f"block {number}: the `{name}` line is missing"
    raise EditError(msg)


def check_path(path: str) -> str:
    """`path` normalized, relative and inside the repository; EditError for anything else."""
    if not path or "\0" in path:
        msg = f"invalid path {path!r}"
        raise EditError(msg)
    if path.startswith(("/", "~")) or re.match(r"^[A-Za-z]:[\\/]", path):
        msg = f"{path}: paths must be relative to the repository root, not absolute"
        raise EditError(msg)
    if ".." in path.replace("\\", "/").split("/"):
        msg = f"{path}: `..` is not allowed; name files relative to the repository root"
        raise EditError(msg)
    normal = posixpath.normpath(path)
    if normal in (".", "") or normal == ".git" or normal.startswith(".git/"):
        msg = f"{path}: not a file of the repository"
        raise EditError(msg)
    return normal


def apply_edit(blocks: Sequence[EditBlock], files: RepoFiles) -> AppliedEdit:
    """Apply `blocks` in order to `files`; all are written or, on the first failure, none."""
    paths = [check_path(block.path) for block in blocks]
    escaping = files.escapes(sorted(set(paths)))
    if escaping:
        msg = f"{escaping[0]}: the path leads outside the repository (through a symbolic link)"
        raise EditError(msg)
    texts: dict[str, str | None] = {}
    originals: dict[str, str | None] = {}
    for number, (block, path) in enumerate(zip(blocks, paths, strict=True), start=1):
        if path not in texts:
            originals[path] = texts[path] = _read_text(files, path)
        texts[path] = _apply_block(block, path, texts[path], number)
    changed = [path for path in texts if texts[path] != originals[path]]
    for path in changed:
        text = texts[path]
        assert text is not None  # a block never turns an existing file into a missing one
        files.write(path, text.encode())
    created = tuple(path for path in changed if originals[path] is None)
    return AppliedEdit(changed=tuple(changed), created=created)


def _read_text(files: RepoFiles, path: str) -> str | None:
    data = files.read(path)
    if data is None:
        return None
    try:
        return data.decode()
    except UnicodeDecodeError:
        msg = f"{path}: not UTF-8 text, so it cannot be edited with search/replace blocks"
        raise EditError(msg) from None


def _apply_block(block: EditBlock, path: str, text: str | None, number: int) -> str:
    where = f"block {number} ({path})"
    if text is None:
        if block.search:
            msg = f"{where}: the file does not exist; to create it, leave the SEARCH part empty"
            raise EditError(msg)
        return block.replace
    if not block.search:
        msg = f"{where}: the SEARCH part is empty but the file exists; quote the lines to replace"
        raise EditError(msg)
    crlf = "\r\n" in text
    lines = _lines(text.replace("\r\n", "\n") if crlf else text)
    search, replace = _lines(block.search), _lines(block.replace)
    starts = [i for i in range(len(lines) - len(search) + 1) if lines[i : i + len(search)] == search]
    if len(starts) > 1:
        shown = ", ".join(str(i + 1) for i in starts[:10])
        msg = f"{where}: the SEARCH part matches {len(starts)} times (lines {shown}); add lines to be unique"
        raise EditError(msg)
    if not starts:
        msg = f"{where}: {_near_miss(lines, search)}"
        raise EditError(msg)
    start = starts[0]
    new_lines = lines[:start] + replace + lines[start + len(search) :]
    new_text = "".join(line + "\n" for line in new_lines)
    if not text.endswith("\n") and start + len(search) < len(lines) and new_text:
        new_text = new_text[:-1]
    return new_text.replace("\n", "\r\n") if crlf else new_text


def _lines(text: str) -> list[str]:
    return text.split("\n")[:-1] if text.endswith("\n") else text.split("\n") if text else []


def _near_miss(lines: list[str], search: list[str]) -> str:
    stripped = [line.strip() for line in lines]
    wanted = [line.strip() for line in search]
    for i in range(len(lines) - len(search) + 1):
        if stripped[i : i + len(search)] == wanted:
            return (
                "the SEARCH part matches nowhere exactly, but matches except for whitespace here; "
                "copy these lines exactly:\n" + _show(lines, i, len(search))
            )
    best = _closest(lines, search)
    if best is None:
        return "the SEARCH part matches nothing in the file; quote lines that exist, exactly"
    start, ratio = best
    return f"the SEARCH part matches nothing exactly; the closest lines ({ratio:.0%} similar) are:\n" + _show(
        lines, start, len(search)
    )


def _closest(lines: list[str], search: list[str]) -> tuple[int, float] | None:
    """The window of `lines` most like `search`, judged only near lines resembling its first or last line."""
    if not lines or not search:
        return None
    anchors: set[int] = set()
    for offset in (0, len(search) - 1):
        target = search[offset].strip()
        if not target:
            continue
        for i, line in enumerate(lines):
            if difflib.SequenceMatcher(None, target, line.strip()).quick_ratio() >= FUZZY_CUTOFF:
                anchors.add(max(0, min(i - offset, len(lines) - len(search))))
    wanted = "\n".join(search)
    scored = []
    for start in sorted(anchors)[:200]:
        window = "\n".join(lines[start : start + len(search)])
        scored.append((difflib.SequenceMatcher(None, wanted, window).ratio(), -start))
    if not scored:
        return None
    ratio, negative_start = max(scored)
    return (-negative_start, ratio) if ratio >= FUZZY_CUTOFF else None


def _show(lines: list[str], start: int, count: int) -> str:
    shown = []
    for number in range(start, min(start + count, start + SHOW_LINES, len(lines))):
        line = lines[number]
        if len(line) > SHOW_LINE_CHARS:
            line = line[:SHOW_LINE_CHARS] + " [line cut]"
        shown.append(f"{number + 1:>6}| {line}")
    if count > SHOW_LINES:
        shown.append(f"   ... ({count - SHOW_LINES} more lines not shown)")
    return "\n".join(shown)

"""Skeletons: a file's imports, class and function signatures and docstrings, bodies collapsed.

The relevance scan reads a skeleton instead of a file too large for the relevance model's window.
Languages are looked up by suffix in `SKELETONS`; Python is the first. A file in a language without a
skeleton builder, or one the parser cannot make sense of, is cut to its head with a marker instead.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import PurePosixPath

import tree_sitter
import tree_sitter_python

__all__ = ["COLLAPSED", "SKELETONS", "fit_to_window", "python_skeleton", "skeleton"]

COLLAPSED = "...  # body collapsed: {lines} lines"
"""The line standing in for a collapsed body."""
TRUNCATED = "# [truncated: {lines} more lines not shown]"
DOCSTRING_LINES = 8
"""Lines of a docstring kept in a skeleton; the rest is replaced by DOCSTRING_CUT."""
DOCSTRING_CUT = "# [docstring continues: {lines} more lines]"

_IMPORTS = {"import_statement", "import_from_statement", "future_import_statement"}
_DEFINITIONS = {"class_definition", "function_definition", "decorated_definition"}


@cache
def _python_parser() -> tree_sitter.Parser:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_python.language()))


def _text(source: bytes, node: tree_sitter.Node) -> str:
    return source[node.start_byte : node.end_byte].decode("utf-8", errors="replace")


def _docstring(block: tree_sitter.Node) -> tree_sitter.Node | None:
    first = block.named_children[0] if block.named_children else None
    if first is not None and first.type == "expression_statement":
        only = first.named_children
        if len(only) == 1 and only[0].type == "string":
            return first
    return None


def _is_short_assignment(node: tree_sitter.Node) -> bool:
    return (
        node.type == "expression_statement"
        and bool(node.named_children)
        and node.named_children[0].type in ("assignment", "augmented_assignment")
        and node.start_point.row == node.end_point.row
    )


def _definition(source: bytes, node: tree_sitter.Node, indent: str, out: list[str]) -> None:
    definition = node
    if node.type == "decorated_definition":
        for child in node.named_children:
            if child.type == "decorator":
                out.append(indent + _text(source, child))
        found = node.child_by_field_name("definition")
        if found is None:
            return
        definition = found
    body = definition.child_by_field_name("body")
    if body is None:
        out.append(indent + _text(source, definition))
        return
    header = source[definition.start_byte : body.start_byte].decode("utf-8", errors="replace").rstrip()
    out.append(indent + header)
    inner = indent + "    "
    docstring = _docstring(body)
    if docstring is not None:
        _docstring_lines(source, docstring, inner, out)
    if definition.type == "class_definition":
        _block(source, body, inner, out, skip=docstring)
        return
    lines = body.end_point.row - (docstring.end_point.row + 1 if docstring else body.start_point.row) + 1
    if lines > 0:
        out.append(inner + COLLAPSED.format(lines=lines))


def _docstring_lines(source: bytes, node: tree_sitter.Node, indent: str, out: list[str]) -> None:
    # Continuation lines keep their own indentation; long docstrings keep their head only.
    lines = _text(source, node).splitlines()
    out.append(indent + lines[0])
    out.extend(lines[1:DOCSTRING_LINES])
    if len(lines) > DOCSTRING_LINES:
        out.append(indent + DOCSTRING_CUT.format(lines=len(lines) - DOCSTRING_LINES))


def _block(
    source: bytes, block: tree_sitter.Node, indent: str, out: list[str], skip: tree_sitter.Node | None
) -> None:
    collapsed = 0
    for child in block.named_children:
        if skip is not None and child.id == skip.id:
            continue
        if child.type in _DEFINITIONS or child.type in _IMPORTS or _is_short_assignment(child):
            if collapsed:
                out.append(indent + COLLAPSED.format(lines=collapsed))
                collapsed = 0
            if child.type in _DEFINITIONS:
                _definition(source, child, indent, out)
            else:
                out.extend(indent + line.strip() for line in _text(source, child).splitlines())
        elif child.type != "comment":
            collapsed += child.end_point.row - child.start_point.row + 1
    if collapsed:
        out.append(indent + COLLAPSED.format(lines=collapsed))


def python_skeleton(text: str) -> str:
    """Imports, top-level assignments, class and def signatures with docstrings; bodies collapsed."""
    source = text.encode("utf-8")
    tree = _python_parser().parse(source)
    out: list[str] = []
    root = tree.root_node
    docstring = _docstring(root)
    if docstring is not None:
        _docstring_lines(source, docstring, "", out)
    _block(source, root, "", out, skip=docstring)
    return "\n".join(out) + "\n"


SKELETONS: dict[str, Callable[[str], str]] = {".py": python_skeleton, ".pyi": python_skeleton}
"""Suffix -> skeleton builder; add a language by adding its builder here."""


def skeleton(path: str, text: str) -> str | None:
    """The skeleton of `text`, or None when no builder knows the file's language."""
    builder = SKELETONS.get(PurePosixPath(path).suffix)
    return builder(text) if builder else None


def fit_to_window(text: str, max_chars: int) -> str:
    """`text` cut at a line boundary to at most `max_chars`, with a marker saying how much is left out."""
    if len(text) <= max_chars:
        return text
    lines = text.splitlines()
    kept: list[str] = []
    size = 0
    for line in lines:
        if size + len(line) + 1 > max_chars:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join([*kept, TRUNCATED.format(lines=len(lines) - len(kept))]) + "\n"

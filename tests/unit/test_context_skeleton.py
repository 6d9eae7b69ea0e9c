"""Skeletons keep imports, signatures and docstrings and collapse bodies; oversized files are cut."""

from __future__ import annotations

from sweagent.context.scan import shown_text
from sweagent.context.skeleton import fit_to_window, python_skeleton, skeleton

SOURCE = '''"""Module docstring."""
import os
from typing import Any

LIMIT = 3


@decorator(1)
def top(a: int,
        b: str = "x") -> int:
    """Top-level function."""
    total = a
    for _ in range(3):
        total += 1
    return total


class Shape(Base):
    """A shape."""

    sides = 4

    def area(self) -> float:
        return 1.0 * self.sides

    class Inner:
        def deep(self):
            pass


if __name__ == "__main__":
    top(1)
'''


def test_python_skeleton_keeps_the_outline_and_collapses_bodies() -> None:
    outline = python_skeleton(SOURCE)
    assert outline.splitlines() == [
        '"""Module docstring."""',
        "import os",
        "from typing import Any",
        "LIMIT = 3",
        "@decorator(1)",
        "def top(a: int,",
        '        b: str = "x") -> int:',
        '    """Top-level function."""',
        "    ...  # body collapsed: 4 lines",
        "class Shape(Base):",
        '    """A shape."""',
        "    sides = 4",
        "    def area(self) -> float:",
        "        ...  # body collapsed: 1 lines",
        "    class Inner:",
        "        def deep(self):",
        "            ...  # body collapsed: 1 lines",
        "...  # body collapsed: 2 lines",
    ]


def test_long_docstrings_keep_their_head() -> None:
    doc = "\n".join(f"    line {i}" for i in range(30))
    outline = python_skeleton(f'def f():\n    """Head.\n{doc}\n    """\n    return 1\n')
    assert "line 5" in outline
    assert "line 20" not in outline
    assert "# [docstring continues: 24 more lines]" in outline


def test_unknown_languages_have_no_skeleton_and_broken_python_still_gives_one() -> None:
    assert skeleton("main.go", "package main\n") is None
    assert "def ok():" in (skeleton("x.py", "def ok():\n    return (\ndef other(:\n") or "")


def test_fit_to_window_cuts_at_a_line_and_says_how_much_is_missing() -> None:
    text = "".join(f"line {i}\n" for i in range(100))
    cut = fit_to_window(text, 50)
    assert cut.startswith("line 0\nline 1\n")
    assert cut.endswith("# [truncated: 93 more lines not shown]\n")
    assert fit_to_window("short\n", 50) == "short\n"


def test_the_scan_shows_the_file_its_skeleton_or_its_head_by_size() -> None:
    assert shown_text("a.py", SOURCE, tokens=100, window_tokens=256) == ("content", SOURCE)
    shown, text = shown_text("a.py", SOURCE, tokens=10_000, window_tokens=256)
    assert shown == "skeleton"
    assert "# body collapsed" in text
    shown, text = shown_text("a.go", "x\n" * 2000, tokens=10_000, window_tokens=256)
    assert shown == "truncated"
    assert len(text) <= 256 * 4 + 60

"""A tiny grammar language with two renderings: GBNF (llama.cpp) and a regular expression (vLLM).

A grammar is a tree of `Lit`, `Chars`, `Seq`, `Alt` and `Rep` nodes. Both renderings come from the
same tree, so a test that checks replies against the regular expression (with Python's `re`) checks
what llama.cpp's GBNF accepts too. No recursion: every grammar here is regular, which is what
vLLM's regex guidance needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "MAX_REPEAT",
    "Alt",
    "Chars",
    "Lit",
    "Node",
    "Rep",
    "Seq",
    "chars",
    "gbnf",
    "not_chars",
    "opt",
    "regex",
    "upto",
]


@dataclass(frozen=True)
class Lit:
    """Exactly this text."""

    text: str


@dataclass(frozen=True)
class Chars:
    """One character in the inclusive `ranges` or, when `negated`, one character outside them."""

    ranges: tuple[tuple[str, str], ...]
    negated: bool = False


@dataclass(frozen=True)
class Seq:
    """The items one after the other."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Alt:
    """One of the options."""

    options: tuple[Node, ...]


@dataclass(frozen=True)
class Rep:
    """`item` between `low` and `high` times (`high` None: no upper bound)."""

    item: Node
    low: int = 0
    high: int | None = None


Node = Lit | Chars | Seq | Alt | Rep

MAX_REPEAT = 1000
"""The largest `{m,n}` bound written: llama.cpp refuses 2,000 rules from one repetition."""


def _ranges(spec: str) -> tuple[tuple[str, str], ...]:
    """`a-z_` -> (("a", "z"), ("_", "_")); a `-` first or last stands for itself."""
    ranges: list[tuple[str, str]] = []
    index = 0
    while index < len(spec):
        if index + 2 < len(spec) and spec[index + 1] == "-":
            ranges.append((spec[index], spec[index + 2]))
            index += 3
        else:
            ranges.append((spec[index], spec[index]))
            index += 1
    return tuple(ranges)


def chars(spec: str) -> Chars:
    """One character of `spec` (ranges like `a-z` allowed)."""
    return Chars(_ranges(spec))


def not_chars(spec: str) -> Chars:
    """One character not in `spec`."""
    return Chars(_ranges(spec), negated=True)


def opt(item: Node) -> Rep:
    """`item` or nothing."""
    return Rep(item, 0, 1)


def upto(item: Node, count: int) -> Node:
    """`item` at most about `count` times, built so no single repetition exceeds `MAX_REPEAT`."""
    if count <= MAX_REPEAT:
        return Rep(item, 0, count)
    return Seq((Rep(Rep(item, MAX_REPEAT, MAX_REPEAT), 0, count // MAX_REPEAT), Rep(item, 0, MAX_REPEAT - 1)))


def _atomic(node: Node) -> bool:
    return isinstance(node, Chars) or (isinstance(node, Lit) and len(node.text) == 1)


# --- GBNF -------------------------------------------------------------------------------------

_GBNF_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\", '"': '\\"'}
_GBNF_CLASS_ESCAPES = {**_GBNF_ESCAPES, "]": "\\]", "[": "\\[", "-": "\\-", "^": "\\^"}


def _gbnf_char(char: str, table: dict[str, str]) -> str:
    if char in table:
        return table[char]
    if ord(char) < 0x20:
        return f"\\x{ord(char):02X}"
    return char


class _GbnfWriter:
    """Renders nodes inline, except that a repeated item and a bounded repetition get rules of their own.

    llama.cpp expands `x{m,n}` into n rules and refuses a grammar where the rules inside a repeated
    item times its repetitions reach 2,000; a repetition that only repeats a rule name stays small.
    """

    def __init__(self) -> None:
        self.rules: dict[str, str] = {}
        """Expression -> rule name, in order of definition."""

    def rule(self, expression: str) -> str:
        return self.rules.setdefault(expression, f"r{len(self.rules) + 1}")

    def expression(self, node: Node) -> str:
        if isinstance(node, Lit):
            return '"' + "".join(_gbnf_char(c, _GBNF_ESCAPES) for c in node.text) + '"'
        if isinstance(node, Chars):
            return _char_class(node, lambda c: _gbnf_char(c, _GBNF_CLASS_ESCAPES))
        if isinstance(node, Seq):
            return "(" + " ".join(self.expression(item) for item in node.items) + ")"
        if isinstance(node, Alt):
            return "(" + " | ".join(self.expression(option) for option in node.options) + ")"
        item = self.expression(node.item)
        if not _atomic(node.item):
            item = self.rule(item)
        repeated = item + _bounds(node)
        return self.rule(repeated) if node.high is not None and node.high > 1 else repeated


def gbnf(root: Node) -> str:
    """The grammar as a llama.cpp GBNF document whose start rule is `root`."""
    writer = _GbnfWriter()
    lines = [f"root ::= {writer.expression(root)}"]
    lines += [f"{name} ::= {expression}" for expression, name in writer.rules.items()]
    return "\n".join(lines) + "\n"


# --- regular expression -------------------------------------------------------------------------

_REGEX_SPECIAL = set("\\.^$*+?{}[]()|")
_REGEX_CLASS_SPECIAL = set("\\]^-[")


def _regex_char(char: str, special: set[str]) -> str:
    if char == "\n":
        return "\\n"
    if char == "\t":
        return "\\t"
    if char == "\r":
        return "\\r"
    return "\\" + char if char in special else char


def _bounds(node: Rep) -> str:
    if (node.low, node.high) == (0, 1):
        return "?"
    if node.high is None:
        return "*" if node.low == 0 else "+" if node.low == 1 else f"{{{node.low},}}"
    return f"{{{node.low}}}" if node.low == node.high else f"{{{node.low},{node.high}}}"


def _char_class(node: Chars, char: Callable[[str], str]) -> str:
    """A bracket expression, the same in GBNF and in regexes but for how a character is escaped."""
    body = "".join(char(lo) + ("" if lo == hi else "-" + char(hi)) for lo, hi in node.ranges)
    return f"[{'^' if node.negated else ''}{body}]"


def _regex(node: Node) -> str:
    if isinstance(node, Lit):
        return "".join(_regex_char(c, _REGEX_SPECIAL) for c in node.text)
    if isinstance(node, Chars):
        return _char_class(node, lambda c: _regex_char(c, _REGEX_CLASS_SPECIAL))
    if isinstance(node, Seq):
        return "".join(_regex(item) for item in node.items)
    if isinstance(node, Alt):
        return "(" + "|".join(_regex(option) for option in node.options) + ")"
    inner = _regex(node.item)
    return (inner if _atomic(node.item) else f"({inner})") + _bounds(node)


def regex(root: Node) -> str:
    """The grammar as a regular expression over the whole reply (plain groups, no flags needed)."""
    return _regex(root)

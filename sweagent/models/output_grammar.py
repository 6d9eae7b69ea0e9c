"""Each stage's output grammar (DESIGN.md, "Model output grammar") as a `grammar` tree, for guided decoding.

Every reply these grammars allow is one the stage's parser accepts (`parse_reply` for testing,
editing and selection; `parse_relevance`, `parse_ranking` for the context stage): they describe a
strict subset of the parsers' language, never more. What they leave out on purpose:

- free text before the action is bounded and holds no `<` (so it cannot open a second action);
  inside an action, `<` may only be followed by a space or `=` (`a < b`, `x <= y`), so no element
  can open or close early;
- a test script starts with a letter, `#`, `_` or a quote: no Markdown fence, never empty;
- an edit holds a few blocks; their lines do not start with `=` or `>`, paths are plain;
- every part is bounded in length, so a reply ends well within `max_tokens` even when a small
  model would otherwise ramble until it is cut off.

The layer rule (models never import generation) holds: this module restates the grammar, and a
unit test checks it against the parsers on valid and invalid replies.
"""

from __future__ import annotations

from sweagent.models.grammar import Alt, Lit, Node, Rep, Seq, chars, not_chars, opt, upto

__all__ = ["CHARS_PER_TOKEN", "GUIDED_STAGES", "stage_grammar"]

CHARS_PER_TOKEN = 1
"""Characters a reply may hold per completion token allowed. Code averages 3-4 characters a token,
but a small model stuck in a loop writes one (`< < < ...`); every token is at least one character,
so a reply held to these bounds ends before `max_tokens` cuts it off."""
GUIDED_STAGES = ("testing", "editing", "selection", "relevance", "ranking")

_SAFE_LT = Seq((Lit("<"), chars(" =")))
"""`<` inside an action: only as in `a < b` or `a <= b`, which opens no element."""
_BODY_CHAR = Alt((not_chars("<"), _SAFE_LT))
_LINE_CHAR = Alt((not_chars("<\n"), _SAFE_LT))
_LINE_START = Alt((not_chars("<\n=>"), _SAFE_LT))
_SCRIPT_START = chars("A-Za-z#_\"'")
_PATH = Seq((chars("A-Za-z0-9_"), Rep(chars("A-Za-z0-9_./-"), 0, 99)))


def _budget(max_tokens: int) -> tuple[int, int]:
    """(characters of free text before the action, characters for the action's body)."""
    total = max(200, CHARS_PER_TOKEN * max_tokens)
    preamble = min(400, total // 8)
    return preamble, total - preamble - 40


def _reply(preamble: int, action: Node) -> Node:
    return Seq((Rep(not_chars("<"), 0, preamble), action, opt(Lit("\n"))))


def _test(body: int) -> Node:
    script = Seq((_SCRIPT_START, upto(_BODY_CHAR, body)))
    return Seq((Lit("<test>"), opt(Lit("\n")), script, Lit("</test>")))


_DONE = Lit("<done/>")
_CHOOSE = Seq((Lit("<choose>"), Rep(chars("A-Za-z0-9_-"), 1, 64), Lit("</choose>")))


def _edit(body: int) -> Node:
    blocks = 1 if body < 1500 else 2 if body < 6000 else 4
    part = (body - blocks * 140) // (2 * blocks)
    # Lines times width stays within the part's share: a model that fills every line still ends.
    width = min(120, max(40, part // 4))
    line = Seq((opt(Seq((_LINE_START, Rep(_LINE_CHAR, 0, width - 1)))), Lit("\n")))
    lines = upto(line, max(2, part // width))
    block = Seq(
        (
            Lit("<<<<<<< SEARCH "),
            _PATH,
            Lit("\n"),
            lines,
            Lit("=======\n"),
            lines,
            Lit(">>>>>>> REPLACE\n"),
        )
    )
    return Seq((Lit("<edit>\n"), Rep(block, 1, blocks), Lit("</edit>")))


def _relevance(preamble: int, body: int) -> Node:
    reason = opt(Seq((Rep(not_chars("<"), 1, preamble), Lit("\n"))))
    summary = Seq((Lit("Relevant\nSUMMARY: "), chars("A-Za-z0-9"), Rep(not_chars("\n"), 0, min(body, 600))))
    return Seq((reason, Lit("RELEVANCE: "), Alt((Lit("Not Relevant"), summary)), opt(Lit("\n"))))


def _ranking(preamble: int, body: int) -> Node:
    path = Seq((Lit('"'), _PATH, Lit('"')))
    paths = opt(Seq((path, Rep(Seq((Lit(", "), path)), 0, min(40, body // 60)))))
    fence = Seq((Lit("```json\n["), paths, Lit("]\n```")))
    return Seq((Rep(not_chars("`<"), 0, preamble), fence, opt(Lit("\n"))))


def stage_grammar(stage: str, max_tokens: int, first_turn: bool = False) -> Node | None:
    """The grammar replies of `stage` are held to, sized for `max_tokens`; None for other stages.

    On a trajectory's first turn `<done/>` is left out (there is nothing to approve yet, and the
    state machines would refuse it), and an editing trajectory starts with `<edit>`: it is seeded
    with the testing trajectory's script, and a small model left the choice rewrites that script.
    """
    preamble, body = _budget(max_tokens)
    if stage == "testing":
        return _reply(preamble, _test(body) if first_turn else Alt((_test(body), _DONE)))
    if stage == "editing":
        return _reply(preamble, _edit(body) if first_turn else Alt((_edit(body), _test(body), _DONE)))
    if stage == "selection":
        return _reply(preamble, Alt((_test(body), _CHOOSE)))
    if stage == "relevance":
        return _relevance(preamble, body)
    if stage == "ranking":
        return _ranking(preamble, body)
    return None

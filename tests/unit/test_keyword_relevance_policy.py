"""The scripted keyword-relevance TEST policy answers deterministically and always in the grammar."""

from __future__ import annotations

from pathlib import Path

from sweagent.context.grammar import parse_ranking, parse_relevance
from sweagent.context.prompts import render
from sweagent.models.protocol import Purpose
from sweagent.models.scripted import load_policy
from sweagent.records import ContextFile

POLICY = load_policy(Path(__file__).parents[2] / "sweagent" / "models" / "policies" / "keyword_relevance.py")
ISSUE = "`Config.from_file` fails:\n```\nconfig.from_file('a.toml', load=tomllib.load)\n```\nplease fix"


def _relevance(path: str, content: str) -> str:
    user = render("relevance", issue=ISSUE, path=path, shown="content", content=content)
    messages = [{"role": "system", "content": render("relevance_system")}, {"role": "user", "content": user}]
    return POLICY(messages, Purpose(stage="relevance", instance_id="x", file=path))


def test_issue_terms_are_code_like_words() -> None:
    from sweagent.models.policies.keyword_relevance import issue_terms

    terms = issue_terms(ISSUE)
    assert {"Config.from_file", "from_file", "Config", "config", "tomllib.load", "load", "toml"} <= set(terms)
    assert "please" not in terms
    assert "fails" not in terms


def test_relevance_follows_shared_terms_and_file_names() -> None:
    relevant = parse_relevance(_relevance("pkg/settings.py", "def from_file(self, load): ..."))
    assert relevant.relevant
    assert relevant.summary.startswith("Mentions 2 issue terms: from_file, load")
    assert not parse_relevance(_relevance("pkg/util.py", "def helper(): ...")).relevant
    assert parse_relevance(_relevance("pkg/config.py", "x = 1")).relevant


def test_ranking_orders_by_terms_then_path() -> None:
    files = [
        ContextFile(path="b.py", tokens=1, summary="Mentions 2 issue terms: a, b"),
        ContextFile(path="c.py", tokens=1, summary="Mentions 5 issue terms: a, b"),
        ContextFile(path="a.py", tokens=1, summary="Mentions 2 issue terms: a, b"),
    ]
    prompt = render("ranking", issue=ISSUE, files=files, target_tokens=10)
    reply = POLICY([{"role": "user", "content": prompt}], Purpose(stage="ranking"))
    assert parse_ranking(reply) == ["c.py", "a.py", "b.py"]
    assert POLICY([], Purpose(stage="editing")) == "<done/>"

"""BM25 over identifiers: the file sharing the issue's rare terms ranks first."""

from __future__ import annotations

from sweagent.context.bm25 import Bm25Index, terms
from sweagent.context.providers import bm25_order
from sweagent.context.scan import ScanInput
from sweagent.records import Instance


def test_identifiers_are_split_into_snake_and_camel_parts() -> None:
    assert terms("getHTTPResponse(load_config) x") == [
        "gethttpresponse",
        "get",
        "http",
        "response",
        "load_config",
        "load",
        "config",
    ]
    assert terms("the self return") == []


def test_documents_with_the_query_terms_score_highest_and_ties_go_by_key() -> None:
    index = Bm25Index([["parse", "token"], ["render", "html"], ["parse", "parse", "json"], ["other"]])
    scores = index.scores(["parse", "json"])
    assert scores[2] > scores[0] > 0
    assert scores[1] == scores[3] == 0
    assert index.top(["parse", "json"], ["a", "b", "c", "d"]) == ["c", "a"]
    tied = Bm25Index([["x"], ["x"]])
    assert tied.top(["x"], ["z.py", "a.py"]) == ["a.py", "z.py"]


def test_an_empty_index_scores_nothing() -> None:
    assert Bm25Index([]).top(["x"], []) == []


def test_bm25_order_finds_the_file_the_issue_is_about() -> None:
    def item(path: str, text: str) -> ScanInput:
        return ScanInput(path=path, text=text, sha256="0", tokens=len(text) // 4)

    files = [
        item("pkg/config.py", "class Config:\n    def from_file(self, path, load):\n        pass\n"),
        item("pkg/app.py", "from pkg.config import Config\napp = App()\n"),
        item("pkg/util.py", "def helper():\n    return 1\n"),
    ]
    instance = Instance(
        instance_id="x", repo="o/r", base_commit="0", problem_statement="Config.from_file should accept mode"
    )
    assert bm25_order(instance, files) == ["pkg/config.py", "pkg/app.py"]

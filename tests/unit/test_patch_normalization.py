"""Candidates are the same when their diffs differ only in line-end whitespace, hunk headers or file order."""

from __future__ import annotations

from sweagent.execution.test_matrix import unique_candidates, unique_tests
from sweagent.patches import candidate_id, normalize_patch
from sweagent.records import Candidate, TestScript

CALC = """diff --git a/pkg/calc.py b/pkg/calc.py
index 1111111..2222222 100644
--- a/pkg/calc.py
+++ b/pkg/calc.py
@@ -1,2 +1,2 @@ def add(a, b):
 def add(a, b):
-    return a + b
+    return (a or 0) + (b or 0)
"""
README = """diff --git a/README.md b/README.md
--- a/README.md
+++ b/README.md
@@ -1 +1 @@
-hello
+hello world
"""


def test_line_end_whitespace_and_crlf_do_not_matter() -> None:
    variant = CALC.replace("(b or 0)\n", "(b or 0)   \n").replace("\n", "\r\n")
    assert candidate_id(variant) == candidate_id(CALC)


def test_hunk_positions_and_their_function_context_do_not_matter() -> None:
    variant = CALC.replace("@@ -1,2 +1,2 @@ def add(a, b):", "@@ -7,2 +7,2 @@")
    assert normalize_patch(variant) == normalize_patch(CALC)


def test_blob_ids_do_not_matter() -> None:
    assert candidate_id(CALC.replace("1111111..2222222", "abcdef0..1234567")) == candidate_id(CALC)


def test_file_order_does_not_matter() -> None:
    assert candidate_id(CALC + README) == candidate_id(README + CALC)


def test_a_different_change_is_a_different_candidate() -> None:
    assert candidate_id(CALC) != candidate_id(CALC.replace("(a or 0)", "(a or 5)"))
    # Leading whitespace is code in Python: it is kept.
    assert candidate_id(CALC) != candidate_id(CALC.replace("+    return", "+  return"))


def test_unique_candidates_keep_the_first_of_each_change_and_drop_empty_ones() -> None:
    first = Candidate(id=candidate_id(CALC), patch=CALC, source="editing-0")
    variant = CALC.replace("(b or 0)\n", "(b or 0) \n")
    again = Candidate(id="other-id", patch=variant, source="editing-1")
    empty = Candidate(id="e", patch="\n", source="editing-2")
    readme = Candidate(id=candidate_id(README), patch=README, source="editing-3")
    assert unique_candidates([first, again, empty, readme]) == [first, readme]


def test_unique_tests_by_content() -> None:
    a = TestScript(id="a", content="print(1)\n", source="testing-0")
    b = TestScript(id="b", content="print(1)\n\n", source="testing-1")
    c = TestScript(id="c", content="print(2)\n", source="testing-2")
    assert unique_tests([a, b, c]) == [a, c]

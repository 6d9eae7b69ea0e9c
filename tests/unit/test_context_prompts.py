"""Context prompts are Jinja2 templates with StrictUndefined; their text versions the answer cache."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from sweagent.context.prompts import PROMPTS_DIR, prompt_version, render


def test_the_shipped_templates_exist_and_a_missing_value_is_an_error() -> None:
    assert {p.name for p in PROMPTS_DIR.glob("*.j2")} == {"relevance.j2", "relevance_system.j2", "ranking.j2"}
    with pytest.raises(jinja2.UndefinedError, match="'path' is undefined"):
        render("relevance", issue="x", shown="content", content="y")


def test_the_prompt_version_follows_the_template_text(tmp_path: Path) -> None:
    (tmp_path / "t.j2").write_text("Hello {{ name }}\n")
    first = prompt_version("t", folder=tmp_path)
    assert render("t", folder=tmp_path, name="you") == "Hello you"
    (tmp_path / "t.j2").write_text("Hi {{ name }}\n")
    assert prompt_version("t", folder=tmp_path) == first  # cached for the life of the process
    prompt_version.cache_clear()
    assert prompt_version("t", folder=tmp_path) != first

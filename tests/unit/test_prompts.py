"""Prompt templates ship in the `prompts` package and refuse to render with a value missing."""

from __future__ import annotations

import jinja2
import pytest

import prompts


def test_a_missing_value_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(jinja2.UndefinedError, match="remaining"):
        prompts.render("generation/format_error", error="bad")


def test_templates_render_and_have_stable_versions() -> None:
    text = prompts.render("generation/format_error", error="no action", remaining=2)
    assert "no action" in text
    assert "2 turns left" in text
    assert prompts.template_version("testing/task") == prompts.template_version("testing/task")
    assert prompts.template_version("testing/task") != prompts.template_version("editing/task")


def test_an_unknown_template_names_itself() -> None:
    with pytest.raises(FileNotFoundError, match="no prompt template 'testing/nothing'"):
        prompts.template_text("testing/nothing")

"""The prompts carry the working knowledge a model needs: a template change that drops it fails here."""

from __future__ import annotations

import prompts
from sweagent.models.window_server import STAGE_MARKERS


def instructions() -> str:
    return prompts.render("generation/instructions", repo="o/r", workdir="/repo", script_command="python3")


def test_replies_reason_first_and_end_with_a_single_action() -> None:
    text = instructions()
    assert "Reason first" in text
    assert "single action, last in the reply" in text


def test_a_worked_search_replace_example_with_a_note_on_indentation() -> None:
    text = instructions()
    assert "<<<<<<< SEARCH shapes/rect.py\n    def area(self):" in text
    assert ">>>>>>> REPLACE\n</edit>" in text
    assert "Indentation is part of the match" in text


def test_edits_apply_to_the_original_code_the_model_was_shown() -> None:
    assert "Every `<edit>` is applied to the original code" in instructions()
    observation = prompts.render("editing/observation", patch="d\n", original="", edited="", remaining=2)
    assert "applied to the original code, replacing the edit above" in observation


def test_reproduction_test_advice_and_that_the_test_may_be_wrong() -> None:
    text = instructions()
    for advice in ("snippet", "Print what is checked", "traceback", "Test only the behaviour the issue"):
        assert advice in text
    assert "A test can be wrong as well" in text
    editing = prompts.render("editing/task", iterations=3, script="print(1)\n", seed_output="")
    assert "The test itself may be wrong" in editing


def test_the_simplest_fix_is_preferred() -> None:
    assert "Prefer the simplest fix" in instructions()


def test_the_editing_task_shows_the_seed_tests_output_on_the_original_code() -> None:
    seed = "the test exited with code 2 (issue present). Output:\n```\nboom\n```\n"
    text = prompts.render("editing/task", iterations=3, script="print(1)\n", seed_output=seed)
    assert "On the original code, the test exited with code 2 (issue present)" in text
    assert "boom" in text


def test_stage_markers_the_window_server_reads_are_in_the_templates() -> None:
    rendered = {
        "relevance": prompts.render("context/relevance_system"),
        "testing": prompts.render("testing/task", attempts=2),
        "editing": prompts.render("editing/task", iterations=2, script="", seed_output=""),
    }
    for stage, marker in STAGE_MARKERS:
        if stage in rendered:
            assert rendered[stage].startswith(marker), stage
    assert not any(marker in instructions() for _, marker in STAGE_MARKERS)

"""`sweagent report`: report.md, the PNG plots and report.html hold the run's numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sweagent.patches import candidate_id
from sweagent.reporting import report_command, write_report
from sweagent.reporting.example_run import GOOD_PATCH, HOSTILE_PATCH, write_example_run
from sweagent.reporting.html_page import SCRIPT

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PLOTS = ("scaling_samples", "scaling_iterations", "selection_accuracy", "cost_by_stage")


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_example_run(tmp_path_factory.mktemp("run"))
    write_report(root, html=True)
    return root


def test_markdown_holds_the_summary_numbers(example: Path) -> None:
    text = (example / "report.md").read_text(encoding="utf-8")
    assert "| coverage (any candidate resolves) | 1 / 3 (33.3%) |" in text
    assert "| resolved (from results.json) | 1 / 3 (33.3%) |" in text
    assert "| vote | 1 / 3 (33.3%) | 100.0% |" in text
    assert "| random | 0 / 3 (0.0%) | 0.0% |" in text
    assert "| 1 | 8.3% |" in text  # pass@1 = (1/4) / 3
    assert "| 4 | 33.3% |" in text
    assert "| cost per resolved issue | $0.1840 |" in text
    assert "| editing | 2 | 100,000 | 10,000 | 0 |" in text
    assert "| editing | attempts_exhausted | 1 |" in text
    assert "| context recall (mean) | 75.0% over 2 of 3 contexts |" in text
    assert "- candidates.json: missing for 1 of 3 instance(s)" in text
    for stem in PLOTS:
        assert f"](plots/{stem}.png)" in text


def test_plots_are_png_images(example: Path) -> None:
    from matplotlib.image import imread

    for stem in PLOTS:
        path = example / "plots" / f"{stem}.png"
        assert path.read_bytes().startswith(PNG_MAGIC)
        height, width, _ = imread(path).shape
        assert width >= 600
        assert height >= 400


def test_html_is_self_contained_and_escapes_untrusted_text(example: Path) -> None:
    page = (example / "report.html").read_text(encoding="utf-8")
    assert page.count("<script") == 1  # only the page's own; the hostile patch is text
    assert "<img src=x" not in page
    assert "&lt;/script&gt;&lt;script&gt;document.documentElement.setAttribute(" in page
    assert "&lt;i&gt;only one&lt;/i&gt;" in page  # a selection's rationale
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing fetched
    assert page.count('src="data:image/png;base64,') == len(PLOTS)
    assert f"<pre>{SCRIPT}" not in page
    assert f"<script>{SCRIPT}</script>" in page
    good = candidate_id(GOOD_PATCH)
    assert f"<code>{good}</code>" in page
    assert '<span class="add">+    return a + b</span>' in page
    assert candidate_id(HOSTILE_PATCH) in page
    assert "</code> · from editing-0, editing-2 · " in page  # the samples that ended on the bad patch
    assert '<a href="#instance-0">demo__calc-1</a> · resolved</li>' in page


def test_a_missing_or_empty_run_still_reports(tmp_path: Path) -> None:
    assert report_command(tmp_path / "absent", html=False) == 2
    assert report_command(tmp_path, html=True) == 0
    text = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "- usage.json is missing" in text
    assert "| instances | 0 |" in text
    assert "- Cost and tokens per stage: not drawn (usage.json is missing or has no stages)" in text
    assert not (tmp_path / "plots").exists()
    assert "report.html" in {p.name for p in tmp_path.iterdir()}


def test_markdown_cells_cannot_break_the_table() -> None:
    from sweagent.reporting.markdown import markdown_cell

    assert markdown_cell("a|b\n<script>`x`") == "a\\|b &lt;script&gt;\\`x\\`"
    assert markdown_cell("a\\|b") == "a\\\\\\|b"  # a backslash cannot unescape the pipe


def test_long_texts_keep_their_head_and_tail() -> None:
    from sweagent.reporting.html_instance import shorten

    text = "A" * 15_000 + "B" * 15_000
    short = shorten(text)
    assert short.startswith("A" * 10_000)
    assert short.endswith("B" * 10_000)
    assert "[... 10000 characters cut;" in short
    assert shorten("short") == "short"


def test_an_unwritable_report_is_a_store_error(tmp_path: Path) -> None:
    from sweagent.errors import StoreError

    (tmp_path / "report.md").mkdir()  # a file cannot replace a directory
    with pytest.raises(StoreError, match="cannot write the report into"):
        report_command(tmp_path, html=False)


def test_a_plot_the_data_no_longer_allows_is_removed(tmp_path: Path) -> None:
    write_report(write_example_run(tmp_path))
    assert (tmp_path / "plots" / "cost_by_stage.png").is_file()
    (tmp_path / "usage.json").unlink()
    write_report(tmp_path)
    assert not (tmp_path / "plots" / "cost_by_stage.png").exists()
    assert (tmp_path / "plots" / "scaling_samples.png").is_file()

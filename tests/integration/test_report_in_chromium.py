"""report.html opened in a real headless Chromium: it renders, its script runs, hostile text stays text."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sweagent.reporting import write_report
from sweagent.reporting.example_run import INSTANCES, write_example_run

pytestmark = pytest.mark.slow

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("no `chromium` on PATH (Debian package `chromium`; scripts/bootstrap.sh installs it)")
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_example_run(tmp_path_factory.mktemp("run"))
    write_report(root, html=True)
    return root / "report.html"


def _open(chromium: str, profile: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        chromium,
        "--headless",
        "--no-sandbox",  # CI and this machine run as root, where Chromium's own sandbox refuses to start
        "--disable-gpu",
        "--no-first-run",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        *args,
        url,
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def _console(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The page's console messages: uncaught errors and Content-Security-Policy blocks land here."""
    return [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


def test_the_console_check_sees_page_errors_and_blocked_scripts(chromium: str, tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    csp = "<meta http-equiv='Content-Security-Policy' content=\"script-src 'none'\">"
    page.write_text(f"<html><head>{csp}</head><body><script>throw 1</script></body></html>", encoding="utf-8")
    console = _console(_open(chromium, tmp_path / "profile", page.as_uri(), "--dump-dom"))
    assert any("Content Security Policy" in line for line in console), console
    page.write_text("<html><body><script>throw new Error('boom')</script></body></html>", encoding="utf-8")
    console = _console(_open(chromium, tmp_path / "profile", page.as_uri(), "--dump-dom"))
    assert any("Uncaught Error: boom" in line for line in console), console


def test_the_page_renders_and_its_script_runs(chromium: str, report: Path, tmp_path: Path) -> None:
    result = _open(chromium, tmp_path / "profile", report.as_uri(), "--dump-dom")
    assert _console(result) == []
    dom = result.stdout
    assert re.search(r'<html[^>]* data-report-ready="3"', dom), dom[:500]
    assert '<span id="js-status">interactive: 3 instance(s)</span>' in dom
    for instance_id in INSTANCES:
        assert f'data-instance="{instance_id}"' in dom
    assert '<span class="add">+    return a + b</span>' in dom  # a candidate's diff line
    assert "<summary>turn 2 · edit · 990 tokens</summary>" in dom  # a collapsible trajectory turn
    # The hostile patch, test and replies stayed text: no element, attribute or title came from them.
    assert dom.count("<script") == 1
    assert "data-pwned=" not in dom
    assert '<img src="x"' not in dom
    assert "<title>Run report: " in dom
    assert "&lt;/script&gt;&lt;script&gt;document.documentElement.setAttribute(" in dom


def test_a_filter_in_the_address_hides_the_other_instances(
    chromium: str, report: Path, tmp_path: Path
) -> None:
    result = _open(chromium, tmp_path / "profile", report.as_uri() + "#filter=calc", "--dump-dom")
    assert _console(result) == []
    dom = result.stdout
    sections = dict(re.findall(r'<section class="instance" id="[^"]+" data-instance="([^"]+)"([^>]*)>', dom))
    assert sections == {"demo__calc-1": "", "demo__partial-3": ' hidden=""', "demo__web-2": ' hidden=""'}


def test_a_screenshot_of_the_page_is_drawn(chromium: str, report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    _open(chromium, tmp_path / "profile", report.as_uri(), f"--screenshot={shot}", "--window-size=1280,1600")
    data = shot.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > 20_000  # a blank page compresses to a few kB

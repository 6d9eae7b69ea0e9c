"""The report's templates ship in the wheel: report.html must work from an installed package."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

# The build backend comes from the package index: this venv's setuptools 65 without `wheel` cannot
# build a wheel, so `--no-build-isolation` is not an option here.
pytestmark = [pytest.mark.slow, pytest.mark.network]

ROOT = Path(__file__).resolve().parents[2]


def test_the_wheel_holds_the_report_templates(tmp_path: Path) -> None:
    # Built from a copy: an in-tree build would leave build/ and *.egg-info in the checkout.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for package in ("sweagent", "sandbox", "prompts"):
        shutil.copytree(ROOT / package, source / package, ignore=ignore)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q"]
    subprocess.run([*command, "-w", str(tmp_path / "dist"), str(source)], check=True, timeout=300)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {p.name for p in (ROOT / "sweagent" / "reporting" / "templates").glob("*.j2")}
    assert templates >= {"report.html.j2", "instance.html.j2"}
    for name in templates:
        assert f"sweagent/reporting/templates/{name}" in names

"""A conda environment.yml becomes pip requirements: versions rewritten, conda-only packages named."""

from __future__ import annotations

import pytest

from sweagent.environment.conda import conda_to_pip

MATPLOTLIB_LIKE = """
name: mpl-dev
channels:
  - conda-forge
dependencies:
  - python>=3.9
  - numpy>=1.21
  - conda-forge::pillow>=6.2
  - kiwisolver=1.3
  - cycler 0.11 py_0
  - matplotlib-base
  - nbconvert[execute]!=6.0.0,!=6.0.1
  - gtk4
  - libfreetype
  - pip
  - pip:
    - mpl-sphinx-theme
    - -r requirements/testing/all.txt
  - numpy>=1.21
"""


def test_conda_dependencies_become_pip_requirements() -> None:
    lines, dropped = conda_to_pip(MATPLOTLIB_LIKE)
    assert lines == [
        "numpy>=1.21",
        "pillow>=6.2",
        "kiwisolver==1.3.*",
        "cycler==0.11.*",
        "matplotlib",
        "nbconvert[execute]!=6.0.0,!=6.0.1",
        "mpl-sphinx-theme",
    ]
    assert dropped == ["python", "gtk4", "libfreetype", "pip"]


@pytest.mark.parametrize("text", ["dependencies: [", "name: x\n", "- a\n- b\n"])
def test_a_file_without_dependencies_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="environment.yml"):
        conda_to_pip(text)

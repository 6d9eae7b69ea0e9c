"""A conda `environment.yml` translated to pip requirements, for the venv environments.

SWE-bench creates a conda environment from the repository's `environment.yml` (matplotlib, xarray).
A venv cannot hold conda packages, but most of them are Python packages that PyPI has under the
same name (or a known other one). Those become pip requirements, with conda's version syntax
rewritten (`numpy=1.21` is `numpy==1.21.*`); the file's own `pip:` section is kept as it is;
Python itself, pip, C libraries and GUI toolkits are dropped and named in the note, so a failed
import later can be traced to them.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

__all__ = ["CONDA_ONLY", "CONDA_TO_PIP", "conda_to_pip"]

CONDA_TO_PIP = {
    "dask-core": "dask",
    "matplotlib-base": "matplotlib",
    "pytables": "tables",
    "python-graphviz": "graphviz",
    "pytorch": "torch",
    "iris": "scitools-iris",
    "msgpack-python": "msgpack",
    "importlib_metadata": "importlib-metadata",
    "typing_extensions": "typing-extensions",
}
"""Conda package names whose PyPI distribution is called otherwise."""

CONDA_ONLY = frozenset(
    {
        "python", "pip", "gtk4", "gtk3", "graphviz", "pygobject", "wxpython",
        "pyqt", "pyqt5", "qt", "tk", "cairo", "hdf5", "pynio", "cdms2", "eccodes", "git", "make", "compilers",
        "c-compiler", "cxx-compiler", "gcc", "gxx", "ffmpeg", "ghostscript", "inkscape", "nodejs",
        "pkg-config", "mkl", "openblas", "blas", "freetype", "proj", "geos", "gdal", "imagemagick",
    }
)  # fmt: skip
"""Conda packages that are not Python distributions (or have none that installs offline): dropped."""

_SPEC = re.compile(r"^\s*(?:[\w.-]+::)?(?P<name>[A-Za-z0-9_.\-]+)(?P<extras>\[[^\]]*\])?\s*(?P<rest>.*)$")


def _version(rest: str) -> str:
    """Conda's version constraint in pip's syntax ('' for none)."""
    rest = rest.strip()
    if not rest:
        return ""
    words = rest.split()
    constraint = words[0]  # a second word is a build string, which pip has no use for
    if constraint.startswith("=") and not constraint.startswith("=="):
        constraint = constraint[1:]  # conda's `=1.2` is a prefix match, like a bare `1.2`
    if constraint[:1].isdigit():
        return f"=={constraint}" if constraint.endswith("*") else f"=={constraint}.*"
    return constraint


def _conda_line(spec: str) -> tuple[str | None, str]:
    """(pip requirement or None, the conda name) for one conda dependency."""
    match = _SPEC.match(spec)
    if match is None:
        return None, spec
    name = match["name"]
    lowered = name.lower()
    if lowered in CONDA_ONLY or lowered.startswith("lib"):
        return None, name
    pip_name = CONDA_TO_PIP.get(lowered, name)
    return f"{pip_name}{match['extras'] or ''}{_version(match['rest'])}", name


def conda_to_pip(text: str) -> tuple[list[str], list[str]]:
    """(pip requirement lines, dropped conda names) for the text of an environment.yml."""
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as err:
        msg = f"environment.yml is not valid YAML: {err}"
        raise ValueError(msg) from err
    dependencies = data.get("dependencies") if isinstance(data, dict) else None
    if not isinstance(dependencies, list):
        msg = "environment.yml has no `dependencies` list"
        raise ValueError(msg)
    lines: list[str] = []
    dropped: list[str] = []
    for entry in dependencies:
        if isinstance(entry, dict):
            # `-r file` and `-e .` lines point into the repository: the install step covers it.
            pip_lines = (str(item).strip() for item in entry.get("pip", []) or [])
            lines.extend(line for line in pip_lines if line and not line.startswith("-"))
            continue
        requirement, name = _conda_line(str(entry))
        if requirement is None:
            dropped.append(name)
        elif requirement not in lines:
            lines.append(requirement)
    return lines, dropped

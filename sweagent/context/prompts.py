"""The context stage's Jinja2 templates (`prompts/context/`), rendered with StrictUndefined."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import jinja2

__all__ = ["PROMPTS_DIR", "prompt_version", "render"]

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts" / "context"
"""Where the templates live: `prompts/context/` next to the package."""


@cache
def _environment(folder: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        autoescape=False,
    )


def render(name: str, folder: Path = PROMPTS_DIR, **values: object) -> str:
    """Render `<name>.j2`; a missing value is an error, never an empty string."""
    return _environment(folder).get_template(f"{name}.j2").render(**values)


@cache
def prompt_version(*names: str, folder: Path = PROMPTS_DIR) -> str:
    """A short hash of the templates' text: a changed prompt invalidates cached answers."""
    digest = hashlib.sha256()
    for name in names:
        digest.update((folder / f"{name}.j2").read_bytes())
    return digest.hexdigest()[:12]

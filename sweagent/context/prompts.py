"""The context stage's Jinja2 templates (`prompts/context/`), rendered with StrictUndefined."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import jinja2

import prompts

__all__ = ["PROMPTS_DIR", "prompt_version", "render"]

PROMPTS_DIR = Path(prompts.__file__).resolve().parent / "context"
"""Where the templates live: `context/` of the `prompts` package (installed with sweagent)."""


_RENDERING = "StrictUndefined trim_blocks lstrip_blocks"
"""The environment's settings, part of the prompt version: they change what a template renders."""


@cache
def _environment(folder: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,
    )


def render(template: str, /, *, folder: Path = PROMPTS_DIR, **values: object) -> str:
    """Render `<template>.j2`; a missing value is an error, never an empty string."""
    return _environment(folder).get_template(f"{template}.j2").render(**values)


@cache
def prompt_version(*names: str, folder: Path = PROMPTS_DIR) -> str:
    """A short hash of the templates' text: a changed prompt invalidates cached answers."""
    digest = hashlib.sha256(_RENDERING.encode())
    for name in names:
        digest.update((folder / f"{name}.j2").read_bytes())
    return digest.hexdigest()[:12]

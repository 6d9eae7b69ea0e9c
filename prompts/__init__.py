"""The prompts: Jinja2 templates, one folder per stage, rendered with StrictUndefined.

They ship inside the installed package (not only in a checkout), so they are read through
`importlib.resources`. A template is named `<stage>/<name>`, for example `editing/system`.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.resources import files

import jinja2

__all__ = ["render", "template_text", "template_version"]


class _PackageLoader(jinja2.BaseLoader):
    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, None, None]:
        try:
            return template_text(template.removesuffix(".j2")), None, None
        except FileNotFoundError:
            raise jinja2.TemplateNotFound(template) from None


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=_PackageLoader(),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )


@cache
def template_text(name: str) -> str:
    """The source of template `name` (`stage/name`, without `.j2`)."""
    resource = files(__name__).joinpath(*f"{name}.j2".split("/"))
    if not resource.is_file():
        msg = f"no prompt template {name!r} (looked for {name}.j2 in the prompts package)"
        raise FileNotFoundError(msg)
    return resource.read_text(encoding="utf-8")


def render(name: str, **values: object) -> str:
    """Render template `name`; a value it uses but is not given is an error, never an empty string."""
    return _environment().get_template(f"{name}.j2").render(**values)


def template_version(*names: str) -> str:
    """A short hash of the templates' text: a changed prompt invalidates what was cached with it."""
    digest = hashlib.sha256()
    for name in names:
        digest.update(name.encode() + b"\0" + template_text(name).encode() + b"\0")
    return digest.hexdigest()[:12]

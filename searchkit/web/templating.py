"""Jinja2, set up so that untrusted article text cannot become markup.

Autoescaping is on for every template, and every ``{{ value }}`` passes
through ``render.clean`` first (``finalize``), so control characters and
terminal escapes are stripped from text and attributes alike, without a
template having to remember a filter. The only markup built in Python is
the snippet's ``<mark>`` wrapping, from escaped pieces.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse

from .. import render
from ..snippets import Snippet
from .security import HEADERS


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return value  # built from already cleaned and escaped pieces
    if isinstance(value, str):
        return render.clean(value)
    if value is None:
        return ""
    return value


def marked(text: str, highlights: Any) -> Markup:
    """The snippet with its matched words in ``<mark>``, everything escaped."""
    pieces = Snippet(text, tuple(tuple(h) for h in highlights)).parts()
    return Markup("").join(
        Markup("<mark>%s</mark>") % render.clean(piece) if hit else escape(render.clean(piece))
        for piece, hit in pieces
    )


def iso(day: date | None) -> str:
    return day.isoformat() if day else "undated"


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


ENV = Environment(
    loader=PackageLoader("searchkit.web", "templates"),
    autoescape=True,  # every template, whatever its name
    finalize=_finalize,
    undefined=StrictUndefined,  # a misspelt name fails the test instead of printing nothing
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters.update(iso=iso)
ENV.globals.update(marked=marked, plural=plural)


def page(name: str, context: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    html = ENV.get_template(name).render(**context)
    return HTMLResponse(html, status_code=status, headers={**HEADERS, **(headers or {})})

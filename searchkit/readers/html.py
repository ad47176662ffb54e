"""HTML and XHTML news pages, through trafilatura (and htmldate for dates).

trafilatura keeps the article's main text and drops site boilerplate
(navigation, cookie notices, related links, footers); its metadata step
reads the headline (``og:title``, ``<h1>``, ``<title>``), the canonical url
and the description, and htmldate the publication date from the page's
own markup (``article:published_time``, Dublin Core ``DC.date``,
schema.org, ``<time datetime>``).

Settings, as measured on the MUC-3/4 XHTML files (see BENCHMARKS.md):
``fast=True`` skips trafilatura's second-opinion extractors (about twice as
fast, same text on these pages); htmldate's ``extensive_search`` is off so
a page without a date in its markup stays undated instead of getting the
first date-like string of its text (a sidecar can then supply one); and
``min_date`` is lowered from htmldate's default of 1995, which silently
drops the 1988-1990 dates of the MUC articles.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from ..articles import Article, _paragraphs
from ..errors import ArticleError
from ..sources import extract_sources

# trafilatura and htmldate log through the logging module; without a handler
# of their own Python's last-resort handler would print to stderr.
for _name in ("trafilatura", "htmldate", "courlan", "justext"):
    logging.getLogger(_name).addHandler(logging.NullHandler())

MIN_DATE = "1800-01-01"
_DATE_PARAMS = {"min_date": MIN_DATE, "extensive_search": False, "original_date": True}


def parse_html(text: str, path: str | os.PathLike[str] | None = None) -> tuple[Article, tuple[str, ...]]:
    """The article in one page's markup (pure: text in, Article out)."""
    article, warnings, _ = parse_html_guessing(text, path)
    return article, warnings


def parse_html_guessing(
    text: str, path: str | os.PathLike[str] | None = None
) -> tuple[Article, tuple[str, ...], frozenset[str]]:
    """``parse_html``, also naming the fields that were guessed rather than
    read from the page's metadata (a sidecar may override those)."""
    from trafilatura import bare_extraction  # imported on first use: it takes ~0.3 s

    doc: Any
    try:
        doc = bare_extraction(
            text,
            with_metadata=True,
            fast=True,
            include_comments=False,
            date_extraction_params=_DATE_PARAMS,
        )
    except (ValueError, TypeError, etree.LxmlError, RecursionError) as exc:
        raise ArticleError(f"unreadable HTML ({type(exc).__name__})") from exc
    if doc is None or not (doc.text or "").strip():
        raise ArticleError("no article text found in the page")
    stem = Path(path).stem if path else "article"
    headline = " ".join((doc.title or "").split())
    paras = _paragraphs(line for raw in doc.text.split("\n") for line in (raw, ""))
    if paras and headline and paras[0] == headline:
        paras = paras[1:]  # trafilatura keeps the <h1> as the first line of text
    guessed = {"sources"}
    if not headline:
        headline = paras[0][:200] if paras else stem
        guessed.add("headline")
    body = "\n\n".join(paras)
    warnings: list[str] = []
    problem = _xml_problem(text)
    if problem:
        warnings.append(problem)
    published: date | None = None
    if doc.date:
        try:
            published = date.fromisoformat(doc.date[:10])
        except ValueError:
            warnings.append(f"unparsable date {doc.date[:40]!r}: indexed undated")
    else:
        warnings.append("no date in the page's metadata: indexed undated")
    article = Article(
        id=stem,
        headline=headline,
        date=published,
        sources=extract_sources(body),
        body=body,
        summary=" ".join((doc.description or "").split()),
        path=str(path) if path is not None else None,
        url=doc.url or None,
    )
    return article, tuple(warnings), frozenset(guessed)


# Checking, not reading: no entities expanded, nothing fetched.
_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _xml_problem(text: str) -> str | None:
    """For an XHTML document (an XML declaration), whether it is well-formed.

    HTML parsing recovers from anything, so a truncated XHTML file would be
    read without a word; the XML check says the text may be incomplete.
    """
    if not text.lstrip().startswith("<?xml"):
        return None
    try:
        etree.fromstring(text.lstrip().encode("utf-8"), _XML_PARSER)
    except etree.XMLSyntaxError as exc:
        message = " ".join(str(exc.msg or exc).split())[:80]
        return f"not well-formed XML ({message}): read as HTML, the text may be incomplete"
    except ValueError:
        return None
    return None


_BLOCKS = frozenset(
    "p div br li ul ol h1 h2 h3 h4 h5 h6 blockquote pre tr table section article header footer dd dt figcaption".split()
)
_SKIP = frozenset(("script", "style", "noscript", "template"))
_SPACE_RE = re.compile(r"\n{2,}")


def fragment_text(markup: str) -> str:
    """Plain paragraphs of an HTML fragment (a feed entry's content).

    Block elements end paragraphs; scripts and styles are dropped. Walked
    with iterwalk, not recursion, so hostile nesting cannot overflow.
    """
    if "<" not in markup:
        return "\n\n".join(_paragraphs(markup.replace("\r\n", "\n").split("\n")))
    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except (etree.LxmlError, ValueError):
        return "\n\n".join(_paragraphs(markup.split("\n")))
    out: list[str] = []
    skipping = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _SKIP:
                skipping += 1
            elif not skipping:
                if tag in _BLOCKS:
                    out.append("\n\n")
                if el.text:
                    out.append(el.text)
        else:
            if tag in _SKIP:
                skipping -= 1
            elif not skipping and tag in _BLOCKS:
                out.append("\n\n")
            if not skipping and el is not root and el.tail:
                out.append(el.tail)
    text = _SPACE_RE.sub("\n\n", "".join(out).replace("\r\n", "\n"))
    return "\n\n".join(_paragraphs(line for raw in text.split("\n\n") for line in (raw.replace("\n", " "), "")))

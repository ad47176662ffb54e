"""Articles in: the Article model, the seed text layout and record fields.

``parse_article`` is pure (text in, Article out) so it can be tested with
golden files; reading bytes, telling file types apart, HTML, feeds, JSON
Lines, sidecars and walking folders live in ``searchkit.readers``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .dates import looks_like_date_line, parse_date_line, read_day
from .errors import ArticleError
from .gazetteer import canonical_source
from .lazy import lazy_module
from .readers.fileio import decode, read_bounded
from .readers.limits import MAX_ARTICLE_BYTES
from .results import Article as Article  # the model lives with the API's other types

# The citation extractor (word lists, regexes compiled at import: ~20 ms)
# loads with the first article read, not with every index run.
_sources = lazy_module("searchkit.sources")

# Kept for callers of the old name: the limit now applies to one article.
MAX_FILE_BYTES = MAX_ARTICLE_BYTES
ARTICLE_SUFFIXES = (".txt", ".jsonl")


@dataclass(frozen=True)
class Loaded:
    """One article read from a file, with what the reader noticed about it."""

    article: Article
    warnings: tuple[str, ...] = ()


# Why a path was not read. Only "error" means the file may still hold
# articles (unreadable now: an indexer should keep what it had); the others
# are decisions about what the file is.
ERROR = "error"
UNSUPPORTED = "unsupported"
NOT_ARTICLE = "not-article"


@dataclass(frozen=True)
class Skipped:
    """A file, folder or JSON Lines record that was not read, and why."""

    path: str
    reason: str
    kind: str = ERROR


@dataclass
class FileRead:
    """Everything one file yielded: articles, warnings and skipped records."""

    path: str
    digest: str
    loaded: list[Loaded] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unchanged: bool = False
    # The reader that read it ("text", "html", "feed", "jsonl", "csv").
    reader: str = ""


_WS_RE = re.compile(r"[ \t\f\v\u00a0]+")


def _normalize_space(text: str) -> str:
    return _WS_RE.sub(" ", text).strip()


def _paragraphs(lines: Iterable[str]) -> list[str]:
    """Joins wrapped lines into paragraphs; blank lines separate paragraphs."""
    paras: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paras.append(_normalize_space(" ".join(current)))
            current = []
    if current:
        paras.append(_normalize_space(" ".join(current)))
    return paras


def _stem_id(path: str | os.PathLike[str] | None) -> str:
    return Path(path).stem if path else "article"


def parse_article(text: str, path: str | os.PathLike[str] | None = None) -> Article:
    """Parses one article in the seed layout.

    Headline line, blank line, body paragraphs, a date-only line, a line
    ``About``, then the summary. The date line and the ``About`` section are
    optional; a missing date leaves ``date`` None.
    """
    return _parse_text(text, path)[0]


def _parse_text(text: str, path: str | os.PathLike[str] | None = None) -> tuple[Article, tuple[str, ...]]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        raise ArticleError("empty article")
    headline = _normalize_space(lines[start])
    rest = lines[start + 1 :]

    about = next((i for i, line in enumerate(rest) if line.strip().lower() == "about"), None)
    main = rest if about is None else rest[:about]
    summary_lines = [] if about is None else rest[about + 1 :]

    warnings: list[str] = []
    date_at = next((i for i in range(len(main) - 1, -1, -1) if looks_like_date_line(main[i])), None)
    published: date | None = None
    if date_at is None:
        warnings.append("no date line: indexed undated")
    else:
        published = parse_date_line(main[date_at])
        if published is None:
            warnings.append(f"unparsable date {main[date_at].strip()!r}: indexed undated")
        main = main[:date_at] + main[date_at + 1 :]

    body = "\n\n".join(_paragraphs(main))
    summary = "\n\n".join(_paragraphs(summary_lines))
    article = Article(
        id=_stem_id(path),
        headline=headline,
        date=published,
        sources=_sources.extract_sources(body),
        body=body,
        summary=summary,
        path=str(path) if path is not None else None,
    )
    return article, tuple(warnings)


def load_article(path: str | os.PathLike[str]) -> Article:
    """Reads one ``.txt`` article; raises ArticleError when it cannot."""
    p = Path(path)
    text, _ = decode(read_bounded(p, MAX_ARTICLE_BYTES))
    return parse_article(text, p)


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _first(record: Mapping[str, object], *keys: str) -> object:
    for key in keys:
        value = record.get(key)
        if value not in (None, ""):
            return value
    return None


def record_stem(path: Path | None) -> str:
    """The file-name part of an id-less record's id: ``feed`` for feed.jsonl.gz."""
    if path is None:
        return "record"
    name = path.name
    for suffix in (".gz", ".jsonl", ".ndjson", ".csv"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return name or path.name


def article_from_record(
    record: dict[str, object], path: Path | None = None, lineno: int = 0
) -> tuple[Article, tuple[str, ...]]:
    """Builds an Article from one JSON Lines record (keys per the README)."""
    headline = _normalize_space(str(_first(record, "headline", "title") or ""))
    body_value = _first(record, "body", "text", "content")
    if body_value is None and not headline:
        raise ArticleError("no headline and no body")
    body = "\n\n".join(_paragraphs(str(body_value or "").replace("\r\n", "\n").split("\n")))
    warnings: list[str] = []

    raw_date = _first(record, "date", "published")
    published = None
    if raw_date is None:
        warnings.append("no date: indexed undated")
    else:
        published, problem = read_day(str(raw_date))
        if published is None:
            warnings.append(f"{problem}: indexed undated")

    raw_sources = record.get("sources", record.get("source"))
    if isinstance(raw_sources, (str, list)):
        # Given, even as an empty list (no sources), so not searched for.
        names = [raw_sources] if isinstance(raw_sources, str) else raw_sources
        sources = tuple(dict.fromkeys(canonical_source(n.strip()) for n in names if isinstance(n, str) and n.strip()))
    else:
        sources = _sources.extract_sources(body)
        if raw_sources is not None:
            warnings.append("sources not a name or a list of names: found in the text instead")

    raw_id = _first(record, "id")
    stem = record_stem(path)
    article_id = str(raw_id).strip() if raw_id is not None else f"{stem}-L{lineno}"
    url = _first(record, "url")
    return (
        Article(
            id=article_id,
            headline=headline,
            date=published,
            sources=sources,
            body=body,
            summary=_normalize_space(str(_first(record, "summary") or "")),
            path=str(path) if path else None,
            url=str(url) if isinstance(url, str) else None,
        ),
        tuple(warnings),
    )


# The readers build on the model above; they are re-exported here so that
# ``from searchkit.articles import read_file, walk`` keeps working. They load
# on first use (PEP 562): a search needs the Article model, not the readers
# and their parsers.
_READERS = {"iter_file": "dispatch", "read_file": "dispatch", "walk": "walk"}


def __getattr__(name: str) -> Any:
    if name in _READERS:
        import importlib

        return getattr(importlib.import_module(f".readers.{_READERS[name]}", __package__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    from .readers.dispatch import iter_file, read_file
    from .readers.walk import walk

__all__ = [
    "ARTICLE_SUFFIXES",
    "MAX_FILE_BYTES",
    "Article",
    "FileRead",
    "Loaded",
    "Skipped",
    "article_from_record",
    "digest",
    "iter_file",
    "load_article",
    "parse_article",
    "read_file",
    "walk",
]


def record_digest(article: Article) -> str:
    """One article's content, for telling a changed JSON Lines record from an unchanged one."""
    fields = [
        article.headline,
        article.date.isoformat() if article.date else None,
        list(article.sources),
        article.body,
        article.summary,
        article.url,
    ]
    if article.publisher:
        # Only when there is one, so that the digests of articles without a
        # publisher stay what earlier runs recorded (no needless re-index).
        fields.append(article.publisher)
    data = json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()

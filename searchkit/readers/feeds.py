"""RSS 2.0, RSS 1.0 and Atom feeds, through feedparser: one article an entry.

The full text comes from ``content:encoded`` (RSS) or ``<content>`` (Atom),
falling back to the summary/description; the feed's own title is kept as
the publisher. An entry's id is its guid (Atom ``<id>``), else its link, so
re-reading a feed that gained entries adds only the new ones. feedparser
never raises on bad XML: it sets ``bozo`` and keeps what it could read, so a
truncated feed yields its complete entries with a warning.
"""

from __future__ import annotations

import hashlib
import os
import time
from datetime import date
from pathlib import Path
from typing import Any

from ..articles import Article, Loaded, Skipped
from ..dates import read_day
from ..sources import extract_sources
from .html import fragment_text

# An id must be one token for `searchkit show ID`; longer guids are hashed.
MAX_ID_CHARS = 200


def _entry_id(entry: Any, stem: str, number: int) -> str:
    for key in ("id", "link"):
        value = " ".join(str(entry.get(key) or "").split())
        if value and len(value) <= MAX_ID_CHARS and " " not in value:
            return value
    basis = f"{entry.get('title', '')}\x00{entry.get('published', entry.get('updated', ''))}"
    if not basis.strip("\x00"):
        basis = str(number)
    return f"{stem}-{hashlib.blake2b(basis.encode('utf-8'), digest_size=6).hexdigest()}"


def _entry_date(entry: Any) -> tuple[date | None, str | None]:
    for key in ("published", "updated", "created"):
        raw = entry.get(key)
        if raw:
            day, problem = read_day(str(raw))
            if day is not None:
                return day, None
            parsed = entry.get(f"{key}_parsed")
            if isinstance(parsed, time.struct_time):
                return date(parsed.tm_year, parsed.tm_mon, parsed.tm_mday), None
            return None, f"{problem}: indexed undated"
    return None, "no date: indexed undated"


def _entry_body(entry: Any) -> str:
    contents = entry.get("content") or []
    # Atom may give several renditions; the longest is the full text.
    best = max((str(c.get("value") or "") for c in contents), key=len, default="")
    if not best.strip():
        best = str(entry.get("summary") or entry.get("description") or "")
    return fragment_text(best)


def parse_feed(data: bytes, path: str | os.PathLike[str] | None = None) -> tuple[list[Loaded], list[Skipped]]:
    """Every entry of a feed document (pure: bytes in, articles out)."""
    import feedparser  # imported on first use

    where = str(path) if path is not None else "feed"
    stem = Path(path).stem if path else "feed"
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    notes: tuple[str, ...] = ()
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        message = " ".join(str(getattr(exc, "getMessage", lambda: exc)()).split())[:120]
        if not parsed.entries:
            return [], [Skipped(where, f"not a readable feed ({message or type(exc).__name__})")]
        notes = (f"malformed feed ({message}): {len(parsed.entries)} entries read",)
    publisher = " ".join(str(parsed.feed.get("title") or "").split()) or None
    loaded: list[Loaded] = []
    skipped: list[Skipped] = []
    for number, entry in enumerate(parsed.entries, 1):
        headline = " ".join(str(entry.get("title") or "").split())
        body = _entry_body(entry)
        if not headline and not body:
            skipped.append(Skipped(f"{where}#{number}", "entry with no title and no text"))
            continue
        published, problem = _entry_date(entry)
        # feedparser takes an RSS guid for the link unless isPermaLink="false"; an
        # id that is not a web address is no link.
        raw_link = str(entry.get("link") or "").strip()
        link = raw_link if "://" in raw_link else None
        summary = fragment_text(str(entry.get("summary") or "")) if entry.get("content") else ""
        article = Article(
            id=_entry_id(entry, stem, number),
            headline=headline or body.split("\n", 1)[0][:200],
            date=published,
            sources=extract_sources(body),
            body=body,
            summary=" ".join(summary.split()) if summary != body else "",
            path=str(path) if path is not None else None,
            url=link,
            publisher=publisher,
        )
        warnings = notes if number == 1 else ()
        if problem:
            warnings = (*warnings, f"entry {number}: {problem}")
        loaded.append(Loaded(article, warnings))
    if not loaded and not skipped:
        skipped.append(Skipped(where, "feed has no entries"))
    return loaded, skipped

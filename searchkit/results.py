"""The types a search returns: plain frozen dataclasses, and nothing heavy
(the analyst commands' own live in :mod:`searchkit.reports`).

An index's stored fields become an :class:`Article` in one function
(:func:`article_from_stored`); a :class:`Hit` and a :class:`Copy` take their
shared fields from it, so the three cannot disagree. ``render`` turns each
type into text, JSON, JSON Lines and CSV.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Facts:
    """What every listing of an article shows: Article, Hit and Copy start with these."""

    id: str
    headline: str
    date: date | None
    sources: tuple[str, ...]  # the agencies the text cites, canonical names


@dataclass(frozen=True)
class Article(Facts):
    body: str
    summary: str = ""
    path: str | None = None
    url: str | None = None
    # Who published it (a feed's title, a sidecar's publisher column), as
    # opposed to the agencies the text cites (``sources``).
    publisher: str | None = None


def day(value: int | None) -> date | None:
    """A stored day number (0 or None: undated) as a date."""
    return date.fromordinal(value) if value else None


def article_from_stored(stored: Mapping[str, Any]) -> Article:
    """The one conversion from an index's stored fields."""
    return Article(
        id=stored["id"],
        headline=stored.get("headline", ""),
        date=day(stored.get("date")),
        sources=tuple(stored.get("source_names") or ()),
        body=stored.get("body", ""),
        summary=stored.get("summary", ""),
        path=stored.get("path") or None,
        url=stored.get("url") or None,
        publisher=stored.get("publisher") or None,
    )


def hit_from_stored(stored: Mapping[str, Any], **rest: Any) -> Hit:
    """``Hit.of(article_from_stored(stored), **rest)`` without the Article in
    between (a page of hits needs neither its body nor its other fields):
    the shared fields converted as :func:`article_from_stored` converts them
    (tests/test_output.py holds the two equal)."""
    return Hit(
        id=stored["id"],
        headline=stored.get("headline", ""),
        date=day(stored.get("date")),
        sources=tuple(stored.get("source_names") or ()),
        path=stored.get("path") or None,
        **rest,
    )


def _from_article(cls: type[Any], article: Article, **rest: Any) -> Any:
    """An instance of ``cls`` with the fields it shares with Article taken from ``article``."""
    shared = {name: getattr(article, name) for name in _shared_fields(cls)}
    return cls(**shared, **rest)


def _shared_fields(cls: type[Any]) -> tuple[str, ...]:
    """The fields ``cls`` shares with Article (once per class: dataclasses.fields
    builds its list again on every call, ten times a page)."""
    found = _SHARED.get(cls)
    if found is None:
        found = _SHARED[cls] = tuple(f.name for f in dataclasses.fields(cls) if f.name in _ARTICLE_FIELDS)
    return found


_SHARED: dict[type[Any], tuple[str, ...]] = {}


@dataclass(frozen=True)
class Hit(Facts):
    score: float | None
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    path: str | None
    copies: int = 0  # near-duplicates folded into this hit

    @classmethod
    def of(cls, article: Article, **rest: Any) -> Hit:
        hit: Hit = _from_article(cls, article, **rest)
        return hit


@dataclass(frozen=True)
class Copy(Facts):
    path: str | None

    @classmethod
    def of(cls, article: Article) -> Copy:
        copy: Copy = _from_article(cls, article)
        return copy


@dataclass(frozen=True)
class Facets:
    sources: tuple[tuple[str, int], ...]
    years: tuple[tuple[str, int], ...]
    months: tuple[tuple[str, int], ...]
    undated: int


@dataclass(frozen=True)
class Results:
    query: str
    total: int
    hits: tuple[Hit, ...]
    offset: int = 0
    parsed: str = ""
    explain: str = ""
    warnings: tuple[str, ...] = ()
    suggestion: str | None = None
    facets: Facets | None = None


@dataclass(frozen=True)
class DuplicateGroup:
    """An article and its near-duplicates; the leader is the earliest."""

    leader: Copy
    copies: tuple[Copy, ...]


_ARTICLE_FIELDS = frozenset(f.name for f in dataclasses.fields(Article))
# Fields an exported hit can carry (render, --fields): the hit's own, then
# the article's that a hit lacks, read only when asked for.
HIT_FIELDS = tuple(f.name for f in dataclasses.fields(Hit))
ARTICLE_FIELDS = ("url", "body", "summary")
ALL_FIELDS = HIT_FIELDS + ARTICLE_FIELDS

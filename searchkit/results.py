"""Every type the API returns: plain frozen dataclasses, and nothing heavy.

An index's stored fields become an :class:`Article` in one function
(:func:`article_from_stored`); a :class:`Hit` and a :class:`Copy` take their
shared fields from it, so the three cannot disagree. ``render`` turns each
type into text, JSON, JSON Lines and CSV.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from .options import SAVED, SearchOptions


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


@dataclass(frozen=True)
class Stats:
    articles: int
    first_date: date | None
    last_date: date | None
    undated: int
    size_bytes: int
    top_sources: tuple[tuple[str, int], ...]
    last_update: str | None
    path: str = ""


@dataclass(frozen=True)
class Bucket:
    period: str
    start: date
    hits: int
    articles: int  # all articles of the period, for normalizing

    @property
    def share(self) -> float | None:
        return self.hits / self.articles if self.articles else None


@dataclass(frozen=True)
class Timeline:
    query: str
    by: str
    buckets: tuple[Bucket, ...]
    undated: int
    total: int


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Comparison:
    """Several queries' timelines over the same periods (``timeline --compare``).

    Every series has a bucket for each of the same periods, in the same
    order: from the first period in which any series has a hit to the last
    in which any has one (a series without hits in a period has 0 there).
    """

    by: str
    series: tuple[Timeline, ...]

    @property
    def periods(self) -> tuple[Bucket, ...]:
        """The shared periods (the first series' buckets: same periods, same articles)."""
        return self.series[0].buckets if self.series else ()


@dataclass(frozen=True)
class Term:
    """One significant word: in ``foreground`` articles of the result set
    and ``background`` articles of the index, scored by the statistic."""

    term: str
    foreground: int
    background: int
    score: float


@dataclass(frozen=True)
class SignificantTerms:
    """The result set's significant words, best first.

    ``foreground`` and ``background`` are the two sets' sizes (articles
    in the result set, articles in the index).
    """

    query: str
    foreground: int
    background: int
    terms: tuple[Term, ...]
    statistic: str = "jlh"
    min_count: int = 3
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class SavedSearch:
    """A named query with the filters it runs under (options.SAVED).

    The filters read as attributes too (``s.sources``, ``s.since``), for
    templates and callers of the flat form.
    """

    name: str
    query: str
    options: SearchOptions = field(default_factory=SearchOptions)
    created: str = field(default_factory=now_iso)
    # Newest index generation whose articles alerts has reported.
    seen_until: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", self.options.only(SAVED))

    def __getattr__(self, name: str) -> Any:
        if name in SAVED:
            return getattr(self.options, name)
        raise AttributeError(name)

    def record(self) -> dict[str, Any]:
        """The search as one flat JSON-ready record (its options inline)."""
        return {
            "name": self.name,
            "query": self.query,
            **self.options.record(SAVED),
            "created": self.created,
            "seen_until": self.seen_until,
        }


@dataclass(frozen=True)
class Alert:
    search: SavedSearch
    results: Results


_ARTICLE_FIELDS = frozenset(f.name for f in dataclasses.fields(Article))
# Fields an exported hit can carry (render, --fields): the hit's own, then
# the article's that a hit lacks, read only when asked for.
HIT_FIELDS = tuple(f.name for f in dataclasses.fields(Hit))
ARTICLE_FIELDS = ("url", "body", "summary")
ALL_FIELDS = HIT_FIELDS + ARTICLE_FIELDS

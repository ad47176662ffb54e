"""The types the analyst commands return: index statistics, timelines and
their comparisons, significant terms, saved searches and their alerts.

Plain frozen dataclasses, as in :mod:`searchkit.results` (the search
results they sit beside); kept apart because a search builds none of them
and each frozen dataclass costs ~0.4 ms of every command's start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

from .options import SAVED, SearchOptions

if TYPE_CHECKING:
    from .results import Results


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

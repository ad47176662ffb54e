"""Counting hits: facets by source and period, and timelines.

Pure functions over document numbers and the per-searcher arrays, so they
can be tested without an index.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

from .reports import Bucket as Bucket  # re-exported: the types live in reports and results
from .reports import Comparison as Comparison
from .reports import Timeline as Timeline
from .results import Facets as Facets
from .settings import PERIODS as PERIODS  # re-exported: defined in settings


def facet_counts(
    docnums: Iterable[int],
    days: Sequence[int],
    doc_sources: Mapping[int, Sequence[str]],
    names: Mapping[str, str],
) -> Facets:
    sources: Counter[str] = Counter()
    years: Counter[str] = Counter()
    months: Counter[str] = Counter()
    undated = 0
    for d in docnums:
        sources.update(doc_sources.get(d, ()))
        day = days[d]
        if not day:
            undated += 1
            continue
        when = date.fromordinal(day)
        years[f"{when.year:04d}"] += 1
        months[f"{when.year:04d}-{when.month:02d}"] += 1
    return Facets(
        sources=tuple((names.get(k, k), n) for k, n in sorted(sources.items(), key=lambda kv: (-kv[1], kv[0]))),
        years=tuple(sorted(years.items())),
        months=tuple(sorted(months.items())),
        undated=undated,
    )


def period_start(day: date, by: str) -> date:
    if by == "day":
        return day
    if by == "year":
        return date(day.year, 1, 1)
    if by == "month":
        return date(day.year, day.month, 1)
    # ISO weeks start on Monday; 0001-01-01 is one, so this never underflows.
    return day - timedelta(days=day.weekday())


def period_label(start: date, by: str) -> str:
    if by == "day":
        return start.isoformat()
    if by == "year":
        return f"{start.year:04d}"
    if by == "month":
        return f"{start.year:04d}-{start.month:02d}"
    year, week, _ = start.isocalendar()
    return f"{year:04d}-W{week:02d}"


def _count(docnums: Iterable[int], days: Sequence[int], by: str) -> tuple[Counter[date], int]:
    counts: Counter[date] = Counter()
    undated = 0
    for d in docnums:
        day = days[d]
        if day:
            counts[period_start(date.fromordinal(day), by)] += 1
        else:
            undated += 1
    return counts, undated


def periods_between(first: date, later: date, by: str) -> int:
    """How many whole periods lie strictly between two period starts."""
    if by == "year":
        return later.year - first.year - 1
    if by == "month":
        return (later.year * 12 + later.month) - (first.year * 12 + first.month) - 1
    return (later - first).days // (1 if by == "day" else 7) - 1


def build_timeline(query: str, by: str, hits: Iterable[int], days: Sequence[int], every: Iterable[int]) -> Timeline:
    """Hit counts per period, from the first period with a hit to the last.

    Periods before the first hit and after the last are left out. Between
    them, a period with articles but no hits is kept (zero hits of N
    articles is a figure); a period without articles is left out, so the
    buckets are never more than the articles, whatever the dates
    (0001-01-01 and 9999-12-31 by day are 3.6 million days apart) and a
    share is never 0/0. Renderers show the missing periods as gaps
    (:func:`periods_between`).
    """
    counts, undated = _count(hits, days, by)
    if not counts:
        return Timeline(query, by, (), undated, undated)
    totals, _ = _count(every, days, by)
    first, last = min(counts), max(counts)
    starts = sorted({s for s in totals if first <= s <= last} | set(counts))
    buckets = tuple(
        Bucket(period_label(s, by), s, counts.get(s, 0), max(totals.get(s, 0), counts.get(s, 0))) for s in starts
    )
    return Timeline(query, by, buckets, undated, sum(counts.values()) + undated)


def build_comparison(
    queries: Sequence[str], by: str, hits: Sequence[Iterable[int]], days: Sequence[int], every: Iterable[int]
) -> Comparison:
    """One timeline per query (``hits[i]`` are query i's docnums), all over
    the same periods: what :func:`build_timeline` keeps for one series,
    kept for the union of their hits. ``every`` (all live docnums) gives
    each period's article count, the same for every series."""
    counted = [_count(docs, days, by) for docs in hits]
    dated = [c for c, _ in counted if c]
    if not dated:
        series = tuple(Timeline(q, by, (), undated, undated) for q, (_, undated) in zip(queries, counted, strict=True))
        return Comparison(by, series)
    totals, _ = _count(every, days, by)
    first = min(min(c) for c in dated)
    last = max(max(c) for c in dated)
    starts = sorted({s for s in totals if first <= s <= last}.union(*(set(c) for c, _ in counted)))
    most = [max([totals.get(s, 0), *(c.get(s, 0) for c, _ in counted)]) for s in starts]
    series = tuple(
        Timeline(
            q,
            by,
            tuple(Bucket(period_label(s, by), s, counts.get(s, 0), n) for s, n in zip(starts, most, strict=True)),
            undated,
            sum(counts.values()) + undated,
        )
        for q, (counts, undated) in zip(queries, counted, strict=True)
    )
    return Comparison(by, series)

"""Fast filters: date windows and source sets as document-number sets.

Whoosh's DateRange/NumericRange filter walks many range terms per query
(about 95 ms on 19,000 articles, against 2.5 ms for the search itself).
Here each searcher reads the date column once into an array, and a filter
is a lazy set whose membership test is one array lookup, checked only for
documents the query matched. Source postings are small and read once per
searcher and source.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from functools import lru_cache

from whoosh.idsets import DocIdSet
from whoosh.searching import Searcher

from .query import Filters


class FilterSet(DocIdSet):
    """Documents passing ``Filters``, tested one docnum at a time."""

    def __init__(
        self,
        days: array,
        bounds: tuple[int, int] | None,
        require: list[frozenset[int]],
        exclude: frozenset[int],
    ) -> None:
        self.days = days
        self.bounds = bounds
        self.require = require
        self.exclude = exclude

    def __contains__(self, docnum: object) -> bool:
        if self.bounds is not None:
            day = self.days[docnum]  # type: ignore[index]
            if not self.bounds[0] <= day <= self.bounds[1]:
                return False
        for group in self.require:
            if docnum not in group:
                return False
        return docnum not in self.exclude

    def __bool__(self) -> bool:
        return True  # Whoosh skips a filter that is falsy

    def __iter__(self) -> Iterator[int]:
        return (d for d in range(len(self.days)) if d in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class FilterCache:
    """Per-searcher data the filters need, read once per index generation."""

    def __init__(self, searcher: Searcher) -> None:
        self.searcher = searcher
        self._days: array | None = None
        self._source_docs = lru_cache(maxsize=256)(self._read_source_docs)

    @property
    def days(self) -> array:
        if self._days is None:
            reader = self.searcher.reader()
            self._days = array("I", reader.column_reader("date")) if reader.doc_count_all() else array("I")
        return self._days

    def _read_source_docs(self, key: str) -> frozenset[int]:
        reader = self.searcher.reader()
        if ("sources", key) not in reader:
            return frozenset()
        return frozenset(reader.postings("sources", key).all_ids())

    def source_docs(self, keys: frozenset[str]) -> frozenset[int]:
        found: frozenset[int] = frozenset()
        for key in keys:
            found |= self._source_docs(key)
        return found

    def filter_set(self, filters: Filters) -> FilterSet | None:
        if not filters:
            return None
        bounds = filters.day_bounds() if filters.dated else None
        require = [self.source_docs(group) for group in filters.require]
        exclude = self.source_docs(filters.exclude) if filters.exclude else frozenset()
        return FilterSet(self.days, bounds, require, exclude)

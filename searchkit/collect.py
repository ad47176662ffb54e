"""One pass over the matches: filter, count exactly, and note grouped copies.

Whoosh's default top-N collector skips blocks that cannot make the top N,
so an exact total then costs a second full run of the query (``len()`` of
the results). searchkit always shows an exact total, so it collects in a
single unskipped pass, applying its filter set and noting which matches
belong to a near-duplicate group, for folding, on the way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from whoosh.collectors import Collector, FilterCollector


class WatchingFilter(FilterCollector):
    """FilterCollector that also records matches listed in ``watch``."""

    def __init__(self, child: Collector, allow: Any, mask: Any, watch: Mapping[int, str]) -> None:
        super().__init__(child, allow=allow, restrict=mask)
        self.watch = watch
        self.watched: list[int] = []

    def collect_matches(self) -> None:
        child = self.child
        allow = self._allow
        restrict = self._restrict
        watch = self.watch
        watched = self.watched
        offset = self.offset
        for sub_docnum in child.matches():
            docnum = offset + sub_docnum
            if (allow is not None and docnum not in allow) or (restrict is not None and docnum in restrict):
                self.filtered_count += 1
                continue
            if docnum in watch:
                watched.append(docnum)
            child.collect(sub_docnum)

"""Folding near-duplicates at search time: one rule, in every form it runs.

Each group keeps its earliest matching article (undated last, ties to the
lower docnum) and counts the copies it stands for: ``fold_copies`` over the
engine's arrays, ``fold_watched`` over the copies Whoosh's collector noted,
and the per-searcher maps they read (``group_keys``, ``group_index``).

The collector: one pass over the matches: filter, count exactly, and note
grouped copies.

Whoosh's default top-N collector skips blocks that cannot make the top N,
so an exact total then costs a second full run of the query (``len()`` of
the results). searchkit always shows an exact total, so it collects in a
single unskipped pass, applying its filter set and noting which matches
belong to a near-duplicate group, for folding, on the way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from whoosh.collectors import Collector, FilterCollector

from .groups import Groups

if TYPE_CHECKING:
    import numpy as np

    from ..engine import Arrays


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


def fold_copies(ids: Any, groups: Any, days: Any) -> tuple[Any, dict[int, int]]:
    """The array form of folding near-duplicates (fold_watched's rule).

    ``ids``: matched docnums (ascending); ``groups``: each docnum's group
    number or -1; ``days``: each docnum's day (0: undated). Returns which of
    ``ids`` to keep (a boolean array) and, per kept docnum that stands for
    others, how many copies it folds. Each group keeps its earliest matching
    article, undated last, ties to the lower docnum.
    """
    return fold_grouped(ids, groups[ids] if len(ids) else ids, days)


def fold_grouped(ids: Any, group: Any, days: Any) -> tuple[Any, dict[int, int]]:
    """fold_copies with each match's own group number (``group``, in the
    order of ``ids``, -1 when ungrouped) rather than a per-docnum map: only
    equality of the numbers counts (SearcherData.group_numbers)."""
    import numpy as np

    keep = np.ones(len(ids), dtype=bool)
    grouped = np.flatnonzero(group >= 0)
    if not len(grouped):
        return keep, {}
    members = ids[grouped]
    day = days[members]
    oldest = np.where(day == 0, 2**32, day)
    order = np.lexsort((members, oldest, group[grouped]))
    sorted_groups = group[grouped][order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    sizes = np.diff(np.r_[starts, len(sorted_groups)])
    leaders = grouped[order[starts]]
    keep[grouped] = False
    keep[leaders] = True
    copies = {int(ids[at]): int(n - 1) for at, n in zip(leaders.tolist(), sizes.tolist(), strict=True) if n > 1}
    return keep, copies


def fold_watched(watched: list[int], groups: Mapping[int, str], days: Any) -> tuple[set[int], dict[int, int]]:
    """Which matched copies to hide, and how many copies each kept hit stands for,
    from the grouped docnums a collector noted (``watched``).

    Each group keeps its earliest matching article (undated last).
    """
    by_group: dict[str, list[int]] = {}
    for docnum in watched:
        by_group.setdefault(groups[docnum], []).append(docnum)
    drop: set[int] = set()
    copies: dict[int, int] = {}
    for members in by_group.values():
        if len(members) < 2:
            continue
        keep = min(members, key=lambda d: (oldest_key(days[d]), d))
        copies[keep] = len(members) - 1
        drop.update(d for d in members if d != keep)
    return drop, copies


def oldest_key(value: int) -> int:
    # Undated articles (day 0) go after every dated one.
    return value or 2**32


def group_keys(groups: Groups, arrays: Arrays) -> dict[int, str]:
    """Docnum -> its group's leader id, for grouped articles only."""
    leaders: list[str] = []
    ids: list[str] = []
    for members in groups.groups():
        for aid in members:
            leaders.append(members[0])
            ids.append(aid)
    # All ids at once: the term files' statistics read in bulk per segment.
    keys: dict[int, str] = {}
    for leader, docnum in zip(leaders, arrays.first_lives("id", ids), strict=True):
        if docnum is not None:
            keys[docnum] = leader
    return keys


def group_index(keys: Mapping[int, str], count: int) -> np.ndarray:
    """Per docnum, its near-duplicate group's number, or -1 when ungrouped."""
    import numpy as np

    index = np.full(count, -1, dtype=np.int64)
    leaders: dict[str, int] = {}
    for docnum, leader in keys.items():
        index[docnum] = leaders.setdefault(leader, len(leaders))
    return index

"""What an article page shows beside the article, kept until the index changes.

The library lists near-duplicate groups only all at once
(``SearchIndex.duplicates``), which reads every member's stored fields:
0.6-0.9 s at 19,000 Reuters stories, too slow for every article page; and
``SearchIndex.similar`` scores the article's key terms against the whole
index (about 0.5 s there). Neither changes until the index does, so each is
computed once per index state and kept: the groups by article id, the
similar articles per article (the most recently read few thousand).

Every commit to the index writes new files into its folder (and removes old
ones), which moves the folder's modification time; with the article count,
that is a change signal that costs one ``stat`` and needs no private
attribute of SearchIndex. The caches are per process (each worker of
``searchkit serve --workers`` keeps its own) and shared by its threads,
hence the lock; a value is computed outside it, so a slow computation
never holds up a page that only reads.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from ..search import Copy, Hit, SearchIndex

V = TypeVar("V")
SIMILAR_KEPT = 4096  # articles whose similar list is kept (5 hits with snippets each: up to ~20 MB)


def index_state(ix: SearchIndex) -> tuple[int, int]:
    return os.stat(ix.path).st_mtime_ns, len(ix)


class PerState(Generic[V]):
    """Values computed from the index, dropped when its state changes."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._state: tuple[int, int] | None = None
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, ix: SearchIndex, key: Hashable, compute: Callable[[SearchIndex], V]) -> V:
        state = index_state(ix)
        with self._lock:
            if state != self._state:
                self._values.clear()
                self._state = state
            elif key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = compute(ix)
        with self._lock:
            if self._state == state:  # not if a commit landed meanwhile: computed from either state
                self._values[key] = value
                while len(self._values) > self._limit:
                    self._values.popitem(last=False)
        return value


def _groups(ix: SearchIndex) -> dict[str, tuple[Copy, ...]]:
    groups: dict[str, tuple[Copy, ...]] = {}
    for group in ix.duplicates():
        members = (group.leader, *group.copies)
        groups.update((m.id, members) for m in members)
    return groups


class CopyFinder:
    """An article's near-duplicate copies and similar articles, for its page."""

    def __init__(self) -> None:
        self._groups: PerState[dict[str, tuple[Copy, ...]]] = PerState(1)
        self._similar: PerState[tuple[Hit, ...]] = PerState(SIMILAR_KEPT)

    def of(self, ix: SearchIndex, article_id: str) -> tuple[Copy, ...]:
        """The other members of ``article_id``'s group (none if it has no copies)."""
        groups = self._groups.get(ix, None, _groups)
        return tuple(m for m in groups.get(article_id, ()) if m.id != article_id)

    def similar(self, ix: SearchIndex, article_id: str, limit: int) -> tuple[Hit, ...]:
        """``SearchIndex.similar``'s hits, computed once per article and index state."""
        return self._similar.get(ix, (article_id, limit), lambda i: i.similar(article_id, limit=limit).hits)

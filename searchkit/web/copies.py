"""An article's near-duplicate copies, for its page.

The library lists groups only all at once (``SearchIndex.duplicates``),
which reads every member's stored fields: 0.6-0.9 s at 19,000 Reuters
stories, too slow for every article page. So the groups are indexed by
article id once and kept until the index changes. Every commit to the
index writes new files into its folder (and removes old ones), which moves
the folder's modification time; with the article count, that is a change
signal that costs one ``stat``.
"""

from __future__ import annotations

import os

from ..search import Copy, SearchIndex


class CopyFinder:
    """Called under SharedIndex's lock, like every library call."""

    def __init__(self) -> None:
        self._key: tuple[int, int] | None = None
        self._groups: dict[str, tuple[Copy, ...]] = {}

    def of(self, ix: SearchIndex, article_id: str) -> tuple[Copy, ...]:
        """The other members of ``article_id``'s group (none if it has no copies)."""
        key = (os.stat(ix.path).st_mtime_ns, len(ix))
        if key != self._key:
            groups: dict[str, tuple[Copy, ...]] = {}
            for group in ix.duplicates():
                members = (group.leader, *group.copies)
                groups.update((m.id, members) for m in members)
            self._groups, self._key = groups, key
        return tuple(m for m in self._groups.get(article_id, ()) if m.id != article_id)

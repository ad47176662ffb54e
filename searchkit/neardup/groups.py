"""Near-duplicate groups: the connected components of verified links.

Apart from ``sketches`` because every search reads the groups (to fold
copies) while only indexing sketches: importing ``sketches`` loads hashlib
(OpenSSL, ~2.5 ms) and hashes its shingle coefficients, a cost a cold
``searchkit search`` has no use for. ``Groups.add`` judges candidates with
``sketches.similarity``, imported when an index run first links.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable

__all__ = ["Groups"]


def _order(day: int, article_id: str) -> tuple[float, str]:
    # Undated articles (day 0) cannot claim to be the original.
    return (day if day else math.inf, article_id)


class Groups:
    """Near-duplicate groups: the connected components of verified links.

    Only articles with at least one link are held, so the state (and its
    JSON) grows with the number of duplicates, not with the archive.  The
    links themselves are kept, not just the components, because removing an
    article may split its group and only the links can tell how.
    """

    JSON_VERSION = 1

    def __init__(self) -> None:
        self._links: dict[str, set[str]] = {}
        self._day: dict[str, int] = {}
        # Every member of a group maps to the same set object.
        self._group: dict[str, set[str]] = {}

    def add(
        self,
        article_id: str,
        day: int,
        sk: tuple[int, ...],
        candidates: Iterable[tuple[str, int, tuple[int, ...]]],
    ) -> list[str]:
        """Links the article to each candidate at least THRESHOLD similar; returns those ids, sorted.

        Adding an id again replaces its links (its text may have changed).
        """
        from .sketches import THRESHOLD, similarity

        self.remove(article_id)
        if not sk:
            return []
        linked: dict[str, int] = {}
        for cand_id, cand_day, cand_sk in candidates:
            if cand_id == article_id or cand_id in linked:
                continue
            if similarity(sk, cand_sk) >= THRESHOLD:
                linked[cand_id] = cand_day
        if not linked:
            return []
        self._day[article_id] = day
        mine = self._links.setdefault(article_id, set())
        for cand_id, cand_day in linked.items():
            self._day[cand_id] = cand_day
            mine.add(cand_id)
            self._links.setdefault(cand_id, set()).add(article_id)
            self._merge(article_id, cand_id)
        return sorted(linked)

    def _merge(self, a: str, b: str) -> None:
        ga = self._group.get(a) or {a}
        gb = self._group.get(b) or {b}
        if ga is gb:
            return
        if len(ga) < len(gb):
            ga, gb = gb, ga
        ga |= gb
        for member in ga:
            self._group[member] = ga

    def remove(self, article_id: str) -> None:
        """Forgets the article; its group splits if it was the only bridge."""
        neighbours = self._links.pop(article_id, None)
        if neighbours is None:
            return
        old = self._group.pop(article_id)
        old.discard(article_id)
        del self._day[article_id]
        for other in neighbours:
            self._links[other].discard(article_id)
        self._regroup(old)

    def _regroup(self, members: set[str]) -> None:
        unseen = set(members)
        for start in sorted(members):
            if start not in unseen:
                continue
            unseen.discard(start)
            component = {start}
            frontier = [start]
            while frontier:
                for other in self._links[frontier.pop()]:
                    if other in unseen:
                        unseen.discard(other)
                        component.add(other)
                        frontier.append(other)
            if len(component) == 1:
                # Lost its last link: no longer a duplicate of anything.
                del self._links[start], self._day[start], self._group[start]
                continue
            for member in component:
                self._group[member] = component

    def group(self, article_id: str) -> list[str]:
        """The article's group, leader first, then by day and id; ``[article_id]`` if it has no copies."""
        members = self._group.get(article_id)
        if members is None:
            return [article_id]
        return sorted(members, key=lambda m: _order(self._day[m], m))

    def leader(self, article_id: str) -> str:
        """The earliest dated article of its group (ties by id); itself if it has no copies."""
        members = self._group.get(article_id)
        if members is None:
            return article_id
        return min(members, key=lambda m: _order(self._day[m], m))

    def copies(self, article_id: str) -> int:
        members = self._group.get(article_id)
        return 0 if members is None else len(members) - 1

    def groups(self) -> list[list[str]]:
        """All groups of two or more, each leader first, ordered by leader."""
        seen: set[int] = set()
        out = []
        for members in self._group.values():
            if id(members) not in seen:
                seen.add(id(members))
                out.append(sorted(members, key=lambda m: _order(self._day[m], m)))
        out.sort(key=lambda g: _order(self._day[g[0]], g[0]))
        return out

    def links(self) -> list[tuple[str, str]]:
        """The verified links as sorted ``(smaller id, larger id)`` pairs."""
        return sorted((a, b) for a, bs in self._links.items() for b in bs if a < b)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._group

    def __len__(self) -> int:
        """The number of articles in some group."""
        return len(self._group)

    def to_json(self) -> str:
        # Each link once, under its smaller id; sorted keys for a stable file.
        links = {a: sorted(b for b in bs if b > a) for a, bs in self._links.items()}
        data = {
            "version": self.JSON_VERSION,
            "days": self._day,
            "links": {a: bs for a, bs in links.items() if bs},
        }
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_links(cls, links: Iterable[tuple[str, str]], days: dict[str, int]) -> Groups:
        """Groups from stored links and each linked article's day (see catalog.py).

        A link to an article without a day (state written by a run killed
        half-way, or edited by hand) is dropped rather than trusted.
        """
        self = cls()
        for a, b in links:
            if a in days and b in days and a != b:
                self._links.setdefault(a, set()).add(b)
                self._links.setdefault(b, set()).add(a)
        for a in self._links:
            self._day[a] = int(days[a])
        self._regroup(set(self._links))
        return self

    @classmethod
    def from_json(cls, s: str) -> Groups:
        data = json.loads(s)
        if not isinstance(data, dict) or data.get("version") != cls.JSON_VERSION:
            raise ValueError("not a searchkit duplicate-groups file of a known version")
        self = cls()
        try:
            days = data["days"]
            for a, bs in data["links"].items():
                for b in bs:
                    self._links.setdefault(a, set()).add(b)
                    self._links.setdefault(b, set()).add(a)
            for a in self._links:
                self._day[a] = int(days[a])
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ValueError(f"malformed duplicate-groups file: {exc!r}") from exc
        self._regroup(set(self._links))
        return self

"""Near-duplicate detection: bottom-k MinHash sketches and incremental groups.

Syndicated and re-issued copies of a story differ in a dateline, a rewritten
lead paragraph or the wire's sign-off, so they are found by resemblance (the
Jaccard similarity of word 5-shingle sets, Broder 1997), not by equality.

Pure logic, no Whoosh: the index stores each article's packed ``sketch`` and
its ``anchors`` as keyword terms; at index time the articles sharing an anchor
are the candidates handed to ``Groups.add``, which keeps the verified links.
See ``benchmarks/duplicates_eval.py`` for the measurements behind the
parameters below.
"""

from __future__ import annotations

import json
import math
import re
import sys
import unicodedata
from array import array
from collections.abc import Iterable
from hashlib import blake2b

__all__ = [
    "ANCHORS",
    "ANCHOR_MAX_DF",
    "MIN_WORDS",
    "SHINGLE",
    "SKETCH_SIZE",
    "THRESHOLD",
    "Groups",
    "anchors",
    "pack",
    "similarity",
    "sketch",
    "unpack",
    "words",
]

# 64 values estimate Jaccard with a standard error of ~0.06 near the
# threshold, in 512 bytes per article.
SKETCH_SIZE = 64
# Near-duplicates (Jaccard J >= THRESHOLD) fail to share any of their ANCHORS
# smallest values with probability about (1 - J) ** ANCHORS (~7e-5 at 0.7);
# on Reuters every pair at or above the threshold shares at least two.
ANCHORS = 8
# Candidate lookup may skip an anchor held by more articles than this: such
# anchors are boilerplate shingles with a small hash ("the securities and
# exchange commission" is an anchor of 551 Reuters stories) that multiply the
# candidates (3.5x on Reuters) without finding a single further duplicate.
ANCHOR_MAX_DF = 100
SHINGLE = 5
# A copy re-published with a rewritten lead paragraph and a dateline scores a
# median 0.81 (DVIDS stories, ~400 words): 0.8 would miss half of them, 0.7
# misses a fifth.  Reuters pairs between 0.7 and 0.8 are still mostly the same
# story re-issued (see benchmarks/duplicates_eval.py).
THRESHOLD = 0.7
# Below this the shingle set is too small for resemblance to mean "same story"
# (wire one-liners and tables); such texts get no sketch.
MIN_WORDS = 25

_ASCII_SEPARATORS = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
_WORD_RE = re.compile(r"[^\W_]+")
_BIG_ENDIAN = sys.byteorder == "big"
if array("Q").itemsize != 8:  # pragma: no cover - every CPython platform we run on
    raise ImportError("searchkit.duplicates needs 8-byte array('Q') items")


def _seeded(label: bytes) -> int:
    return int.from_bytes(blake2b(label, digest_size=8, person=b"searchkit-dup").digest(), "little")


# A shingle hashes to sum(_COEF[j] * h(word j)) mod 2**64 over blake2b word
# hashes: a multilinear hash, universal over random word hashes, and position
# dependent, so reordered words give other shingles.  It is computed for all
# shingles at once by one big-int multiplication (see ``sketch``); blake2b per
# shingle string costs ~1.2 ms for a 2.5 KB article here, this ~0.3 ms.
# Coefficients are odd and < 2**61, so the five 125-bit products of a shingle
# sum below 2**128 and never carry out of their 128-bit slot.
_COEF = tuple((_seeded(b"coef%d" % j) >> 3) | 1 for j in range(SHINGLE))
_KERNEL = sum(c << (128 * (SHINGLE - 1 - j)) for j, c in enumerate(_COEF))

# Word hashes, memoised because news vocabulary is small (Reuters-21578: 42k
# distinct words) while blake2b per word token would dominate the sketch time.
# Bounded so a long-running indexer cannot grow it without limit; a cleared
# cache only costs time, never changes a hash.
_WORD_CACHE: dict[str, int] = {}
_WORD_CACHE_LIMIT = 1 << 17


def _word_hash(word: str) -> int:
    h = int.from_bytes(blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")
    if len(_WORD_CACHE) >= _WORD_CACHE_LIMIT:
        _WORD_CACHE.clear()
    _WORD_CACHE[word] = h
    return h


def words(text: str) -> list[str]:
    """The normalized words of ``text``: casefolded letter/digit runs."""
    if text.isascii():
        # str.translate has a fast path for ASCII-to-ASCII tables; same
        # result as the regex below on ASCII text, at half the cost.
        return text.lower().translate(_ASCII_SEPARATORS).split()
    # NFKC first, so composed/decomposed accents and ligatures in different
    # copies of one story give the same words.
    return _WORD_RE.findall(unicodedata.normalize("NFKC", text).casefold())


def sketch(text: str) -> tuple[int, ...]:
    """The SKETCH_SIZE smallest distinct 64-bit hashes of the text's word shingles, ascending.

    ``()`` for a text of fewer than MIN_WORDS words: it is never a duplicate.
    """
    ws = words(text)
    n = len(ws)
    if n < MIN_WORDS:
        return ()
    cached = list(map(_WORD_CACHE.get, ws))
    hashes: list[int] = (
        [_word_hash(w) if h is None else h for h, w in zip(cached, ws, strict=True)]
        if None in cached
        else cached  # type: ignore[assignment]  # no None left in it
    )
    # Word i goes into 128-bit slot i of one big integer; times _KERNEL, slot
    # i + SHINGLE - 1 then holds the full 128-bit sum for the shingle starting
    # at word i, whose low 64 bits are its hash.
    slots = array("Q", bytes(16 * n))
    slots[0::2] = array("Q", hashes)
    if _BIG_ENDIAN:  # pragma: no cover
        slots.byteswap()
    product = int.from_bytes(slots.tobytes(), "little") * _KERNEL
    out = array("Q", product.to_bytes(16 * (n + SHINGLE - 1), "little"))
    if _BIG_ENDIAN:  # pragma: no cover
        out.byteswap()
    return tuple(sorted(set(out[2 * (SHINGLE - 1) : 2 * n : 2]))[:SKETCH_SIZE])


def anchors(sk: tuple[int, ...]) -> list[str]:
    """The ANCHORS smallest sketch values as 16-digit hex terms, for candidate lookup."""
    return [f"{v:016x}" for v in sk[:ANCHORS]]


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """Estimated Jaccard similarity of two sketches' shingle sets; 0.0 if either is empty.

    The SKETCH_SIZE smallest values of the union of the sketches are the
    smallest of the union of the shingle sets, and each is in both sets iff it
    is in both sketches, so the shared fraction of them estimates Jaccard
    (exactly, for texts with fewer than SKETCH_SIZE shingles).
    """
    if not a or not b:
        return 0.0
    both = set(a).intersection(b)
    if not both:
        return 0.0
    # Candidates mostly share one anchor and nothing else, so this runs
    # ~200k times per Reuters index: merging the two sorted runs is cheaper
    # than sorting their set union.
    merged = sorted(a + b)
    distinct = len(merged) - len(both)
    if distinct <= SKETCH_SIZE:
        return len(both) / distinct
    # Each shared value below the cutoff occurs twice in ``merged`` and so
    # moves the SKETCH_SIZE-th distinct value one place right.
    shared = 0
    for v in sorted(both):
        if v > merged[SKETCH_SIZE - 1 + shared]:
            break
        shared += 1
    return shared / SKETCH_SIZE


def pack(sk: tuple[int, ...]) -> bytes:
    """8 bytes per value, little-endian on every platform."""
    arr = array("Q", sk)
    if _BIG_ENDIAN:  # pragma: no cover
        arr.byteswap()
    return arr.tobytes()


def unpack(b: bytes) -> tuple[int, ...]:
    arr = array("Q")
    arr.frombytes(b)
    if _BIG_ENDIAN:  # pragma: no cover
        arr.byteswap()
    return tuple(arr)


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

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

import re
import sys
import unicodedata
from array import array
from hashlib import blake2b

# Kept importable from here; it lives in neardup.groups, which a search
# imports without this module's hashing (see there).
from .groups import Groups

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
    raise ImportError("searchkit.neardup.sketches needs 8-byte array('Q') items")


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

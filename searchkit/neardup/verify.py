"""Sketch similarity of many pairs at once, for a run's batch of candidates.

A batch's articles are linked to every candidate that shares a rare anchor
with them (:class:`searchkit.neardup.links.RunAnchors`). The candidates per
article grow with the index (more stories share an anchor when there are
more stories: 12 an article at 60k articles of run.py's 200k corpus), and
:func:`sketches.similarity` on each pair, with the unpacking of each
candidate's sketch into a tuple of Python ints, was the one cost of an
index run that grew with the index (a commit's linking took 1.4 s at 10k
articles and 7 s at 60k, more than its segment).

Here the pairs' similarities come from numpy, a chunk of pairs at a time:
each pair's two packed sketches as one row, sorted; a value in both
sketches is an adjacent equal pair in the row. The figures are exactly
:func:`sketches.similarity`'s (tests compare them pair by pair); the linker
still hands the pairs that pass to ``Groups.add``, which decides on its own
similarity, so a pair this module keeps by mistake costs a call, never a
link.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import sketches as duplicates

# Pairs per numpy step: a row is 2 x SKETCH_SIZE values (1 KB), so a chunk
# holds ~16 MB of sorted rows plus a few boolean copies.
CHUNK_PAIRS = 16_384

_K = duplicates.SKETCH_SIZE
# Pads a short sketch's row; a sketch that itself holds this value (one in
# 2**64 a value) goes through sketches.similarity instead.
_PAD = np.uint64(np.iinfo(np.uint64).max)


def _matrix(packed: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Packed sketches (duplicates.pack) as rows of SKETCH_SIZE values padded
    with _PAD, and each one's length."""
    lens = np.fromiter(map(len, packed), dtype=np.int64, count=len(packed)) // 8
    if int(lens.max(initial=0)) > _K:
        raise ValueError("verify: a sketch longer than SKETCH_SIZE")
    out = np.full((len(packed), _K), _PAD, dtype=np.uint64)
    if len(packed) and int(lens.sum()):
        flat = np.frombuffer(b"".join(packed), dtype="<u8").astype(np.uint64)
        rows = np.repeat(np.arange(len(packed)), lens)
        cols = np.arange(len(flat), dtype=np.int64) - np.repeat(np.cumsum(lens) - lens, lens)
        out[rows, cols] = flat
    return out, lens


def similarities(first: Sequence[bytes], second: Sequence[bytes], i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``similarity(unpack(first[i[k]]), unpack(second[j[k]]))`` for each k
    (float64): a sketch's row is built once however many pairs name it."""
    i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
    if i.shape != j.shape:
        raise ValueError("similarities: as many first indexes as second ones")
    out = np.zeros(len(i), dtype=np.float64)
    if not len(i):
        return out
    try:
        a, la = _matrix(first)
        used, where = np.unique(j, return_inverse=True)  # only the sketches a pair names
        b, lb = _matrix([second[s] for s in used.tolist()])
    except ValueError:  # not this version's sketches: pair by pair
        return np.asarray([_one(first[x], second[y]) for x, y in zip(i.tolist(), j.tolist(), strict=True)])
    for lo in range(0, len(i), CHUNK_PAIRS):
        hi = min(lo + CHUNK_PAIRS, len(i))
        ii, jj = i[lo:hi], where[lo:hi]
        out[lo:hi] = _chunk(a[ii], la[ii], b[jj], lb[jj])
    # A sketch holding the pad value itself (one value in 2**64): pair by pair.
    odd_a = (la > 0) & (a[np.arange(len(a)), np.maximum(la - 1, 0)] == _PAD)
    odd_b = (lb > 0) & (b[np.arange(len(b)), np.maximum(lb - 1, 0)] == _PAD)
    for k in np.flatnonzero(odd_a[i] | odd_b[where]).tolist():
        out[k] = _one(first[int(i[k])], second[int(j[k])])
    return out


def _chunk(a: np.ndarray, la: np.ndarray, b: np.ndarray, lb: np.ndarray) -> np.ndarray:
    rows = np.sort(np.concatenate([a, b], axis=1), axis=1)
    valid = rows != _PAD
    # Each sketch's values are distinct, so a value both hold is exactly
    # one adjacent equal pair in the sorted row: its second copy.
    second_copy = np.zeros_like(valid)
    second_copy[:, 1:] = (rows[:, 1:] == rows[:, :-1]) & valid[:, 1:]
    both = second_copy.sum(axis=1)
    distinct = la + lb - both
    # similarity()'s large case: the shared values among the SKETCH_SIZE
    # smallest distinct values of the union. A second copy's distinct rank
    # is the count of first copies up to it.
    rank = np.cumsum(valid & ~second_copy, axis=1)
    shared = (second_copy & (rank <= _K)).sum(axis=1)
    sim = np.where(distinct <= _K, both / np.maximum(distinct, 1), shared / _K)
    sim[(both == 0) | (la == 0) | (lb == 0)] = 0.0
    return sim


def _one(x: bytes, y: bytes) -> float:
    return duplicates.similarity(duplicates.unpack(x), duplicates.unpack(y))

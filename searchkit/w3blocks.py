"""Whole-block reads of Whoosh's own (W3) postings, for segments the
searchkit codec did not write.

``postings.term_postings`` reads such segments one posting at a time
through Whoosh's matcher (a method call per posting, about 1 µs each); a
W3 posting list is a chain of blocks of up to 128 postings, each a pickled
tuple of (id deltas, weights, values), so one block at a time costs one
unpickle and a numpy cumulative sum. Same answers as the matcher path (a
test compares them); any postings that are not a plain W3 block chain
(another codec) return None and the caller uses ``postings``' contract
functions.

Owned by the query engine; engine-index's codec supersedes it for the
segments it writes (its fast path is tried first, in ``engine.Arrays``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher, W3TermsReader
from whoosh.reading import TermNotFound

_NOTHING: tuple[np.ndarray, np.ndarray, None] = (np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32), None)


def _blocks(m: W3LeafMatcher) -> Iterator[tuple[np.ndarray, Any, Any]]:
    """(ids, raw weights, raw values) of each block, in order."""
    while not m._atend:
        m._read_data()
        data = m._data
        ids = np.asarray(data[0], dtype=np.int64)
        if not m._byteids:  # stored as deltas from the previous id
            ids = np.cumsum(ids)
        yield ids, data[1], data[2]
        if m._lastblock:
            break
        m._goto(m._nextoffset)


def _weights(raw: Any, n: int) -> np.ndarray:
    if raw is None:
        return np.ones(n, dtype=np.float32)
    if isinstance(raw, float):
        return np.full(n, raw, dtype=np.float32)
    return np.asarray(raw, dtype=np.float32)


def read_term(leaf: Any, fieldname: str, btext: Any) -> tuple[np.ndarray, np.ndarray, list[bytes] | None] | None:
    """A term's postings in one segment: ids (int32, ascending, deleted
    included), weights (float32) and, for a field with positions, each
    posting's raw value (decode with the field format's
    ``decode_positions``); None when this reader does not apply.

    The values come with the same unpickling as the ids, so a phrase's
    positions later cost no second read of the postings.
    """
    if getattr(leaf, "searchkit_term_postings", None) is not None:
        return None  # the searchkit codec: its own fast path applies
    terms = getattr(leaf, "_terms", None)
    if not isinstance(terms, W3TermsReader) or fieldname not in leaf.schema:
        return None
    fmt = leaf.schema[fieldname].format
    try:
        info = terms.term_info(fieldname, leaf._text_to_bytes(fieldname, btext))
    except TermNotFound:
        return _NOTHING
    variable = fmt.fixed_value_size() is None or fmt.fixed_value_size() < 0
    if info.is_inlined():  # a rare term, its postings kept in the dictionary
        ids, weights, raw = info.inlined_postings()
        n = len(ids)
        return (
            np.asarray(ids, dtype=np.int32),
            _weights(weights, n),
            list(raw) if variable and raw is not None else None,
        )
    # The segment's raw postings, deleted documents included (the reader's
    # postings() would wrap them in a filter stepping one posting at a time).
    offset, length = info.extent()
    m = W3LeafMatcher(terms._postfile, offset, length, fmt)
    ids_parts = []
    weight_parts = []
    values: list[bytes] | None = [] if variable else None
    for ids, weights, raw in _blocks(m):
        ids_parts.append(ids)
        weight_parts.append(_weights(weights, len(ids)))
        if values is not None:
            values.extend(raw)
    if not ids_parts:
        return _NOTHING
    return np.concatenate(ids_parts).astype(np.int32), np.concatenate(weight_parts), values

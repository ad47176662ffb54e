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

import struct
from collections.abc import Iterator
from typing import Any

import numpy as np
from whoosh.codec import whoosh3
from whoosh.codec.whoosh3 import W3LeafMatcher, W3TermsReader
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from .perdoc import numeric_bytes

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


def _raw_numeric(col: Any, count: int) -> np.ndarray | None:
    """A NumericColumn's values in one read (Whoosh reads them one at a time)."""
    raw = numeric_bytes(col)
    if raw is None:
        return None
    values = np.frombuffer(raw, dtype=np.dtype(col._typecode).newbyteorder(">")).astype(np.int64)
    if col._count < count:  # Whoosh leaves trailing defaults unwritten
        values = np.concatenate([values, np.full(count - col._count, col._default, dtype=np.int64)])
    return values[:count]


def numeric_column(leaf: Any, fieldname: str) -> np.ndarray | None:
    """A numeric field's column values (as the reader translates them) for
    every document of the segment, or None when this reader does not apply.

    Checked against Whoosh's own reading of a sample of documents, so a
    translation this function does not know falls back instead of lying.
    """
    count = leaf.doc_count_all()
    if not count or not leaf.has_column(fieldname):
        return None
    values = _raw_numeric(leaf.column_reader(fieldname, translate=False), count)
    if values is None:
        return None
    field = leaf.schema[fieldname]
    if getattr(field, "signed", False) and getattr(field, "bits", 0) == 64:
        # Stored shifted so that sorting bytes sorts numbers (whoosh.util.numeric.to_sortable).
        values = (values.view(np.uint64) ^ np.uint64(1 << 63)).view(np.int64)
    elif getattr(field, "signed", False):
        values = values - (1 << (field.bits - 1))
    translated = leaf.column_reader(fieldname)
    sample = sorted({0, count - 1, count // 2, count // 3, *range(0, count, max(1, count // 13))})
    if any(values[i] != translated[i] for i in sample):
        return None
    return values


def field_lengths(leaf: Any, fieldname: str) -> np.ndarray | None:
    """Each document's byte-coded field length, decoded as Whoosh scores it."""
    perdoc = getattr(leaf, "_perdoc", None)
    if not isinstance(perdoc, whoosh3.W3PerDocReader):
        return None
    count = leaf.doc_count_all()
    col = perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
    if col is None:
        return np.zeros(count, dtype=np.float64)
    coded = _raw_numeric(col, count)
    return None if coded is None else _LENGTH_TABLE[coded]


_LENGTH_TABLE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


_LENGTHS = struct.Struct("!ii")  # a hash-file record's key and value lengths


def lexicon(leaf: Any, fieldname: str) -> list[bytes] | None:
    """Every indexed term of the field in the segment, in order, from one
    read of the term dictionary (Whoosh seeks twice per term); None when
    this reader does not apply."""
    found = dictionary(leaf, fieldname, frequencies=False)
    return None if found is None else found[0]


# Where a W3 term info (W3TermInfo._struct, "!BfIBBfII") keeps the document frequency.
_DF = struct.Struct("!I")
_DF_AT = 5


def dictionary(leaf: Any, fieldname: str, frequencies: bool = True) -> tuple[list[bytes], list[int]] | None:
    """The field's terms in order (as ``lexicon``) and, with
    ``frequencies``, each term's document frequency as its term info records
    it (Whoosh's ``doc_frequency``, deleted documents included), from the
    same one read."""
    terms = getattr(leaf, "_terms", None)
    bulk = getattr(terms, "dictionary", None)
    if bulk is not None:  # the searchkit codec's term file
        keys, dfs = bulk(fieldname)
        return keys, (dfs if frequencies else [])
    if not isinstance(terms, W3TermsReader):
        return None
    fnum = terms._fieldmap.get(fieldname)
    if fnum is None:
        return [], []
    prefix = struct.pack("!H", fnum)
    tindex = terms._tindex
    pos = tindex.closest_key_pos(prefix)
    if pos is None:
        return [], []
    data = tindex.dbfile.get(pos, tindex.endofdata - pos)
    found = []
    freqs = []
    at = 0
    end = len(data)
    unpack = _LENGTHS.unpack_from
    df = _DF.unpack_from
    while at < end:
        keylen, datalen = unpack(data, at)
        key = data[at + 8 : at + 8 + keylen]
        if key[:2] != prefix:
            break
        found.append(key[2:])
        if frequencies:
            freqs.append(df(data, at + 8 + keylen + _DF_AT)[0])
        at += 8 + keylen + datalen
    return found, freqs

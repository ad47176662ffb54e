"""Merging segments by arrays, for the bulk writer.

When Whoosh's merge policy folds older segments into a commit, it calls the
writer's ``add_reader``, which copies each document's stored fields and
columns and then feeds every posting of the old segments, one Python tuple
each, through the writer's external sort (``MAIN.tmp/*.run`` files). At
19k articles that was tolerable; at 200k a merge of ~90k articles held
4 GB and ran for tens of minutes.

Here a merged segment's postings never become tuples: each field's posting
bytes (written by :mod:`searchkit.codec`, one term after another) are read
in ranges of whole terms and decoded by numpy in one pass per range
(:func:`decode_terms`, the inverse of ``codec.encode_field``: a Python step
per block header, none per posting), renumbered, merged with the commit's
own postings and encoded again. A field is written in chunks of terms, so
memory is bounded by a chunk, not by the merged segments.

Segments this module cannot read (another codec, a value format it does not
decode) go through Whoosh's own path, unchanged.
"""

from __future__ import annotations

import bisect
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.reading import SegmentReader

from . import w3blocks
from .codec import (
    _HEAD,
    _HEAD_FIELDS,
    _TERMINFO,
    _W_FLOAT,
    _W_ONES,
    MAGIC,
    V_CHARS,
    V_FREQ,
    V_NONE,
    V_POSITIONS,
    FieldPostings,
    SearchkitTermsReader,
    _segment_cumsum,
    value_kind,
)

# Posting bytes decoded at once while merging. An occurrence takes 1-3
# bytes encoded and a few dozen as the int64 arrays of a decode, a merge
# and an encode, so 4 MB of postings stay near 150 MB in memory.
CHUNK_BYTES = 4 << 20

_SIZE = struct.Struct("<i")
_LENGTHS = struct.Struct("!ii")  # a hash-file record's key and value lengths
_DECODED = (V_NONE, V_FREQ, V_POSITIONS, V_CHARS)


@dataclass
class Extents:
    """A field's terms in one segment, in order, with where each term's
    posting bytes are in the segment's postings file."""

    terms: list[bytes]
    offsets: np.ndarray
    lengths: np.ndarray


def field_extents(leaf: Any, fieldname: str) -> Extents | None:
    """The field's :class:`Extents` from one read of the term dictionary;
    None when the segment was not written by searchkit's codec."""
    reader = getattr(leaf, "_terms", None)
    if not isinstance(reader, SearchkitTermsReader):
        return None
    fnum = reader._fieldmap.get(fieldname)
    empty = Extents([], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    if fnum is None:
        return empty
    prefix = struct.pack("!H", fnum)
    tindex = reader._tindex
    pos = tindex.closest_key_pos(prefix)
    if pos is None:
        return empty
    data = tindex.dbfile.get(pos, tindex.endofdata - pos)
    terms: list[bytes] = []
    where: list[tuple[int, int]] = []
    at, end = 0, len(data)
    head, info = _LENGTHS.unpack_from, _TERMINFO.unpack_from
    while at < end:
        keylen, datalen = head(data, at)
        key = data[at + 8 : at + 8 + keylen]
        if key[:2] != prefix:
            break
        if datalen != _TERMINFO.size:
            return None  # an inlined W3 term info: not this codec's dictionary
        fields = info(data, at + 8 + keylen)
        terms.append(key[2:])
        where.append((fields[-2], fields[-1]))
        at += 8 + keylen + datalen
    arr = np.asarray(where, dtype=np.int64).reshape(-1, 2)
    return Extents(terms, arr[:, 0], arr[:, 1])


def _take(u8: np.ndarray, starts: np.ndarray, counts: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """``counts[i]`` little-endian unsigned integers of ``widths[i]`` bytes
    from ``starts[i]`` in ``u8``, for every i, concatenated in order."""
    counts = counts.astype(np.int64)
    total = int(counts.sum())
    out = np.zeros(total, dtype=np.int64)
    if not total:
        return out
    first = np.cumsum(counts) - counts  # where each run starts in ``out``
    for width in (1, 2, 4):
        sel = (widths == width) & (counts > 0)
        if not sel.any():
            continue
        c = counts[sel]
        n = int(c.sum())
        within = np.arange(n, dtype=np.int64) - np.repeat(np.cumsum(c) - c, c)
        src = np.repeat(starts[sel].astype(np.int64), c) + within * width
        value = u8[src].astype(np.int64)
        for k in range(1, width):
            value |= u8[src + k].astype(np.int64) << (8 * k)
        out[np.repeat(first[sel], c) + within] = value
    return out


def decode_terms(buf: bytes, kind: int) -> FieldPostings:
    """Postings of consecutive whole terms (``MAGIC`` and blocks each, as
    ``codec.encode_field`` writes them) as one :class:`FieldPostings`;
    ``lengths`` is left at 0 (the field lengths are per document, not in the
    postings)."""
    if kind not in _DECODED:
        raise ValueError(f"segmerge decodes no value kind {kind}")
    heads: list[int] = []
    block_term: list[int] = []
    size_at = _SIZE.unpack_from
    pos, term, end = 0, -1, len(buf)
    while pos < end:
        if buf[pos : pos + 4] != MAGIC:
            raise ValueError(f"searchkit posting block tag error at {pos}")
        pos += 4
        term += 1
        while True:
            (size,) = size_at(buf, pos)
            heads.append(pos)
            block_term.append(term)
            pos += 4 + abs(size)
            if size < 0:
                break
    u8 = np.frombuffer(buf, dtype=np.uint8)
    hs = _HEAD.size
    at = np.asarray(heads, dtype=np.int64)
    head = u8[(at[:, None] + np.arange(hs, dtype=np.int64)).ravel()].view(np.dtype(_HEAD_FIELDS))
    n = head["count"].astype(np.int64)
    iw = head["iw"].astype(np.int64)
    wc = head["wc"].astype(np.int64)
    data = at + hs
    # Ids: the block's first id, then deltas for the others.
    deltas = _take(u8, data, n - 1, iw)
    total = int(n.sum())
    bstart = np.cumsum(n) - n
    raw = np.ones(total, dtype=bool)
    raw[bstart] = False
    steps = np.zeros(total, dtype=np.int64)
    steps[bstart] = head["first"].astype(np.int64)
    steps[raw] = deltas
    ids = _segment_cumsum(steps, n)
    # Weights: none stored (all 1.0), float32, or integers of wc bytes.
    wbytes = np.where(wc == _W_FLOAT, 4, wc)
    wstart = data + iw * (n - 1)
    weights = np.ones(total, dtype=np.float32)
    stored = wc != _W_ONES
    if stored.any():
        values = _take(u8, wstart[stored], n[stored], wbytes[stored])
        posting = np.repeat(stored, n)
        isfloat = np.repeat(wc[stored] == _W_FLOAT, n[stored])
        got = values.astype(np.float32)
        got[isfloat] = values[isfloat].astype(np.uint32).view(np.float32)
        weights[posting] = got
    term_of = np.repeat(np.asarray(block_term, dtype=np.int64), n)
    term_starts = np.searchsorted(term_of, np.arange(term + 2, dtype=np.int64), side="left")
    fp = FieldPostings(term_starts, ids, weights, np.zeros(total, dtype=np.int64))
    if kind == V_NONE:
        return fp
    vstart = wstart + wbytes * n
    cw = u8[vstart].astype(np.int64)
    if kind == V_FREQ:
        fp.counts = _take(u8, vstart + 1, n, cw)
        return fp
    pw = u8[vstart + 1].astype(np.int64)
    one = np.ones(len(at), dtype=np.int64)
    vhead = 6 if kind == V_POSITIONS else 8
    occ = _take(u8, vstart + vhead - 4, one, np.full(len(at), 4))
    counts = _take(u8, vstart + vhead, n, cw)
    pstart = vstart + vhead + cw * n
    fp.counts = counts
    fp.positions = _segment_cumsum(_take(u8, pstart, occ, pw), counts)
    if kind == V_CHARS:
        sw = u8[vstart + 2].astype(np.int64)
        lw = u8[vstart + 3].astype(np.int64)
        sstart = pstart + pw * occ
        sdelta = _take(u8, sstart, occ, sw)
        lens = _take(u8, sstart + sw * occ, occ, lw)
        # As BlockValues: the running sum of (delta + length) is each end.
        fp.ends = _segment_cumsum(sdelta + lens, counts)
        fp.starts = fp.ends - lens
    return fp


def _bytes_of(postfile: Any, ext: Extents, lo: int, hi: int) -> bytes:
    """The posting bytes of terms ``lo:hi``, in term order."""
    if lo >= hi:
        return b""
    offsets, lengths = ext.offsets[lo:hi], ext.lengths[lo:hi]
    if np.array_equal(offsets[1:], offsets[:-1] + lengths[:-1]):
        return bytes(postfile.get(int(offsets[0]), int(offsets[-1] + lengths[-1] - offsets[0])))
    spans = zip(offsets.tolist(), lengths.tolist(), strict=True)
    return b"".join(bytes(postfile.get(int(o), int(n))) for o, n in spans)


def _subset(fp: FieldPostings, keep: np.ndarray) -> FieldPostings:
    """``fp`` with only the postings where ``keep``; terms left empty stay (empty)."""
    term_of = np.repeat(np.arange(len(fp.term_starts) - 1), np.diff(fp.term_starts))
    starts = np.searchsorted(term_of[keep], np.arange(len(fp.term_starts)), side="left")
    out = FieldPostings(starts, fp.ids[keep], fp.weights[keep], fp.lengths[keep])
    if fp.counts is not None:
        out.counts = fp.counts[keep]
        occ = np.repeat(keep, fp.counts)
        for name in ("positions", "starts", "ends"):
            flat = getattr(fp, name)
            if flat is not None:
                setattr(out, name, flat[occ])
    return out


def _drop_empty(terms: list[bytes], fp: FieldPostings) -> tuple[list[bytes], FieldPostings]:
    sizes = np.diff(fp.term_starts)
    if sizes.all():
        return terms, fp
    live = np.flatnonzero(sizes)
    fp.term_starts = np.append(fp.term_starts[live], fp.term_starts[-1])
    return [terms[i] for i in live.tolist()], fp


class MergedSegment:
    """One segment Whoosh's merge policy folds into the commit: its
    documents now start at ``base`` (``docmap``: old to new docnum for a
    segment with deletions, as Whoosh's ``write_per_doc`` returns it)."""

    def __init__(self, storage: Any, schema: Any, segment: Any, base: int, docmap: dict[int, int] | None) -> None:
        self.reader = SegmentReader(storage, schema, segment)
        self.base = base
        count = self.reader.doc_count_all()
        if docmap is None:
            self.newid = np.arange(count, dtype=np.int64) + base
        else:
            self.newid = np.full(count, -1, dtype=np.int64)
            if docmap:
                self.newid[np.fromiter(docmap.keys(), dtype=np.int64)] = np.fromiter(docmap.values(), dtype=np.int64)
        self._extents: dict[str, Extents | None] = {}

    @classmethod
    def readable(cls, reader: Any) -> bool:
        """Whether this module can read the segment's postings (else Whoosh's pool does)."""
        if not isinstance(getattr(reader, "_terms", None), SearchkitTermsReader):
            return False
        schema = reader.schema
        return all(value_kind(schema[f].format) in _DECODED for f in reader.indexed_field_names() if f in schema)

    def extents(self, fieldname: str) -> Extents:
        if fieldname not in self._extents:
            self._extents[fieldname] = field_extents(self.reader, fieldname)
        found = self._extents[fieldname]
        assert found is not None, "checked by readable()"
        return found

    def postings(self, fieldname: str, lo: int, hi: int) -> tuple[list[bytes], FieldPostings]:
        """Terms ``lo:hi`` of the field, renumbered, deleted documents dropped."""
        ext = self.extents(fieldname)
        field = self.reader.schema[fieldname]
        fp = decode_terms(_bytes_of(self.reader._terms._postfile, ext, lo, hi), value_kind(field.format))
        if field.scorable:
            lengths = w3blocks.field_lengths(self.reader, fieldname)
            if lengths is not None:
                fp.lengths = lengths[fp.ids].astype(np.int64)
        fp.ids = self.newid[fp.ids]
        terms = ext.terms[lo:hi]
        if (fp.ids < 0).any():
            fp = _subset(fp, fp.ids >= 0)
            terms, fp = _drop_empty(terms, fp)
        return terms, fp

    def close(self) -> None:
        self.reader.close()


def chunks(
    own: list[bytes], own_sizes: np.ndarray, merged: list[MergedSegment], fieldname: str, limit: int = CHUNK_BYTES
) -> Iterator[tuple[bytes | None, bytes | None]]:
    """Term ranges ``[lo, hi)`` (None: open) of the field over the commit's
    own terms and the merged segments', each holding about ``limit`` posting
    bytes, so one range at a time is decoded, merged and written."""
    if int(own_sizes.sum()) + sum(int(seg.extents(fieldname).lengths.sum()) for seg in merged) <= limit:
        yield None, None
        return
    sizes: dict[bytes, int] = dict(zip(own, own_sizes.tolist(), strict=True))
    for seg in merged:
        ext = seg.extents(fieldname)
        for t, n in zip(ext.terms, ext.lengths.tolist(), strict=True):
            sizes[t] = sizes.get(t, 0) + n
    lo: bytes | None = None
    acc = 0
    for t in sorted(sizes):
        if acc >= limit:
            yield lo, t
            lo, acc = t, 0
        acc += sizes[t]
    yield lo, None


def term_range(terms: list[bytes], lo: bytes | None, hi: bytes | None) -> tuple[int, int]:
    """Indexes ``[a, b)`` of the sorted ``terms`` within ``[lo, hi)``."""
    a = 0 if lo is None else bisect.bisect_left(terms, lo)
    b = len(terms) if hi is None else bisect.bisect_left(terms, hi)
    return a, b


def slice_terms(terms: list[bytes], fp: FieldPostings, a: int, b: int) -> tuple[list[bytes], FieldPostings]:
    """Terms ``a:b`` of ``(terms, fp)`` as their own :class:`FieldPostings`."""
    lo, hi = int(fp.term_starts[a]), int(fp.term_starts[b])
    out = FieldPostings(fp.term_starts[a : b + 1] - lo, fp.ids[lo:hi], fp.weights[lo:hi], fp.lengths[lo:hi])
    if fp.counts is not None:
        out.counts = fp.counts[lo:hi]
        occ = np.concatenate(([0], np.cumsum(fp.counts)))
        olo, ohi = int(occ[lo]), int(occ[hi])
        for name in ("positions", "starts", "ends"):
            flat = getattr(fp, name)
            if flat is not None:
                setattr(out, name, flat[olo:ohi])
    if fp.raw is not None:
        out.raw = fp.raw[lo:hi]
    return terms[a:b], out


Terms = tuple[list[bytes], FieldPostings]


def merge_postings(parts: list[Terms]) -> Terms:
    """One field's postings from several sources, by term, then by id.

    The sources' documents are distinct (each posting of a term belongs to
    one source), so a term's postings from every source, sorted by id, are
    its postings in the merged segment.
    """
    parts = [p for p in parts if len(p[1].ids)]
    if len(parts) == 1:
        return parts[0]
    if not parts:
        raise ValueError("merge_postings: no postings")
    terms = sorted(set().union(*(p[0] for p in parts)))
    where = {t: i for i, t in enumerate(terms)}
    rank = np.concatenate(
        [np.repeat(np.asarray([where[t] for t in ts], dtype=np.int64), np.diff(fp.term_starts)) for ts, fp in parts]
    )
    fps = [fp for _, fp in parts]

    def cat(name: str) -> Any:
        got = [getattr(fp, name) for fp in fps]
        return None if any(x is None for x in got) else np.concatenate(got)

    ids = cat("ids")
    order = np.lexsort((ids, rank))
    counts = cat("counts")
    new_rank = rank[order]
    new_term = np.ones(len(new_rank), dtype=bool)
    new_term[1:] = new_rank[1:] != new_rank[:-1]
    fp = FieldPostings(
        np.append(np.flatnonzero(new_term), len(new_rank)),
        ids[order],
        cat("weights")[order],
        cat("lengths")[order],
        counts=None if counts is None else counts[order],
    )
    if all(f.raw is not None for f in fps):
        raw = [v for f in fps for v in (f.raw or ())]
        fp.raw = [raw[i] for i in order.tolist()]
    if counts is not None:
        # Regroup the flat occurrence arrays in the postings' new order.
        fo = np.concatenate(([0], np.cumsum(counts)))
        c = counts[order]
        src = np.repeat(fo[:-1][order] - (np.cumsum(c) - c), c) + np.arange(int(c.sum()))
        for name in ("positions", "starts", "ends"):
            flat = cat(name)
            if flat is not None:
                setattr(fp, name, flat[src])
    present = np.unique(new_rank)
    return [terms[i] for i in present.tolist()], fp

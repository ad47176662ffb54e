"""Merging segments by arrays, for the bulk writer.

When Whoosh's merge policy folds older segments into a commit, it calls the
writer's ``add_reader``, which copies each document's stored fields and
columns and then feeds every posting of the old segments, one Python tuple
each, through the writer's external sort (``MAIN.tmp/*.run`` files). At
19k articles that was tolerable; at 200k a merge of ~90k articles held
4 GB and ran for tens of minutes.

Here a merged segment's postings never become tuples: each field's posting
bytes (written by :mod:`searchkit.codec`, one term after another) are read
in ranges of whole terms and decoded (:func:`decode_terms`, the inverse of
``codec.encode_field``: the codec's block reader, a Python step per block
and numpy within it, none per posting; a single posting the term file holds
comes from its statistics), renumbered, merged with the commit's own
postings and encoded again. A field is written in chunks of terms, so
memory is bounded by a chunk, not by the merged segments.

Segments this module cannot read (another codec, a value format it does not
decode) go through Whoosh's own path, unchanged.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh.reading import SegmentReader

from . import w3blocks
from .codec import (
    V_CHARS,
    V_FREQ,
    V_NONE,
    V_POSITIONS,
    FieldPostings,
    SearchkitTermsReader,
    _Block,
    value_kind,
)

# Posting bytes decoded at once while merging. An occurrence takes 1-3
# bytes encoded and a few dozen as the int64 arrays of a decode, a merge
# and an encode, so 4 MB of postings stay near 150 MB in memory.
CHUNK_BYTES = 4 << 20

_DECODED = (V_NONE, V_FREQ, V_POSITIONS, V_CHARS)


@dataclass
class Extents:
    """A field's terms in one segment, in order, with where each term's
    posting bytes are in the segment's postings file."""

    terms: list[bytes]
    offsets: np.ndarray  # -1: the term's one posting is held by the dictionary (codec.inline_mask)
    lengths: np.ndarray
    minid: np.ndarray | None = None  # the dictionary's first id and weight of each term
    weight: np.ndarray | None = None


def field_extents(leaf: Any, fieldname: str) -> Extents | None:
    """The field's :class:`Extents` from the term file (searchkit.termfile);
    None when the segment was not written by searchkit's codec."""
    reader = getattr(leaf, "_terms", None)
    if not isinstance(reader, SearchkitTermsReader):
        return None
    ft = reader._field(fieldname)
    if ft is None:
        return Extents([], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    lengths = np.diff(ft.offsets)
    offsets = np.where(lengths > 0, ft.offsets[:-1] + ft.base, -1)
    return Extents(
        list(ft.keys), offsets, lengths, ft.stat("minid").astype(np.int64), ft.stat("weight").astype(np.float32)
    )


class _InMemory:
    """Posting bytes as the codec's block reader reads a postings file."""

    def __init__(self, buf: bytes) -> None:
        self.buf = buf

    def get(self, position: int, length: int) -> bytes:
        return self.buf[position : position + length]


def decode_terms(buf: bytes, kind: int) -> FieldPostings:
    """Postings of consecutive whole terms (their blocks, as
    ``codec.encode_field`` writes them) as one :class:`FieldPostings`;
    ``lengths`` is left at 0 (the field lengths are per document, not in the
    postings). A Python step per block (the codec's block reader), numpy
    within it."""
    if kind not in _DECODED:
        raise ValueError(f"segmerge decodes no value kind {kind}")
    mem = _InMemory(buf)
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    values: dict[str, list[np.ndarray]] = {"counts": [], "positions": [], "starts": [], "ends": []}
    term_starts = [0]
    total = 0
    pos, end = 0, len(buf)
    while pos < end:
        while True:
            block = _Block(mem, pos)
            got_ids, got_weights, _ = block.ids_weights(mem)
            ids.append(got_ids)
            weights.append(got_weights)
            if kind != V_NONE:
                vals = block.values(mem, kind)
                for name, got in values.items():
                    found = getattr(vals, name)
                    if found is not None:
                        got.append(found)
            total += block.count
            pos = block.nextoffset
            if block.last:
                break
        term_starts.append(total)

    def cat(parts: list[np.ndarray], dtype: Any) -> np.ndarray:
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)

    fp = FieldPostings(
        np.asarray(term_starts, dtype=np.int64),
        cat(ids, np.int64),
        cat(weights, np.float32),
        np.zeros(total, dtype=np.int64),
    )
    if kind != V_NONE:
        fp.counts = cat(values["counts"], np.int64)
    if kind in (V_POSITIONS, V_CHARS):
        fp.positions = cat(values["positions"], np.int64)
    if kind == V_CHARS:
        fp.starts = cat(values["starts"], np.int64)
        fp.ends = cat(values["ends"], np.int64)
    return fp


def _bytes_of(postfile: Any, ext: Extents, lo: int, hi: int) -> bytes:
    """The posting bytes of terms ``lo:hi``, in term order."""
    if lo >= hi:
        return b""
    offsets, lengths = ext.offsets[lo:hi], ext.lengths[lo:hi]
    offsets, lengths = offsets[offsets >= 0], lengths[offsets >= 0]  # held by the dictionary: no bytes
    if not len(offsets):
        return b""
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


def _with_all_terms(terms: list[bytes], fp: FieldPostings, every: list[bytes]) -> FieldPostings:
    """``fp`` (postings of ``terms``) with a term start for each of ``every``
    (a superset, in order; terms absent from ``terms`` empty)."""
    counts = dict(zip(terms, np.diff(fp.term_starts).tolist(), strict=True))
    sizes = np.asarray([counts.get(t, 0) for t in every], dtype=np.int64)
    fp.term_starts = np.concatenate(([0], np.cumsum(sizes)))
    return fp


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
        self._lengths: dict[str, np.ndarray | None] = {}

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
        kind = value_kind(field.format)
        fp = decode_terms(_bytes_of(self.reader._terms._postfile, ext, lo, hi), kind)
        inlined = ext.offsets[lo:hi] < 0
        if inlined.any():
            # Terms whose one posting the dictionary holds (id, weight; a
            # frequency's count is its weight), merged back in term order.
            assert ext.minid is not None and ext.weight is not None
            at = lo + np.flatnonzero(inlined)
            one = FieldPostings(
                np.arange(len(at) + 1, dtype=np.int64),
                ext.minid[at],
                ext.weight[at],
                np.zeros(len(at), dtype=np.int64),
                counts=ext.weight[at].astype(np.int64) if kind == V_FREQ else None,
            )
            written = [ext.terms[i] for i in (lo + np.flatnonzero(~inlined)).tolist()]
            inline_terms = [ext.terms[i] for i in at.tolist()]
            merged_terms, fp = merge_postings([(written, fp), (inline_terms, one)])
            fp = _with_all_terms(merged_terms, fp, ext.terms[lo:hi])
        if field.scorable:
            # Read once per field: a large field is merged in many ranges.
            if fieldname not in self._lengths:
                self._lengths[fieldname] = w3blocks.field_lengths(self.reader, fieldname)
            lengths = self._lengths[fieldname]
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

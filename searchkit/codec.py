"""searchkit's posting codec: Whoosh's W3 codec with typed-array posting blocks.

Everything but the postings file stays Whoosh's W3 format (term dictionary,
columns, stored fields, segments, TOC), so ``whoosh.index.open_dir`` opens
an index written with this codec like any other: the codec is pickled into
the TOC with each segment, and Whoosh asks it for a matcher per term.

What changes is how one term's postings are laid out. W3 pickles each block
of 128 postings as tuples and zlib-compresses it, so reading a posting list
is a zlib call plus unpickling Python tuples, and writing one is a Python
step per posting. Here a block holds up to :data:`BLOCK_POSTINGS` postings as
contiguous little-endian integer arrays, each in the narrowest of
``uint8``/``uint16``/``uint32`` that holds it:

``header | id deltas | weights | values``

The header carries what Whoosh's block-quality skipping needs (count, last
id, maximum weight, minimum and maximum field-length bytes). Ids and weights
come first and the values (positions, character offsets, frequencies) last,
so scoring reads ``header + ids + weights`` and never touches the values;
they are decoded only when a phrase query or a snippet asks for them. A
reader decodes a block with ``numpy.frombuffer`` and one ``cumsum``, not a
Python step per posting (see :func:`read_postings` and searchkit.postings).

The matcher returns Whoosh's own value encoding from ``value()``, so Whoosh's
phrase queries, highlighter and segment merging work unchanged.
"""

from __future__ import annotations

import bisect
import functools
import io
import itertools
import mmap
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from whoosh import formats
from whoosh.codec import base, whoosh3
from whoosh.filedb import filetables
from whoosh.filedb.filetables import _lengths as _LENGTHS
from whoosh.filedb.filetables import _pointer as _POINTER
from whoosh.matching import ListMatcher, ReadTooFar
from whoosh.reading import TermNotFound
from whoosh.system import pack_uint, unpack_uint
from whoosh.util.numeric import _length_byte_cache, byte_to_length
from whoosh.util.numlists import GrowableArray

MAGIC = b"SKp1"
# Larger than W3's 128: a block is decoded with a handful of numpy calls
# whatever its size, so fewer blocks is less Python per posting; still small
# enough that block-quality skipping can pass over most of a long list.
BLOCK_POSTINGS = 1024

# Block header: byte length of the rest of the block (negative on the last
# block of a term), posting count, first id, last id, maximum weight, minimum
# and maximum field-length bytes, id-delta width, weight code.
_HEAD = struct.Struct("<iIIIfBBBB")

# Weight codes: all 1.0 (nothing stored), integers of that many bytes, float32.
_W_ONES = 0
_W_FLOAT = 8

# What a block's value section holds, from the field's Whoosh format.
V_NONE = 0  # Existence: no values
V_FREQ = 1  # Frequency: the term frequency
V_POSITIONS = 2  # Positions: word positions
V_CHARS = 3  # Characters: positions and (start, end) character offsets
V_RAW = 4  # any other format: Whoosh's value bytes, with offsets


class _NumpyOnFirstUse:
    """Stands in for the module-level ``np`` until it is first used.

    Whoosh imports this module whenever it unpickles a segment's codec from
    the TOC, which every command does on opening the index, including an
    index run that finds no change and never touches a posting. numpy's
    import is ~0.15-0.3 s of such a run, so it is paid on the first encode or
    decode instead; the first attribute access rebinds the global ``np`` to
    the real module, so later lookups cost what a plain import would.
    """

    def __getattr__(self, name: str) -> Any:
        import numpy

        globals()["np"] = numpy
        return getattr(numpy, name)


if TYPE_CHECKING:
    import numpy as np
else:
    np = _NumpyOnFirstUse()


@functools.cache
def _length_table() -> np.ndarray:
    """Whoosh's length-byte table as an array (a function: built on first use, see np)."""
    return np.asarray(_length_byte_cache, dtype=np.int64)


def value_kind(fmt: formats.Format) -> int:
    kind = type(fmt)
    if kind is formats.Characters:
        return V_CHARS
    if kind is formats.Positions:
        return V_POSITIONS
    if kind is formats.Frequency:
        return V_FREQ
    if kind is formats.Existence:
        return V_NONE
    return V_RAW


def length_bytes(lengths: np.ndarray) -> np.ndarray:
    """Whoosh's ``length_to_byte`` over an array (field lengths to 0..255)."""
    out = np.searchsorted(_length_table(), lengths, side="left")
    return np.minimum(out, 255).astype(np.uint8)


def quantized_lengths(lengths: np.ndarray) -> np.ndarray:
    """The field length Whoosh reads back from its one-byte length column."""
    return _length_table()[length_bytes(lengths)]


# numpy dtype names rather than dtype objects: building those would import numpy (see np).
_DTYPES: dict[int, str] = {1: "<u1", 2: "<u2", 4: "<u4"}


def _unnarrow(buf: Any, offset: int, width: int, count: int) -> tuple[np.ndarray, int]:
    arr = np.frombuffer(buf, dtype=_DTYPES[width], count=count, offset=offset)
    return arr, offset + width * count


class FieldPostings:
    """Postings of many terms of one field, concatenated term by term.

    Term ``t`` owns postings ``term_starts[t]:term_starts[t + 1]`` (ids
    ascending). ``counts`` is the occurrences per posting (the frequency, or
    how many positions it has), and ``positions``/``starts``/``ends`` hold
    every occurrence, grouped by posting. ``raw`` holds Whoosh's value bytes
    for a format this codec does not decode.
    """

    __slots__ = ("counts", "ends", "ids", "lengths", "positions", "raw", "starts", "term_starts", "weights")

    def __init__(
        self,
        term_starts: np.ndarray,
        ids: np.ndarray,
        weights: np.ndarray,
        lengths: np.ndarray,
        counts: np.ndarray | None = None,
        positions: np.ndarray | None = None,
        starts: np.ndarray | None = None,
        ends: np.ndarray | None = None,
        raw: Sequence[bytes] | None = None,
    ) -> None:
        self.term_starts = np.asarray(term_starts, dtype=np.int64)
        self.ids = np.asarray(ids, dtype=np.int64)
        self.weights = np.asarray(weights, dtype=np.float32)
        self.lengths = np.asarray(lengths, dtype=np.int64)  # as Whoosh's length column gives them back
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)
        self.positions = None if positions is None else np.asarray(positions, dtype=np.int64)
        self.starts = None if starts is None else np.asarray(starts, dtype=np.int64)
        self.ends = None if ends is None else np.asarray(ends, dtype=np.int64)
        self.raw = raw


def _widths(maxima: np.ndarray) -> np.ndarray:
    return np.where(maxima < 0x100, 1, np.where(maxima < 0x10000, 2, 4))


class _Narrowed:
    """An integer array in each width some block needs, converted once."""

    def __init__(self, values: np.ndarray, widths: np.ndarray) -> None:
        if len(values) and int(values.min()) < 0:
            raise ValueError("searchkit codec: a negative delta (postings out of order)")
        self.views = {int(w): values.astype(_DTYPES[int(w)]) for w in np.unique(widths)}

    def get(self, width: int, lo: int, hi: int) -> bytes:
        return self.views[width][lo:hi].tobytes()


def _block_max(values: np.ndarray, lo: np.ndarray) -> np.ndarray:
    if not len(values):
        return np.zeros(len(lo), dtype=np.int64)
    return np.maximum.reduceat(values, lo)


# Whoosh's W3TermInfo layout ("!BfIBBfII" + offset "!q" + length "!i"), and
# the key and value lengths before each record of its hash file.
_TERMINFO = struct.Struct("!BfIBBfIIqi")
_HASH_LENGTHS = struct.Struct("!ii")


def encode_terms(fp: FieldPostings, kind: int, blocklimit: int = BLOCK_POSTINGS) -> list[tuple[bytes, tuple[Any, ...]]]:
    """Every term's posting bytes and its W3TermInfo fields (without the extent)."""
    if kind == V_RAW:
        return encode_terms_by_block(fp, kind, blocklimit)
    data, bounds, stats = encode_field(fp, kind, blocklimit)
    return [(data[bounds[t] : bounds[t + 1]], st) for t, st in enumerate(stats)]


@dataclass
class _Layout:
    """What both encoders derive from a field's postings before writing bytes:
    the blocks (each term's postings cut every ``blocklimit``), every delta,
    the narrowest width of each block's arrays and the blocks' statistics."""

    ts: np.ndarray
    tlen: np.ndarray
    nb: np.ndarray
    block_term: np.ndarray
    first_block: np.ndarray
    blo: np.ndarray
    bhi: np.ndarray
    iddelta: np.ndarray
    iw: np.ndarray
    w64: np.ndarray
    wmax: np.ndarray
    frac: np.ndarray
    wcode: np.ndarray
    lb: np.ndarray
    big: np.ndarray
    bminlb: np.ndarray
    bmaxlb: np.ndarray
    # Values (None where the kind has none): counts, positions, characters.
    counts: np.ndarray | None = None
    cw: np.ndarray | None = None
    pstart: np.ndarray | None = None
    flo: np.ndarray | None = None
    fhi: np.ndarray | None = None
    pd: np.ndarray | None = None
    pw: np.ndarray | None = None
    sd: np.ndarray | None = None
    ln: np.ndarray | None = None
    sw: np.ndarray | None = None
    lw: np.ndarray | None = None


def _layout(fp: FieldPostings, kind: int, blocklimit: int) -> _Layout | None:
    """The field's :class:`_Layout`; None for a field without terms. Raises
    ValueError for postings the format cannot hold (out of order, empty)."""
    ts = fp.term_starts
    n_terms = len(ts) - 1
    ids, weights, lengths = fp.ids, fp.weights, fp.lengths
    if n_terms <= 0:
        return None
    tlen = np.diff(ts)
    if int(tlen.min()) <= 0:
        raise ValueError("searchkit codec: a term without postings")
    nb = (tlen + blocklimit - 1) // blocklimit
    block_term = np.repeat(np.arange(n_terms), nb)
    first_block = np.cumsum(nb) - nb
    k = np.arange(len(block_term)) - np.repeat(first_block, nb)
    blo = ts[block_term] + k * blocklimit
    bhi = np.minimum(blo + blocklimit, ts[block_term + 1])

    iddelta = np.zeros(len(ids), dtype=np.int64)
    iddelta[1:] = ids[1:] - ids[:-1]
    iddelta[blo] = 0
    if int(iddelta.min()) < 0:
        raise ValueError("searchkit codec: a negative delta (postings out of order)")
    iw = _widths(_block_max(iddelta, blo))

    w64 = weights.astype(np.float64)
    wmax = np.maximum.reduceat(w64, blo)
    wmin = np.minimum.reduceat(w64, blo)
    frac = (w64 != np.round(w64)).astype(np.int8)
    has_frac = np.maximum.reduceat(frac, blo) > 0
    wcode = np.where(
        (wmin == 1.0) & (wmax == 1.0),
        _W_ONES,
        np.where(has_frac | (wmin < 0) | (wmax >= 0x10000), _W_FLOAT, _widths(wmax)),
    )

    lb = length_bytes(lengths)
    big = np.where(lengths > 0, lengths, np.iinfo(np.int64).max)
    bminlen = np.minimum.reduceat(big, blo)
    bminlb = np.where(bminlen == np.iinfo(np.int64).max, 0, length_bytes(np.minimum(bminlen, 1 << 40)))
    bmaxlb = np.maximum.reduceat(lb.astype(np.int64), blo)
    out = _Layout(
        ts, tlen, nb, block_term, first_block, blo, bhi, iddelta, iw, w64, wmax, frac, wcode, lb, big, bminlb, bmaxlb
    )

    if kind in (V_FREQ, V_POSITIONS, V_CHARS):
        assert fp.counts is not None
        counts = fp.counts
        if int(counts.min()) < 0:
            raise ValueError("searchkit codec: a negative delta (postings out of order)")
        out.counts, out.cw = counts, _widths(_block_max(counts, blo))
    if kind in (V_POSITIONS, V_CHARS):
        assert fp.positions is not None and out.counts is not None
        if int(out.counts.min()) <= 0:
            raise ValueError("searchkit codec: a posting without positions")
        fo = np.zeros(len(out.counts) + 1, dtype=np.int64)
        np.cumsum(out.counts, out=fo[1:])
        pstart = fo[:-1]
        pos = fp.positions
        pd = np.empty(len(pos), dtype=np.int64)
        if len(pos):
            pd[0] = pos[0]
            pd[1:] = pos[1:] - pos[:-1]
        pd[pstart] = pos[pstart]
        flo = fo[blo]
        out.pstart, out.flo, out.fhi, out.pd = pstart, flo, fo[bhi], pd
        out.pw = _widths(_block_max(pd, flo))
        checks = [pd]
        if kind == V_CHARS:
            assert fp.starts is not None and fp.ends is not None
            st, en = fp.starts, fp.ends
            sd = np.empty(len(st), dtype=np.int64)
            if len(st):
                sd[0] = st[0]
                sd[1:] = st[1:] - en[:-1]
            sd[pstart] = st[pstart]
            ln = en - st
            out.sd, out.ln = sd, ln
            out.sw, out.lw = _widths(_block_max(sd, flo)), _widths(_block_max(ln, flo))
            checks += [sd, ln]
        for arr in checks:
            if len(arr) and int(arr.min()) < 0:
                raise ValueError("searchkit codec: a negative delta (postings out of order)")
    return out


def _term_stats(fp: FieldPostings, lay: _Layout) -> list[tuple[Any, ...]]:
    """Each term's W3TermInfo fields, as W3TermInfo.add_block totals them."""
    ts, ids = lay.ts, fp.ids
    t0 = ts[:-1]
    tminlen = np.minimum.reduceat(lay.big, t0)
    return list(
        zip(
            np.add.reduceat(lay.w64, t0).tolist(),
            lay.tlen.tolist(),
            np.where(tminlen == np.iinfo(np.int64).max, 0, length_bytes(np.minimum(tminlen, 1 << 40))).tolist(),
            np.maximum.reduceat(lay.lb.astype(np.int64), t0).tolist(),
            np.maximum.reduceat(lay.w64, t0).tolist(),
            ids[t0].tolist(),
            ids[ts[1:] - 1].tolist(),
            strict=True,
        )
    )


def encode_terms_by_block(
    fp: FieldPostings, kind: int, blocklimit: int = BLOCK_POSTINGS
) -> list[tuple[bytes, tuple[Any, ...]]]:
    """:func:`encode_terms` one block at a time: the readable definition of
    the layout, which :func:`encode_field` must match byte for byte (a test
    checks it), and the encoder of Whoosh's raw value bytes (``V_RAW``).

    Deltas, widths and per-block statistics are numpy operations over all
    postings at once; what is left per block is slicing the prepared arrays
    and joining bytes.
    """
    ids, weights = fp.ids, fp.weights
    lay = _layout(fp, kind, blocklimit)
    if lay is None:
        return []
    n_terms = len(lay.tlen)
    blo, bhi, nb, iw, wcode, wmax = lay.blo, lay.bhi, lay.nb, lay.iw, lay.wcode, lay.wmax
    bminlb, bmaxlb, w64, frac = lay.bminlb, lay.bmaxlb, lay.w64, lay.frac
    cw, pw, sw, lw = lay.cw, lay.pw, lay.sw, lay.lw
    idn = _Narrowed(lay.iddelta, iw)
    wints = np.where((frac > 0) | (w64 < 0), 0, w64).astype(np.int64)  # those blocks store floats
    wn = _Narrowed(wints, wcode[(wcode != _W_ONES) & (wcode != _W_FLOAT)])
    wfloat = weights.astype("<f4")
    if cw is not None:
        assert lay.counts is not None
        cn = _Narrowed(lay.counts, cw)
    if pw is not None:
        assert lay.pd is not None and lay.flo is not None and lay.fhi is not None
        pdn = _Narrowed(lay.pd, pw)
        flo_l, fhi_l = lay.flo.tolist(), lay.fhi.tolist()
    if sw is not None and lw is not None:
        assert lay.sd is not None and lay.ln is not None
        sdn = _Narrowed(lay.sd, sw)
        lnn = _Narrowed(lay.ln, lw)
    term_stats = _term_stats(fp, lay)

    blo_l, bhi_l = blo.tolist(), bhi.tolist()
    iw_l, wcode_l = iw.tolist(), wcode.tolist()
    firstid_l = ids[blo].tolist()
    lastid_l = ids[bhi - 1].tolist()
    bmaxw_l = wmax.tolist()
    bminlb_l, bmaxlb_l = bminlb.tolist(), bmaxlb.tolist()
    cw_l = cw.tolist() if cw is not None else None
    pw_l = pw.tolist() if pw is not None else None
    sw_l = sw.tolist() if sw is not None else None
    lw_l = lw.tolist() if lw is not None else None
    nb_l = nb.tolist()
    raw = fp.raw
    pack_head = _HEAD.pack
    pack_total = struct.Struct("<I").pack

    out: list[tuple[bytes, tuple[Any, ...]]] = []
    b = 0
    for t in range(n_terms):
        parts = [MAGIC]
        nblocks = nb_l[t]
        for j in range(nblocks):
            lo, hi = blo_l[b], bhi_l[b]
            w = iw_l[b]
            body = [idn.get(w, lo + 1, hi)]
            wc = wcode_l[b]
            if wc == _W_FLOAT:
                body.append(wfloat[lo:hi].tobytes())
            elif wc != _W_ONES:
                body.append(wn.get(wc, lo, hi))
            if kind == V_FREQ:
                assert cw_l is not None
                body.append(bytes((cw_l[b],)))
                body.append(cn.get(cw_l[b], lo, hi))
            elif kind in (V_POSITIONS, V_CHARS):
                assert cw_l is not None and pw_l is not None
                fl, fh = flo_l[b], fhi_l[b]
                if kind == V_POSITIONS:
                    body.append(bytes((cw_l[b], pw_l[b])))
                    body.append(pack_total(fh - fl))
                    body.append(cn.get(cw_l[b], lo, hi))
                    body.append(pdn.get(pw_l[b], fl, fh))
                else:
                    assert sw_l is not None and lw_l is not None
                    body.append(bytes((cw_l[b], pw_l[b], sw_l[b], lw_l[b])))
                    body.append(pack_total(fh - fl))
                    body.append(cn.get(cw_l[b], lo, hi))
                    body.append(pdn.get(pw_l[b], fl, fh))
                    body.append(sdn.get(sw_l[b], fl, fh))
                    body.append(lnn.get(lw_l[b], fl, fh))
            elif kind == V_RAW:
                assert raw is not None
                vals = raw[lo:hi]
                offsets = np.zeros(len(vals) + 1, dtype="<u4")
                np.cumsum([len(v) for v in vals], out=offsets[1:])
                body.append(offsets.tobytes())
                body.append(b"".join(vals))
            data = b"".join(body)
            size = _HEAD.size - 4 + len(data)
            last = j == nblocks - 1
            parts.append(
                pack_head(
                    -size if last else size,
                    hi - lo,
                    firstid_l[b],
                    lastid_l[b],
                    bmaxw_l[b],
                    bminlb_l[b],
                    bmaxlb_l[b],
                    w,
                    wc,
                )
            )
            parts.append(data)
            b += 1
        out.append((b"".join(parts), term_stats[t]))
    return out


# A block header as a numpy record: the same 24 bytes as _HEAD.
_HEAD_FIELDS = [
    ("size", "<i4"),
    ("count", "<u4"),
    ("first", "<u4"),
    ("last", "<u4"),
    ("maxw", "<f4"),
    ("minlb", "u1"),
    ("maxlb", "u1"),
    ("iw", "u1"),
    ("wc", "u1"),
]


def _put(buf: np.ndarray, values: np.ndarray, dest: np.ndarray, widths: np.ndarray, floats: bool = False) -> None:
    """Writes ``values[i]`` little-endian in ``widths[i]`` bytes at ``buf[dest[i]]``."""
    for w in np.unique(widths).tolist():
        sel = widths == w
        raw = values[sel].astype("<f4" if floats else _DTYPES[w]).view(np.uint8)
        at = (dest[sel][:, None] + np.arange(w, dtype=np.int64)).ravel()
        buf[at] = raw


def _runs(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For runs ``lo[b]:hi[b]``: each item's index, its run, and its rank in the run."""
    n = hi - lo
    run = np.repeat(np.arange(len(lo), dtype=np.int64), n)
    rank = np.arange(int(n.sum()), dtype=np.int64) - np.repeat(np.cumsum(n) - n, n)
    return lo[run] + rank, run, rank


def encode_field(fp: FieldPostings, kind: int, blocklimit: int = BLOCK_POSTINGS) -> tuple[bytes, list[int], list[Any]]:
    """All of a field's posting bytes at once, with no Python step per term or block.

    The bytes :func:`encode_terms_by_block` gives (joined), each term's start
    offsets in them (``bounds``, one more than the terms) and the terms'
    W3TermInfo fields. Every block's size follows from its widths and counts,
    so every header, id delta, weight and value has a known place in one
    buffer and is written there by a scatter per width.
    """
    if kind == V_RAW:
        raise ValueError("searchkit codec: raw values are encoded by encode_terms_by_block")
    ids, weights = fp.ids, fp.weights
    lay = _layout(fp, kind, blocklimit)
    if lay is None:
        return b"", [0], []
    n_terms = len(lay.tlen)
    nb, block_term, first_block, blo, bhi = lay.nb, lay.block_term, lay.first_block, lay.blo, lay.bhi
    iddelta, iw, w64, wmax, wcode = lay.iddelta, lay.iw, lay.w64, lay.wmax, lay.wcode
    bminlb, bmaxlb = lay.bminlb, lay.bmaxlb
    n = bhi - blo
    nblocks = len(blo)
    wbytes = np.where(wcode == _W_FLOAT, 4, wcode)  # per weight; 0 for all ones

    # Byte sizes of each block's parts.
    idlen = iw * (n - 1)
    wlen = wbytes * n
    vhead = {V_NONE: 0, V_FREQ: 1, V_POSITIONS: 6, V_CHARS: 8}[kind]
    zero = np.zeros(nblocks, dtype=np.int64)
    cw = lay.cw if lay.cw is not None else zero
    pw = lay.pw if lay.pw is not None else zero
    sw = lay.sw if lay.sw is not None else zero
    lw = lay.lw if lay.lw is not None else zero
    counts, pd, sd, ln, flo, fhi = lay.counts, lay.pd, lay.sd, lay.ln, lay.flo, lay.fhi
    tot = fhi - flo if fhi is not None and flo is not None else zero
    clen = cw * n
    datalen = idlen + wlen + vhead + clen + (pw + sw + lw) * tot
    blocklen = _HEAD.size + datalen
    # Each term is MAGIC and its blocks, the terms one after another.
    boff = np.cumsum(blocklen) - blocklen + 4 * (block_term + 1)
    toff = boff[first_block] - 4
    total = int(boff[-1] + blocklen[-1])
    buf = np.zeros(total, dtype=np.uint8)

    at = (toff[:, None] + np.arange(4, dtype=np.int64)).ravel()
    buf[at] = np.tile(np.frombuffer(MAGIC, dtype=np.uint8), n_terms)
    head = np.zeros(nblocks, dtype=np.dtype(_HEAD_FIELDS))
    last = np.zeros(nblocks, dtype=bool)
    last[first_block + nb - 1] = True
    size = _HEAD.size - 4 + datalen
    head["size"] = np.where(last, -size, size)
    head["count"] = n
    head["first"] = ids[blo]
    head["last"] = ids[bhi - 1]
    head["maxw"] = wmax
    head["minlb"] = bminlb
    head["maxlb"] = bmaxlb
    head["iw"] = iw
    head["wc"] = wcode
    at = (boff[:, None] + np.arange(_HEAD.size, dtype=np.int64)).ravel()
    buf[at] = head.view(np.uint8)

    # Ids after each block's first, then the weights.
    p, pb, rank = _runs(blo + 1, bhi)
    idstart = boff + _HEAD.size
    _put(buf, iddelta[p], idstart[pb] + iw[pb] * (rank), iw[pb])
    wstart = idstart + idlen
    p, pb, rank = _runs(blo, bhi)
    stored = wcode[pb] != _W_ONES
    p, pb, rank = p[stored], pb[stored], rank[stored]
    isfloat = wcode[pb] == _W_FLOAT
    dest = wstart[pb] + wbytes[pb] * rank
    _put(buf, weights[p[isfloat]], dest[isfloat], wbytes[pb[isfloat]], floats=True)
    ints = ~isfloat
    _put(buf, w64[p[ints]].astype(np.int64), dest[ints], wbytes[pb[ints]])

    if kind != V_NONE:
        vstart = wstart + wlen
        buf[vstart] = cw
        if kind in (V_POSITIONS, V_CHARS):
            buf[vstart + 1] = pw
            if kind == V_CHARS:
                buf[vstart + 2] = sw
                buf[vstart + 3] = lw
            _put(buf, tot, vstart + vhead - 4, np.full(nblocks, 4))
        cstart = vstart + vhead
        p, pb, rank = _runs(blo, bhi)
        assert counts is not None
        _put(buf, counts[p], cstart[pb] + cw[pb] * rank, cw[pb])
        if kind in (V_POSITIONS, V_CHARS):
            assert pd is not None and flo is not None and fhi is not None
            o, ob, orank = _runs(flo, fhi)
            start = cstart + clen
            _put(buf, pd[o], start[ob] + pw[ob] * orank, pw[ob])
            if kind == V_CHARS:
                assert sd is not None and ln is not None
                start = start + pw * tot
                _put(buf, sd[o], start[ob] + sw[ob] * orank, sw[ob])
                start = start + sw * tot
                _put(buf, ln[o], start[ob] + lw[ob] * orank, lw[ob])

    stats = _term_stats(fp, lay)
    return buf.tobytes(), [*toff.tolist(), total], stats


def _segment_cumsum(deltas: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Undoes per-posting delta coding: a cumulative sum restarting at each posting."""
    total = np.cumsum(deltas, dtype=np.int64)
    if not len(total):
        return total
    startidx = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    base = total[startidx] - deltas[startidx]
    return total - np.repeat(base, counts)


class BlockValues:
    """A block's decoded value section."""

    __slots__ = ("counts", "ends", "kind", "offsets", "positions", "raw", "starts")

    def __init__(self, kind: int, buf: bytes, n: int) -> None:
        self.kind = kind
        self.counts: np.ndarray | None = None
        self.positions: np.ndarray | None = None
        self.starts: np.ndarray | None = None
        self.ends: np.ndarray | None = None
        self.offsets: np.ndarray | None = None
        self.raw = b""
        if kind == V_NONE:
            return
        if kind == V_RAW:
            self.offsets = np.frombuffer(buf, dtype="<u4", count=n + 1).astype(np.int64)
            self.raw = buf[4 * (n + 1) :]
            return
        cw = buf[0]
        if kind == V_FREQ:
            self.counts = np.frombuffer(buf, dtype=_DTYPES[cw], count=n, offset=1).astype(np.int64)
            return
        if kind == V_POSITIONS:
            pw = buf[1]
            (total,) = struct.unpack_from("<I", buf, 2)
            counts, off = _unnarrow(buf, 6, cw, n)
            pdelta, off = _unnarrow(buf, off, pw, total)
            self.counts = counts.astype(np.int64)
            self.positions = _segment_cumsum(pdelta.astype(np.int64), self.counts)
        else:
            pw, sw, lw = buf[1], buf[2], buf[3]
            (total,) = struct.unpack_from("<I", buf, 4)
            counts, off = _unnarrow(buf, 8, cw, n)
            pdelta, off = _unnarrow(buf, off, pw, total)
            sdelta, off = _unnarrow(buf, off, sw, total)
            lens, off = _unnarrow(buf, off, lw, total)
            self.counts = counts.astype(np.int64)
            self.positions = _segment_cumsum(pdelta.astype(np.int64), self.counts)
            # start = previous end in the posting + delta and end = start +
            # length, so the running sum of (delta + length) is each end.
            lens64 = lens.astype(np.int64)
            self.ends = _segment_cumsum(sdelta.astype(np.int64) + lens64, self.counts)
            self.starts = self.ends - lens64
        self.offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(self.counts, out=self.offsets[1:])

    def positions_of(self, i: int) -> list[int]:
        assert self.positions is not None and self.offsets is not None
        return self.positions[self.offsets[i] : self.offsets[i + 1]].tolist()

    def chars_of(self, i: int) -> list[tuple[int, int, int]]:
        assert self.positions is not None and self.offsets is not None
        assert self.starts is not None and self.ends is not None
        lo, hi = self.offsets[i], self.offsets[i + 1]
        pos, st, en = self.positions[lo:hi].tolist(), self.starts[lo:hi].tolist(), self.ends[lo:hi].tolist()
        return list(zip(pos, st, en, strict=True))

    def whoosh_value(self, i: int, fmt: formats.Format) -> bytes | None:
        """Posting ``i``'s value in the encoding Whoosh's format reads."""
        if self.kind == V_NONE:
            return None  # as W3's matcher gives for a format without values
        if self.kind == V_RAW:
            assert self.offsets is not None
            return bytes(self.raw[self.offsets[i] : self.offsets[i + 1]])
        if self.kind == V_FREQ:
            assert self.counts is not None
            return pack_uint(int(self.counts[i]))
        if self.kind == V_POSITIONS:
            return fmt.encode(self.positions_of(i))
        return fmt.encode(self.chars_of(i))


# ---------------------------------------------------------------- writing


class SearchkitPostingsWriter(base.PostingsWriter):
    """Whoosh's one-posting-at-a-time interface (used when Whoosh merges
    segments), buffered per term and encoded by :func:`encode_terms`."""

    def __init__(self, postfile: Any, blocklimit: int = BLOCK_POSTINGS) -> None:
        self._postfile = postfile
        self._blocklimit = blocklimit
        self._terminfo: Any = None
        self._format: Any = None
        self._kind = V_NONE
        self._written = False

    def written(self) -> bool:
        return self._written

    def start_postings(self, format_: formats.Format, terminfo: Any) -> None:
        if self._terminfo is not None:
            raise Exception("Called start in a term")
        self._format = format_
        self._kind = value_kind(format_)
        self._terminfo = terminfo
        self._ids: list[int] = []
        self._weights: list[float] = []
        self._lengths: list[int] = []
        self._values: list[bytes] = []
        self._written = False

    def add_posting(self, id_: int, weight: float, vbytes: bytes, length: int | None = None) -> None:
        self._ids.append(id_)
        self._weights.append(weight)
        self._lengths.append(length or 0)
        self._values.append(vbytes)

    def _as_arrays(self) -> FieldPostings:
        kind, fmt, vals = self._kind, self._format, self._values
        ts = np.asarray([0, len(self._ids)])
        ids, weights, lengths = (np.asarray(x) for x in (self._ids, self._weights, self._lengths))
        if kind == V_RAW:
            return FieldPostings(ts, ids, weights, lengths, raw=list(vals))
        if kind == V_FREQ:
            return FieldPostings(ts, ids, weights, lengths, counts=np.asarray([unpack_uint(v)[0] for v in vals]))
        if kind == V_POSITIONS:
            poses = [fmt.decode_positions(v) for v in vals]
            return FieldPostings(
                ts,
                ids,
                weights,
                lengths,
                counts=np.asarray([len(x) for x in poses]),
                positions=np.asarray([q for x in poses for q in x]),
            )
        if kind == V_CHARS:
            triples = [fmt.decode_characters(v) for v in vals]
            flat = np.asarray([t for x in triples for t in x], dtype=np.int64).reshape(-1, 3)
            return FieldPostings(
                ts,
                ids,
                weights,
                lengths,
                counts=np.asarray([len(x) for x in triples]),
                positions=flat[:, 0],
                starts=flat[:, 1],
                ends=flat[:, 2],
            )
        return FieldPostings(ts, ids, weights, lengths)

    def finish_postings(self) -> Any:
        terminfo = self._terminfo
        if self._ids:
            ((data, stats),) = encode_terms(self._as_arrays(), self._kind, self._blocklimit)
            start = self._postfile.tell()
            self._postfile.write(data)
            set_terminfo(terminfo, stats, start, len(data))
            self._written = True
        self._terminfo = None
        return terminfo


def set_terminfo(terminfo: Any, stats: tuple[Any, ...], offset: int, length: int) -> None:
    weight, df, minlb, maxlb, maxweight, minid, maxid = stats
    terminfo._weight = weight
    terminfo._df = df
    terminfo._minlength = byte_to_length(minlb) if minlb else None
    terminfo._maxlength = byte_to_length(maxlb)
    terminfo._maxweight = maxweight
    terminfo._minid = minid
    terminfo._maxid = maxid
    terminfo.set_extent(offset, length)


class _TermsHashWriter(filetables.OrderedHashWriter):
    """Whoosh's ordered hash file, with the hash tables laid out by numpy.

    Same file: 256 open-addressing tables of twice as many slots as keys,
    each key in the first free slot at or after its home slot, so Whoosh's
    reader finds every key with its own probe. Whoosh fills the tables with
    a Python step per key and writes one 12-byte pointer per slot; a
    segment's dictionary has ~10 keys per article (words, anchors, terms).
    """

    _bulk_hashes: list[int]
    _bulk_positions: list[Any]

    def add_many(self, keys: list[bytes], positions: np.ndarray) -> None:
        """Records already written at ``positions``: their keys' hash entries."""
        if not hasattr(self, "_bulk_hashes"):
            self._bulk_hashes, self._bulk_positions = [], []
        crc = zlib.crc32  # hash type 1, as Whoosh's crc_hash
        self._bulk_hashes.extend([crc(k) for k in keys])
        self._bulk_positions.append(positions)
        self.index.extend(positions.tolist())

    def _write_hashes(self) -> None:
        dbfile = self.dbfile
        hashes = [h for entries in self.buckets for h, _ in entries]
        where = [p for entries in self.buckets for _, p in entries]
        hv = np.asarray(hashes + getattr(self, "_bulk_hashes", []), dtype=np.int64) & 0xFFFFFFFF
        pos = np.concatenate([np.asarray(where, dtype=np.int64), *getattr(self, "_bulk_positions", [])]).astype(
            np.int64
        )
        bucket = hv & 255
        order = np.argsort(bucket, kind="stable")
        hv, pos, bucket = hv[order], pos[order], bucket[order]
        bounds = np.searchsorted(bucket, np.arange(257))
        slot_dtype = np.dtype([("h", ">u4"), ("p", ">i8")])
        for b in range(256):
            lo, hi = int(bounds[b]), int(bounds[b + 1])
            numslots = 2 * (hi - lo)
            self.directory.append((dbfile.tell(), numslots))
            if not numslots:
                continue
            h, p = hv[lo:hi], pos[lo:hi]
            home = (h >> 8) % numslots
            by_home = np.argsort(home, kind="stable")
            h, p, home = h[by_home], p[by_home], home[by_home]
            # Linear probing in home order: each key goes to the first slot
            # after the one before it, or its home if that is later.
            i = np.arange(len(home))
            placed = i + np.maximum.accumulate(home - i)
            table = np.zeros(numslots, dtype=slot_dtype)
            fits = placed < numslots
            table["h"][placed[fits]] = h[fits]
            table["p"][placed[fits]] = p[fits]
            taken = np.zeros(numslots, dtype=bool)
            taken[placed[fits]] = True
            # Past the end the probe wraps to the start: the few keys there
            # take the first free slots, as the reader's probe will.
            free = iter(np.flatnonzero(~taken).tolist())
            for k in np.flatnonzero(~fits).tolist():
                slot = next(free)
                table["h"][slot] = h[k]
                table["p"][slot] = p[k]
            dbfile.write(table.tobytes())


class SearchkitFieldWriter(whoosh3.W3FieldWriter):
    """W3's term dictionary writer, plus a call that writes a whole field's
    postings from arrays (the bulk writer's path)."""

    _tindex: Any
    _fieldmap: dict[str, int]

    def __init__(self, codec: Any, storage: Any, segment: Any) -> None:
        super().__init__(codec, storage, segment)
        # The term dictionary hashes keys with CRC-32 instead of W3's MD5
        # (a hash file records its hash type, so any reader follows): MD5 of
        # a key in Python is ~15% of a term lookup, and the near-duplicate
        # linker looks up eight anchors per article.
        # OrderedHashWriter takes no hash type, so its __init__ is done here
        # with one, over the header W3's already wrote.
        tifile = self._tindex.dbfile
        tifile.seek(self._tindex.startoffset)
        tindex = _TermsHashWriter.__new__(_TermsHashWriter)
        filetables.HashWriter.__init__(tindex, tifile, hashtype=1)
        tindex.index = GrowableArray("H")
        tindex.lastkey = b""
        self._tindex = tindex
        self._fieldmap = tindex.extras["fieldmap"] = {}

    def add_field_postings(self, fieldname: str, fieldobj: Any, terms: Sequence[bytes], fp: FieldPostings) -> None:
        self.start_field(fieldname, fieldobj)
        kind = value_kind(fieldobj.format)
        if kind == V_RAW:
            encoded = encode_terms_by_block(fp, kind, self._codec._blocklimit)
            data = b"".join(d for d, _ in encoded)
            stats = [st for _, st in encoded]
            bounds = [0]
            for d, _ in encoded:
                bounds.append(bounds[-1] + len(d))
        else:
            data, bounds, stats = encode_field(fp, kind, self._codec._blocklimit)
        postfile = self._postfile
        base = postfile.tell()
        # What W3FieldWriter.finish_term and OrderedHashWriter.add do per
        # term (same bytes, same hash buckets), without a method call and
        # a file write per term: the records are joined and written once.
        tindex: _TermsHashWriter = self._tindex
        tfile = tindex.dbfile
        tpos = tfile.tell()
        prefix = struct.pack("!H", self._fieldid)
        keys = [prefix + t for t in terms]
        if keys and keys[0] <= tindex.lastkey:
            raise ValueError(f"Keys must increase: {tindex.lastkey!r}..{keys[0]!r}")
        if any(a >= b for a, b in itertools.pairwise(keys)):
            raise ValueError("Keys must increase")
        pack = _TERMINFO.pack
        # key length, value length, key, value: the value is the fixed 35-byte W3TermInfo.
        head = _HASH_LENGTHS.pack
        vlen = _TERMINFO.size
        records = [
            head(len(key), vlen) + key + pack(0, *st, base + lo, hi - lo)
            for key, st, lo, hi in zip(keys, stats, bounds[:-1], bounds[1:], strict=True)
        ]
        sizes = np.fromiter(map(len, records), dtype=np.int64, count=len(records))
        positions = tpos + np.cumsum(sizes) - sizes
        tindex.add_many(keys, positions)
        postfile.write(data)
        tfile.write(b"".join(records))
        if keys:
            tindex.lastkey = keys[-1]
        self.finish_field()


# ---------------------------------------------------------------- reading


class _Block:
    __slots__ = (
        "count",
        "dataoffset",
        "firstid",
        "iw",
        "last",
        "maxid",
        "maxlb",
        "maxweight",
        "minlb",
        "nextoffset",
        "wcode",
    )

    def __init__(self, postfile: Any, position: int) -> None:
        raw = postfile.get(position, _HEAD.size)
        size, self.count, self.firstid, self.maxid, self.maxweight, self.minlb, self.maxlb, self.iw, self.wcode = (
            _HEAD.unpack(raw)
        )
        self.last = size < 0
        self.dataoffset = position + _HEAD.size
        self.nextoffset = position + 4 + abs(size)

    def ids_weights(self, postfile: Any) -> tuple[np.ndarray, np.ndarray, int]:
        n = self.count
        idlen = self.iw * (n - 1)
        wlen = 0 if self.wcode == _W_ONES else (4 * n if self.wcode == _W_FLOAT else self.wcode * n)
        buf = postfile.get(self.dataoffset, idlen + wlen)
        ids = np.empty(n, dtype=np.int64)
        ids[0] = self.firstid
        if n > 1:
            deltas = np.frombuffer(buf, dtype=_DTYPES[self.iw], count=n - 1)
            np.cumsum(deltas, out=ids[1:])
            ids[1:] += self.firstid
        if self.wcode == _W_ONES:
            weights = np.ones(n, dtype=np.float32)
        elif self.wcode == _W_FLOAT:
            weights = np.frombuffer(buf, dtype="<f4", count=n, offset=idlen).astype(np.float32)
        else:
            weights = np.frombuffer(buf, dtype=_DTYPES[self.wcode], count=n, offset=idlen).astype(np.float32)
        return ids, weights, self.dataoffset + idlen + wlen

    def values(self, postfile: Any, kind: int) -> BlockValues:
        _, _, voffset = self._sizes()
        return BlockValues(kind, postfile.get(voffset, self.nextoffset - voffset), self.count)

    def _sizes(self) -> tuple[int, int, int]:
        n = self.count
        idlen = self.iw * (n - 1)
        wlen = 0 if self.wcode == _W_ONES else (4 * n if self.wcode == _W_FLOAT else self.wcode * n)
        return idlen, wlen, self.dataoffset + idlen + wlen


def _blocks(postfile: Any, offset: int) -> list[_Block]:
    magic = postfile.get(offset, 4)
    if magic != MAGIC:
        raise Exception(f"searchkit posting block tag error {magic!r}")
    out = []
    position = offset + 4
    while True:
        block = _Block(postfile, position)
        out.append(block)
        if block.last:
            return out
        position = block.nextoffset


def read_postings(postfile: Any, terminfo: Any) -> tuple[np.ndarray, np.ndarray]:
    """All of a term's ids (int32) and weights (float32), values untouched."""
    offset, _ = terminfo.extent()
    parts = [b.ids_weights(postfile)[:2] for b in _blocks(postfile, offset)]
    if len(parts) == 1:
        return parts[0][0].astype(np.int32), parts[0][1]
    return (
        np.concatenate([p[0] for p in parts]).astype(np.int32),
        np.concatenate([p[1] for p in parts]).astype(np.float32),
    )


def read_values(postfile: Any, terminfo: Any, fmt: formats.Format, docs: np.ndarray, what: str) -> list[np.ndarray]:
    """Positions (``what="positions"``) or (start, end) pairs (``"chars"``) of
    ``docs`` (ascending): each block holding one of them is decoded once, and
    each document's values are a slice (a view) of the block's arrays."""
    offset, _ = terminfo.extent()
    kind = value_kind(fmt)
    want = np.asarray(docs, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int32) if what == "positions" else np.zeros((0, 2), dtype=np.int32)
    out: list[np.ndarray] = [empty] * len(want)
    if not len(want):
        return out
    blocks = _blocks(postfile, offset)
    maxids = np.asarray([b.maxid for b in blocks], dtype=np.int64)
    which = np.searchsorted(maxids, want, side="left")
    # docs ascending, so each block's documents are one run of ``want``.
    bounds = np.flatnonzero(np.diff(which)) + 1
    runs = zip(np.concatenate(([0], bounds)).tolist(), np.concatenate((bounds, [len(want)])).tolist(), strict=True)
    for lo, hi in runs:
        bi = int(which[lo])
        if bi >= len(blocks):
            break
        ids, _, _ = blocks[bi].ids_weights(postfile)
        vals = blocks[bi].values(postfile, kind)
        if vals.offsets is None or vals.positions is None:
            continue
        if what == "positions":
            flat = vals.positions.astype(np.int32)
        else:
            assert vals.starts is not None and vals.ends is not None
            flat = np.stack((vals.starts, vals.ends), axis=1).astype(np.int32)
        sub = want[lo:hi]
        at = np.searchsorted(ids, sub)
        clipped = np.minimum(at, len(ids) - 1)
        hit = ids[clipped] == sub
        starts = vals.offsets[clipped].tolist()
        ends = vals.offsets[clipped + 1].tolist()
        for k, ok in enumerate(hit.tolist()):
            if ok:
                out[lo + k] = flat[starts[k] : ends[k]]
    return out


class SearchkitLeafMatcher(whoosh3.W3LeafMatcher):
    """Whoosh's matcher interface over typed-array blocks.

    Block navigation and quality skipping are W3LeafMatcher's own; only how a
    block is read differs: ids and weights as one numpy decode (converted to
    Python lists once per block, since Whoosh's collectors take one id at a
    time), values only on request.
    """

    _ids: Any
    _weights: Any
    _values: Any
    _block: _Block

    def __init__(
        self, postfile: Any, startoffset: int, length: int, format_: Any, term: Any = None, scorer: Any = None
    ) -> None:
        self._kind = value_kind(format_)
        super().__init__(postfile, startoffset, length, format_, term=term, scorer=scorer)

    def _read_header(self) -> None:
        magic = self._postfile.get(self._startoffset, 4)
        if magic != MAGIC:
            raise Exception(f"searchkit posting block tag error {magic!r}")
        self._baseoffset = self._startoffset + 4

    def _goto(self, position: int) -> None:
        self._ids = None
        self._weights = None
        self._values = None
        self._i = 0
        block = _Block(self._postfile, position)
        self._block = block
        self._lastblock = block.last
        self._nextoffset = block.nextoffset
        self._blocklength = block.count
        self._maxid = block.maxid
        self._maxweight = block.maxweight
        self._compression = 0
        self._minlength = byte_to_length(block.minlb)
        self._maxlength = byte_to_length(block.maxlb)

    def _read_ids(self) -> None:
        ids, weights, _ = self._block.ids_weights(self._postfile)
        self._ids = ids.tolist()
        self._weights = weights.tolist()

    def _read_weights(self) -> None:
        self._read_ids()

    def _read_values(self) -> None:
        self._values = self._block.values(self._postfile, self._kind)

    def block_min_id(self) -> int:
        return int(self._block.firstid)

    def _block_values(self) -> BlockValues:
        if self._values is None:
            self._read_values()
        return self._values

    def value(self) -> bytes | None:
        return self._block_values().whoosh_value(self._i, self.format)

    def value_as(self, astype: str) -> Any:
        # Straight from the decoded arrays, skipping Whoosh's pickled encoding.
        vals = self._block_values()
        if astype == "positions" and vals.kind in (V_POSITIONS, V_CHARS):
            return vals.positions_of(self._i)
        if astype == "characters" and vals.kind == V_CHARS:
            return vals.chars_of(self._i)
        if astype == "frequency" and vals.counts is not None:
            return int(vals.counts[self._i])
        return super().value_as(astype)

    def skip_to(self, targetid: int) -> None:
        if not self.is_active():
            raise ReadTooFar
        if targetid <= self.id():
            return
        if targetid > self._maxid:
            self._skip_to_block(lambda: targetid > self._maxid)
        if self.is_active():
            if self._ids is None:
                self._read_ids()
            # A binary search inside the block instead of W3's step per posting.
            self._i = bisect.bisect_left(self._ids, targetid, self._i)
            if self._i >= self._blocklength:
                self._next_block()


class SearchkitTermsReader(whoosh3.W3TermsReader):
    """W3's term dictionary reader that, once a field has been looked up many
    times, reads the field's dictionary entries into a dict.

    A search looks up a handful of terms, where W3's on-disk hash is the
    right tool; linking near-duplicates at commit looks up eight anchors per
    article in every segment, about 60 us each through the hash file's
    Python code, where one sequential pass over the field's entries and a
    dict lookup each is an order of magnitude less.
    """

    BULK_LIMIT = 400_000  # entries: a larger field stays on the hash file

    def __init__(self, codec: Any, dbfile: Any, length: int, postfile: Any) -> None:
        super().__init__(codec, dbfile, length, postfile)
        self._length = length
        # Lookups of one field before its entries are read whole: reading an
        # entry costs a few percent of a hash lookup, and the dictionary's
        # bytes bound the field's entries (~40 bytes each), so a pass pays
        # once a field has been asked for about a thousandth of them. An add
        # of 200 articles to 19k (1,600 anchors) stays below that.
        self.bulk_after = max(512, length // 1000)
        self._asked: dict[str, int] = {}
        self._tables: dict[str, dict[bytes, bytes] | None] = {}

    def _table(self, fieldname: str) -> dict[bytes, bytes] | None:
        if fieldname in self._tables:
            return self._tables[fieldname]
        asked = self._asked[fieldname] = self._asked.get(fieldname, 0) + 1
        if asked < self.bulk_after:
            return None
        prefix = self._keycoder(fieldname, b"")
        table: dict[bytes, bytes] | None = {}
        assert table is not None
        for keybytes, valbytes in self._tindex.items_from(prefix):
            if not keybytes.startswith(prefix):
                break
            table[keybytes[2:]] = valbytes
            if len(table) > self.BULK_LIMIT:
                table = None
                break
        self._tables[fieldname] = table
        return table

    def _hash_lookup(self, key: bytes) -> bytes | None:
        """Whoosh's ``HashReader.ranges_for_key`` over a memory map of the file.

        The same probe of the same on-disk hash tables, but each step a
        slice of the map instead of StructFile's seek and read (two system
        calls and four Python calls, three or four times a lookup): linking
        an add of 200 articles to a 19k index looks up ~11,000 anchors, most
        of them missing from most segments, so the probe's own overhead was
        most of the commit. ``None`` when the key is absent.
        """
        hr = self._tindex
        buf = self._map
        keyhash = hr.hashfn(key)
        tablestart, numslots = hr.tables[keyhash & 255]
        if not numslots:
            return None
        ptrsize = _POINTER.size
        tableend = tablestart + numslots * ptrsize
        slotpos = tablestart + ((keyhash >> 8) % numslots) * ptrsize
        for _ in range(numslots):
            slothash, itempos = _POINTER.unpack_from(buf, slotpos)
            if not itempos:
                return None
            if slothash == keyhash:
                keylen, datalen = _LENGTHS.unpack_from(buf, itempos)
                keystart = itempos + _LENGTHS.size
                if keylen == len(key) and buf[keystart : keystart + keylen] == key:
                    return buf[keystart + keylen : keystart + keylen + datalen]
            slotpos += ptrsize
            if slotpos == tableend:
                slotpos = tablestart
        return None

    @property
    def _map(self) -> Any:
        # Made on first lookup: a search that opens the reader and asks for a
        # few terms pays one mmap call; a file without a descriptor (an
        # in-memory storage) keeps Whoosh's own lookup (see term_info).
        try:
            return self.__dict__["_mapped"]
        except KeyError:
            pass
        mapped = None
        raw = getattr(self._dbfile, "file", None)
        # Only a plain file of its own: the hash reader's positions are
        # offsets in the file, which a compound segment's sub-file is not.
        if isinstance(raw, io.BufferedReader):
            try:
                mapped = mmap.mmap(raw.fileno(), 0, access=mmap.ACCESS_READ)
            except (OSError, ValueError):
                mapped = None
            if mapped is not None and len(mapped) != self._length:
                mapped.close()
                mapped = None
        self.__dict__["_mapped"] = mapped
        return mapped

    def close(self) -> None:
        mapped = self.__dict__.pop("_mapped", None)
        if mapped is not None:
            mapped.close()
        super().close()

    def term_info(self, fieldname: str, tbytes: bytes) -> Any:
        table = self._table(fieldname)
        if table is None:
            if self._map is None:
                return super().term_info(fieldname, tbytes)
            found = self._hash_lookup(self._keycoder(fieldname, tbytes))
            if found is None:
                raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
            return whoosh3.W3TermInfo.from_bytes(found)
        raw = table.get(tbytes)
        if raw is None:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        return whoosh3.W3TermInfo.from_bytes(raw)

    def __contains__(self, term: Any) -> bool:
        fieldname, tbytes = term
        table = self._table(fieldname)
        return super().__contains__(term) if table is None else tbytes in table


class SearchkitCodec(whoosh3.W3Codec):
    """W3 with typed-array posting blocks; recorded per segment in the TOC."""

    searchkit_codec = True  # what whoosh_fixes' reader attributes look for

    def __init__(self, blocklimit: int = BLOCK_POSTINGS) -> None:
        super().__init__(blocklimit=blocklimit, compression=0, inlinelimit=0)

    def field_writer(self, storage: Any, segment: Any) -> SearchkitFieldWriter:
        return SearchkitFieldWriter(self, storage, segment)

    def per_document_writer(self, storage: Any, segment: Any) -> Any:
        from .perdoc import BulkPerDocWriter  # W3's files, each column written whole at close

        return BulkPerDocWriter(self, storage, segment)

    def terms_reader(self, storage: Any, segment: Any) -> SearchkitTermsReader:
        tiname = segment.make_filename(self.TERMS_EXT)
        tilen = storage.file_length(tiname)
        tifile = storage.open_file(tiname)
        postfile = segment.open_file(storage, self.POSTS_EXT)
        return SearchkitTermsReader(self, tifile, tilen, postfile)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> Any:
        if byteids:  # term vectors: not used by searchkit's schema, left to W3
            return super().postings_writer(dbfile, byteids=True)
        return SearchkitPostingsWriter(dbfile, blocklimit=self._blocklimit)

    def postings_reader(self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None, scorer: Any = None) -> Any:
        if terminfo.is_inlined():
            ids, weights, values = terminfo.inlined_postings()
            return ListMatcher(ids, weights, values, format_, scorer=scorer, term=term, terminfo=terminfo)
        offset, length = terminfo.extent()
        return SearchkitLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)

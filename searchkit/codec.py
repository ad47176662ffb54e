"""searchkit's posting codec: Whoosh's W3 codec with typed-array posting
blocks and its own term dictionary.

Columns, stored fields, segments and the TOC stay Whoosh's W3 format; the
postings file and the term dictionary (searchkit.termfile) are the codec's,
read through its ``TermsReader`` and matcher. The codec is pickled into the
TOC with each segment, so ``whoosh.index.open_dir`` opens an index written
with it like any other, and Whoosh asks it for term infos and matchers.

What changes is how one term's postings are laid out. W3 pickles each block
of 128 postings as tuples and zlib-compresses it, so reading a posting list
is a zlib call plus unpickling Python tuples, and writing one is a Python
step per posting. Here a block holds up to :data:`BLOCK_POSTINGS` postings as
contiguous little-endian integer arrays, each in the narrowest of
``uint8``/``uint16``/``uint32`` that holds it:

``header | id deltas | weights | values``

The header (varints, see :func:`pack_head`) carries what Whoosh's
block-quality skipping needs (count, last id, maximum weight, minimum and
maximum field-length bytes). Ids and weights
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
import contextlib
import functools
import io
import itertools
import mmap
import operator
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from whoosh import formats
from whoosh.codec import base, whoosh3
from whoosh.matching import ListMatcher, ReadTooFar
from whoosh.reading import TermNotFound
from whoosh.system import pack_uint, unpack_uint
from whoosh.util.numeric import _length_byte_cache, byte_to_length, length_to_byte

from . import termfile

# Larger than W3's 128: a block is decoded with a handful of numpy calls
# whatever its size, so fewer blocks is less Python per posting; still small
# enough that block-quality skipping can pass over most of a long list.
BLOCK_POSTINGS = 1024

# Block header, variable-length (see pack_head): what Whoosh's block-quality
# skipping reads (count, first and last id, maximum weight, minimum and
# maximum field-length bytes) and how the rest is laid out (id-delta width,
# weight code). A term's postings are its blocks, with no tag before them
# (the term file's extent locates them).
_HEAD_MAX = 5 + 3 * 5 + 1 + 5 + 2  # the longest header: every varint at 5 bytes
_IW_CODE = {1: 0, 2: 1, 4: 2}
_IW_OF = (1, 2, 4)
_WC_CODE = {0: 0, 1: 1, 2: 2, 4: 3, 8: 4}
_WC_OF = (0, 1, 2, 4, 8)
_HAS_LB = 0x20
_F4 = struct.Struct("<f")


def _varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _read_varint(buf: Any, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7


def pack_head(
    rest: int, last: bool, count: int, first: int, lastid: int, maxw: float, minlb: int, maxlb: int, iw: int, wc: int
) -> bytes:
    """A block's header. ``rest`` is the byte length of the block after the
    header. Varints (LEB128): (bytes after this varint to the block's end) * 2
    + last-block flag, count, first id, last id - first id; then a byte of
    codes (id width, weight code, whether length bytes follow); the maximum
    weight (nothing when every weight is 1, float32 when they are floats, else
    a varint); the two length bytes when any is non-zero. A block of one
    posting takes 7-10 bytes (the fixed 24-byte header and a 4-byte tag per
    term it replaces were a third of a segment's postings)."""
    has_lb = bool(minlb or maxlb)
    tail = [_varint(count), _varint(first), _varint(lastid - first)]
    tail.append(bytes((_IW_CODE[iw] | (_WC_CODE[wc] << 2) | (_HAS_LB if has_lb else 0),)))
    if wc == _W_FLOAT:
        tail.append(_F4.pack(maxw))
    elif wc != _W_ONES:
        tail.append(_varint(int(maxw)))
    if has_lb:
        tail.append(bytes((minlb, maxlb)))
    body = b"".join(tail)
    return _varint((len(body) + rest) * 2 + int(last)) + body


def parse_head(buf: Any, pos: int) -> tuple[int, int, int, float, int, int, int, int, int, int, bool]:
    """(count, first id, last id, maximum weight, minimum and maximum length
    bytes, id width, weight code, data offset, next block's offset, last) of
    the header at ``buf[pos]``; the offsets are in ``buf``, not from ``pos``."""
    h0, at = _read_varint(buf, pos)
    end = at + (h0 >> 1)
    count, at = _read_varint(buf, at)
    first, at = _read_varint(buf, at)
    span, at = _read_varint(buf, at)
    codes = buf[at]
    at += 1
    iw, wc = _IW_OF[codes & 3], _WC_OF[(codes >> 2) & 7]
    maxw: float
    if wc == _W_ONES:
        maxw = 1.0
    elif wc == _W_FLOAT:
        (maxw,) = _F4.unpack_from(buf, at)
        at += 4
    else:
        iv, at = _read_varint(buf, at)
        maxw = float(iv)
    minlb = maxlb = 0
    if codes & _HAS_LB:
        minlb, maxlb = buf[at], buf[at + 1]
        at += 2
    return count, first, first + span, maxw, minlb, maxlb, iw, wc, at, end, bool(h0 & 1)


# Weight codes: all 1.0 (nothing stored), integers of that many bytes, float32.
_W_ONES = 0
_W_FLOAT = 8
# Count width 0: the block's counts are its weights (not stored twice).
_CW_WEIGHTS = 0
# Position or character-start width 0: the block's values are varints (LEB128).
_VARINT = 0
# Whether the encoder may choose varints for a block's positions and starts
# (2.8 MB of 19k's 49 MB): a reader handles either, but varints cannot be
# read one posting at a time (postings._Layout decodes such a block whole).
VARINT_VALUES = True

# What a block's value section holds, from the field's Whoosh format.
V_NONE = 0  # Existence: no values
V_FREQ = 1  # Frequency: the term frequency
V_POSITIONS = 2  # Positions: word positions
V_CHARS = 3  # Characters: positions and (start, end) character offsets
V_RAW = 4  # any other format: Whoosh's value bytes, with offsets


def map_file(structfile: Any) -> mmap.mmap | None:
    """A Whoosh file's whole contents memory-mapped (a segment's files never
    change once written), or None when it is not a plain, non-empty file
    that can be mapped (an in-memory one, a part of a compound file)."""
    with contextlib.suppress(AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return mmap.mmap(structfile.file.fileno(), 0, access=mmap.ACCESS_READ)
    return None


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
        self.views = {int(w): values.astype(_DTYPES[int(w)]) for w in np.unique(widths) if w}

    def get(self, width: int, lo: int, hi: int) -> bytes:
        return self.views[width][lo:hi].tobytes() if width else b""


def _values_bytes(narrowed: _Narrowed, values: Any, width: int, lo: int, hi: int) -> bytes:
    if width != _VARINT:
        return narrowed.get(width, lo, hi)
    part = np.asarray(values[lo:hi], dtype=np.int64)
    n = _varint_len(part)
    buf = np.zeros(int(n.sum()), dtype=np.uint8)
    _put_varints(buf, part, np.cumsum(n) - n)
    return buf.tobytes()


def _unvarint(buf: Any, offset: int, count: int) -> tuple[np.ndarray, int]:
    """``count`` varints from ``buf[offset]``, and the offset after them."""
    if not count:
        return np.zeros(0, dtype=np.int64), offset
    raw = np.frombuffer(buf, dtype=np.uint8, offset=offset)
    # Values of up to three bytes end within 3 * count bytes; the arrays
    # after them are scanned only when longer ones are there.
    ends = np.flatnonzero(raw[: 3 * count] < 0x80)[:count]
    if len(ends) < count:
        ends = np.flatnonzero(raw < 0x80)[:count]
        if len(ends) < count:
            raise ValueError("searchkit codec: a truncated varint array")
    nbytes = int(ends[-1]) + 1
    if nbytes == count:  # every value one byte
        return raw[:count].astype(np.int64), offset + count
    starts = np.empty(count, dtype=np.int64)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    return varints_at(raw, starts, ends), offset + nbytes


def varints_at(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The varints of ``buf`` (bytes as uint8) whose first bytes are at
    ``starts`` and last bytes at ``ends``."""
    vals = (buf[starts] & 0x7F).astype(np.int64)
    # Byte k of each value longer than k, one gather per byte position
    # (positions and offsets are one to three bytes long).
    longer = ends - starts
    k = 1
    while True:
        more = np.flatnonzero(longer >= k)
        if not len(more):
            break
        vals[more] |= (buf[starts[more] + k] & 0x7F).astype(np.int64) << (7 * k)
        k += 1
    return vals


def _block_max(values: np.ndarray, lo: np.ndarray) -> np.ndarray:
    if not len(values):
        return np.zeros(len(lo), dtype=np.int64)
    return np.maximum.reduceat(values, lo)


# Whoosh's W3TermInfo layout ("!BfIBBfII" + offset "!q" + length "!i"), and
# the key and value lengths before each record of its hash file (terms.py's
# reader of W3 dictionaries; this codec writes searchkit.termfile instead).
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
    # Bytes of each block's positions and character-start deltas (width _VARINT: varints).
    plen: np.ndarray | None = None
    slen: np.ndarray | None = None


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
        # A block whose counts are its weights (a frequency weighs its count;
        # every weight 1 and every count 1) stores them once: count width 0.
        differs = np.maximum.reduceat((counts != w64).astype(np.int8), blo) > 0
        out.counts, out.cw = counts, np.where(differs, _widths(_block_max(counts, blo)), _CW_WEIGHTS)
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
        # Each block keeps its positions (and character-start deltas) as
        # varints when that is shorter than the fixed width: a posting's
        # first position is absolute, so one beyond 255 made every delta of
        # the block two bytes wide.
        tot = out.fhi - flo
        out.pw, out.plen = _varint_or_width(pd, flo, out.pw, tot)
        if kind == V_CHARS:
            assert out.sd is not None and out.sw is not None
            out.sw, out.slen = _varint_or_width(out.sd, flo, out.sw, tot)
    return out


def _varint_or_width(
    values: np.ndarray, lo: np.ndarray, widths: np.ndarray, tot: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per block: the width to store ``values`` in (_VARINT when varints are shorter) and their byte length."""
    if not len(values) or not VARINT_VALUES:
        return widths, widths * tot
    vsum = np.add.reduceat(_varint_len(values), lo)
    use = vsum < widths * tot
    return np.where(use, _VARINT, widths), np.where(use, vsum, widths * tot)


def _term_arrays(fp: FieldPostings) -> dict[str, np.ndarray]:
    """Each term's W3TermInfo fields as W3TermInfo.add_block totals them, one
    array per field (the term file's arrays, see searchkit.termfile.STATS)."""
    ts, ids, lengths = fp.term_starts, fp.ids, fp.lengths
    t0 = ts[:-1]
    if not len(t0):
        empty = np.zeros(0, dtype=np.int64)
        return {k: empty for k in ("weight", "df", "minlb", "maxlb", "maxweight", "minid", "maxid", "span")}
    w64 = fp.weights.astype(np.float64)
    lb = length_bytes(lengths).astype(np.int64)
    big = np.where(lengths > 0, lengths, np.iinfo(np.int64).max)
    tminlen = np.minimum.reduceat(big, t0)
    minid, maxid = ids[t0], ids[ts[1:] - 1]
    return {
        "weight": np.add.reduceat(w64, t0),
        "df": np.diff(ts),
        "minlb": np.where(tminlen == np.iinfo(np.int64).max, 0, length_bytes(np.minimum(tminlen, 1 << 40))).astype(
            np.int64
        ),
        "maxlb": np.maximum.reduceat(lb, t0),
        "maxweight": np.maximum.reduceat(w64, t0),
        "minid": minid,
        "maxid": maxid,
        "span": maxid - minid,
    }


def _term_stats(fp: FieldPostings, lay: _Layout | None = None) -> list[tuple[Any, ...]]:
    """Each term's W3TermInfo fields, as W3TermInfo.add_block totals them."""
    a = _term_arrays(fp)
    names = ("weight", "df", "minlb", "maxlb", "maxweight", "minid", "maxid")
    return list(zip(*(a[n].tolist() for n in names), strict=True))


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
    pack_total = struct.Struct("<I").pack

    out: list[tuple[bytes, tuple[Any, ...]]] = []
    b = 0
    for t in range(n_terms):
        parts: list[bytes] = []
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
                    body.append(_values_bytes(pdn, lay.pd, pw_l[b], fl, fh))
                else:
                    assert sw_l is not None and lw_l is not None
                    body.append(bytes((cw_l[b], pw_l[b], sw_l[b], lw_l[b])))
                    body.append(pack_total(fh - fl))
                    body.append(cn.get(cw_l[b], lo, hi))
                    body.append(_values_bytes(pdn, lay.pd, pw_l[b], fl, fh))
                    body.append(_values_bytes(sdn, lay.sd, sw_l[b], fl, fh))
                    body.append(lnn.get(lw_l[b], fl, fh))
            elif kind == V_RAW:
                assert raw is not None
                vals = raw[lo:hi]
                offsets = np.zeros(len(vals) + 1, dtype="<u4")
                np.cumsum([len(v) for v in vals], out=offsets[1:])
                body.append(offsets.tobytes())
                body.append(b"".join(vals))
            data = b"".join(body)
            parts.append(
                pack_head(
                    len(data),
                    j == nblocks - 1,
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


def _varint_len(values: np.ndarray) -> np.ndarray:
    v = values.astype(np.int64)
    return 1 + (v >= 1 << 7) + (v >= 1 << 14) + (v >= 1 << 21) + (v >= 1 << 28)


def _put_varints(buf: np.ndarray, values: np.ndarray, dest: np.ndarray) -> np.ndarray:
    """Writes each of ``values`` as a varint at ``buf[dest]``; returns the offsets after them."""
    v = values.astype(np.int64)
    n = _varint_len(v)
    for k in range(int(n.max()) if len(n) else 0):
        sel = n > k
        byte = (v[sel] >> (7 * k)) & 0x7F
        buf[dest[sel] + k] = (byte | np.where(n[sel] > k + 1, 0x80, 0)).astype(np.uint8)
    return dest + n


def _put(buf: np.ndarray, values: np.ndarray, dest: np.ndarray, widths: np.ndarray, floats: bool = False) -> None:
    """Writes ``values[i]`` little-endian in ``widths[i]`` bytes at ``buf[dest[i]]``."""
    for w in np.unique(widths).tolist():
        if not w:
            continue  # stored elsewhere (_CW_WEIGHTS)
        sel = widths == w
        raw = values[sel].astype("<f4" if floats else _DTYPES[w]).view(np.uint8)
        at = (dest[sel][:, None] + np.arange(w, dtype=np.int64)).ravel()
        buf[at] = raw


def _put_values(
    buf: np.ndarray,
    values: np.ndarray,
    start: np.ndarray,
    widths: np.ndarray,
    block: np.ndarray,
    rank: np.ndarray,
    tot: np.ndarray,
) -> None:
    """Each block's run of ``values`` (item i in block ``block[i]``, at ``rank[i]``)
    at ``buf[start[block]]``: fixed-width, or varints where the width is _VARINT."""
    w = widths[block]
    fixed = w != _VARINT
    _put(buf, values[fixed], (start[block] + w * rank)[fixed], w[fixed])
    var = ~fixed
    if var.any():
        n = _varint_len(values)
        before = np.cumsum(n) - n
        first = np.cumsum(tot) - tot  # each block's first item
        _put_varints(buf, values[var], (start[block] + before - before[first][block])[var])


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
    nb, first_block, blo, bhi = lay.nb, lay.first_block, lay.blo, lay.bhi
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
    plen = lay.plen if lay.plen is not None else pw * tot
    slen = lay.slen if lay.slen is not None else sw * tot
    datalen = idlen + wlen + vhead + clen + plen + slen + lw * tot
    # Each header (see pack_head): its varints' lengths, then every block's offset.
    first, lastid = ids[blo], ids[bhi - 1]
    has_lb = (bminlb > 0) | (bmaxlb > 0)
    iwhole = (wcode != _W_ONES) & (wcode != _W_FLOAT)
    maxw_int = np.where(iwhole, wmax, 0).astype(np.int64)
    maxw_len = np.where(wcode == _W_ONES, 0, np.where(wcode == _W_FLOAT, 4, _varint_len(maxw_int)))
    headtail = _varint_len(n) + _varint_len(first) + _varint_len(lastid - first) + 1 + maxw_len + 2 * has_lb
    last = np.zeros(nblocks, dtype=bool)
    last[first_block + nb - 1] = True
    h0 = (headtail + datalen) * 2 + last
    blocklen = _varint_len(h0) + headtail + datalen
    # The terms' blocks one after another.
    boff = np.cumsum(blocklen) - blocklen
    toff = boff[first_block]
    total = int(boff[-1] + blocklen[-1])
    buf = np.zeros(total, dtype=np.uint8)

    at = _put_varints(buf, h0, boff)
    at = _put_varints(buf, n, at)
    at = _put_varints(buf, first, at)
    at = _put_varints(buf, lastid - first, at)
    # Widths 1, 2, 4 as codes 0, 1, 2; weight codes by their place in _WC_OF.
    codes = (iw >> 1) | (np.searchsorted(np.asarray(_WC_OF), wcode) << 2) | np.where(has_lb, _HAS_LB, 0)
    buf[at] = codes.astype(np.uint8)
    at = at + 1
    isf = wcode == _W_FLOAT
    _put(buf, wmax[isf], at[isf], np.full(int(isf.sum()), 4), floats=True)
    at[isf] += 4
    at[iwhole] = _put_varints(buf, maxw_int[iwhole], at[iwhole])
    buf[at[has_lb]] = bminlb[has_lb].astype(np.uint8)
    buf[at[has_lb] + 1] = bmaxlb[has_lb].astype(np.uint8)
    at[has_lb] += 2
    idstart = at

    # Ids after each block's first, then the weights.
    p, pb, rank = _runs(blo + 1, bhi)
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
            _put_values(buf, pd[o], start, pw, ob, orank, tot)
            if kind == V_CHARS:
                assert sd is not None and ln is not None
                start = start + plen
                _put_values(buf, sd[o], start, sw, ob, orank, tot)
                start = start + slen
                _put(buf, ln[o], start[ob] + lw[ob] * orank, lw[ob])

    stats = _term_stats(fp, lay)
    return buf.tobytes(), [*toff.tolist(), total], stats


def _values_at(buf: Any, offset: int, width: int, count: int) -> tuple[np.ndarray, int]:
    return _unvarint(buf, offset, count) if width == _VARINT else _unnarrow(buf, offset, width, count)


def _counts_at(buf: Any, offset: int, cw: int, n: int, weights: np.ndarray | None) -> tuple[np.ndarray, int]:
    if cw == _CW_WEIGHTS:
        assert weights is not None
        return np.asarray(weights).astype(np.int64), offset
    return _unnarrow(buf, offset, cw, n)


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

    def __init__(self, kind: int, buf: bytes, n: int, weights: np.ndarray | None = None) -> None:
        """``weights``: the block's weights, which a block whose count width
        is 0 (_CW_WEIGHTS) gives as its counts."""
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
        if cw == _CW_WEIGHTS and weights is None:
            raise ValueError("searchkit codec: this block's counts are its weights; pass them")
        if kind == V_FREQ:
            if cw == _CW_WEIGHTS:
                assert weights is not None
                self.counts = np.asarray(weights).astype(np.int64)
            else:
                self.counts = np.frombuffer(buf, dtype=_DTYPES[cw], count=n, offset=1).astype(np.int64)
            return
        if kind == V_POSITIONS:
            pw = buf[1]
            (total,) = struct.unpack_from("<I", buf, 2)
            counts, off = _counts_at(buf, 6, cw, n, weights)
            pdelta, off = _values_at(buf, off, pw, total)
            self.counts = counts.astype(np.int64)
            self.positions = _segment_cumsum(pdelta.astype(np.int64), self.counts)
        else:
            pw, sw, lw = buf[1], buf[2], buf[3]
            (total,) = struct.unpack_from("<I", buf, 4)
            counts, off = _counts_at(buf, 8, cw, n, weights)
            pdelta, off = _values_at(buf, off, pw, total)
            sdelta, off = _values_at(buf, off, sw, total)
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


class ListValues:
    """A block's value section decoded into lists, for the matcher.

    The same values as BlockValues (a test compares the two on every block
    of an index) without numpy: Whoosh's matchers take one posting at a time
    as Python values, so the matcher's reads, a search through Whoosh's
    matchers, and a command that never runs the vectorized engine (a cold
    ``searchkit search``, see executor's light path) do not load it. Per
    posting, positions and ends are running sums restarting at the posting;
    start = previous end + delta and end = start + length.
    """

    __slots__ = ("counts", "kind", "lengths", "offsets", "pdeltas", "raw", "sdeltas")

    def __init__(self, kind: int, buf: bytes, n: int, weights: list[float] | None = None) -> None:
        self.kind = kind
        self.counts: list[int] = []
        self.offsets: list[int] = []
        self.pdeltas: list[int] = []
        self.sdeltas: list[int] = []
        self.lengths: list[int] = []
        self.raw = b""
        if kind == V_NONE:
            return
        if kind == V_RAW:
            self.offsets = _fixed_list(buf, 0, 4, n + 1)[0]
            self.raw = buf[4 * (n + 1) :]
            return
        cw = buf[0]
        if kind == V_POSITIONS:
            pw, sw, lw = buf[1], 0, 0
            (total,) = struct.unpack_from("<I", buf, 2)
            at = 6
        elif kind == V_CHARS:
            pw, sw, lw = buf[1], buf[2], buf[3]
            (total,) = struct.unpack_from("<I", buf, 4)
            at = 8
        else:  # V_FREQ: the counts alone
            at = 1
        if cw != _CW_WEIGHTS:
            self.counts, at = _fixed_list(buf, at, cw, n)
        elif weights is None:
            raise ValueError("searchkit codec: this block's counts are its weights; pass them")
        else:
            self.counts = [int(w) for w in weights]
        if kind == V_FREQ:
            return
        self.offsets = list(itertools.accumulate(self.counts, initial=0))
        self.pdeltas, at = _values_list(buf, at, pw, total)
        if kind == V_CHARS:
            self.sdeltas, at = _values_list(buf, at, sw, total)
            self.lengths, at = _fixed_list(buf, at, lw, total)

    def positions_of(self, i: int) -> list[int]:
        return list(itertools.accumulate(self.pdeltas[self.offsets[i] : self.offsets[i + 1]]))

    def chars_of(self, i: int) -> list[tuple[int, int, int]]:
        lo, hi = self.offsets[i], self.offsets[i + 1]
        lengths = self.lengths[lo:hi]
        ends = itertools.accumulate(map(operator.add, self.sdeltas[lo:hi], lengths))
        positions = itertools.accumulate(self.pdeltas[lo:hi])
        return [(p, e - n, e) for p, e, n in zip(positions, ends, lengths, strict=True)]

    def whoosh_value(self, i: int, fmt: formats.Format) -> bytes | None:
        """Posting ``i``'s value in the encoding Whoosh's format reads."""
        if self.kind == V_NONE:
            return None  # as W3's matcher gives for a format without values
        if self.kind == V_RAW:
            return bytes(self.raw[self.offsets[i] : self.offsets[i + 1]])
        if self.kind == V_FREQ:
            return pack_uint(self.counts[i])
        if self.kind == V_POSITIONS:
            return fmt.encode(self.positions_of(i))
        return fmt.encode(self.chars_of(i))


_UINT = {1: "<u1", 2: "<u2", 4: "<u4", 8: "<u8"}  # a block's value widths as the term file's dtypes


def _fixed_list(buf: Any, at: int, width: int, count: int) -> tuple[list[int], int]:
    """``count`` little-endian unsigned integers of ``width`` bytes at ``buf[at]``, and where they end."""
    return termfile.typed(buf, at, _UINT[width], count).tolist(), at + width * count


def _values_list(buf: Any, at: int, width: int, count: int) -> tuple[list[int], int]:
    if width != _VARINT:
        return _fixed_list(buf, at, width, count)
    out = []
    for _ in range(count):
        value, at = _read_varint(buf, at)
        out.append(value)
    return out, at


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


def inline_mask(fp: FieldPostings, kind: int) -> np.ndarray:
    """Terms whose one posting the dictionary's statistics hold whole: a
    field without positions, a single posting, and (for frequencies) a
    count equal to the weight. Their postings are not written (an empty
    extent); the terms reader gives them to Whoosh as inlined postings.
    Most of a segment's terms are such (anchors, ids, digests, rare words),
    and a block would cost a 4-byte tag and a 24-byte header for each."""
    ts = fp.term_starts
    tlen = np.diff(ts)
    if kind not in (V_NONE, V_FREQ) or not len(tlen):
        return np.zeros(len(tlen), dtype=bool)
    single = tlen == 1
    if kind == V_FREQ:
        assert fp.counts is not None
        first = ts[:-1]
        w = fp.weights[first].astype(np.float64)
        single &= fp.counts[first].astype(np.float64) == w
    return single


def _select_terms(fp: FieldPostings, keep: np.ndarray) -> FieldPostings:
    """The postings of the kept terms (a field without positions)."""
    tlen = np.diff(fp.term_starts)
    rows = np.repeat(keep, tlen)
    ts = np.zeros(int(keep.sum()) + 1, dtype=np.int64)
    np.cumsum(tlen[keep], out=ts[1:])
    counts = None if fp.counts is None else fp.counts[rows]
    return FieldPostings(ts, fp.ids[rows], fp.weights[rows], fp.lengths[rows], counts=counts)


def _stat_arrays(stats: Sequence[tuple[Any, ...]]) -> dict[str, Any]:
    """Per-term statistic tuples (as _term_stats gives them) as the term file's arrays."""
    cols = list(zip(*stats, strict=True)) if stats else [()] * 7
    weight, df, minlb, maxlb, maxweight, minid, maxid = (np.asarray(c) for c in cols)
    return {
        "df": df.astype(np.int64),
        "weight": weight.astype(np.float64),
        "maxweight": maxweight.astype(np.float64),
        "minlb": minlb.astype(np.int64),
        "maxlb": maxlb.astype(np.int64),
        "minid": minid.astype(np.int64),
        "span": maxid.astype(np.int64) - minid.astype(np.int64),
    }


class SearchkitFieldWriter(base.FieldWriter):
    """Writes a segment's postings and its term file (searchkit.termfile):
    Whoosh's term-at-a-time interface (merges through Whoosh's writer), and
    a call that writes a whole field's postings from arrays (the bulk
    writer's path)."""

    def __init__(self, codec: Any, storage: Any, segment: Any) -> None:
        self._codec = codec
        self._storage = storage
        self._segment = segment
        self._terms = termfile.TermFileWriter(segment.create_file(storage, whoosh3.W3Codec.TERMS_EXT))
        self._postfile = segment.create_file(storage, whoosh3.W3Codec.POSTS_EXT)
        self._fieldname: str | None = None
        self._fieldobj: Any = None
        self._postwriter: Any = None
        self._infield = False
        self.is_closed = False
        # add_field_postings may give a field in several calls (a merge writes
        # it a range of terms at a time): its entries wait here until the next field.
        self._pending: tuple[str, list[bytes], list[dict[str, Any]], int, list[np.ndarray]] | None = None

    def _flush_pending(self) -> None:
        if self._pending is None:
            return
        name, keys, stats, base, offsets = self._pending
        self._pending = None
        joined = {k: np.concatenate([st[k] for st in stats]) for k in stats[0]}
        tail = [o[1:] for o in offsets[1:]]
        self._terms.add_field(name, keys, joined, base, np.concatenate([offsets[0], *tail]))

    # Whoosh's interface: one term at a time, the field's entries kept until finish_field.
    def start_field(self, fieldname: str, fieldobj: Any) -> None:
        self._flush_pending()
        self._fieldname = fieldname
        self._fieldobj = fieldobj
        self._infield = True
        self._postwriter = self._codec.postings_writer(self._postfile)
        self._keys: list[bytes] = []
        self._rows: list[tuple[Any, ...]] = []
        self._extents: list[tuple[int, int]] = []
        self._base = self._postfile.tell()

    def start_term(self, btext: bytes) -> None:
        if self._postwriter is None:
            raise Exception("Called start_term before start_field")
        if self._keys and btext <= self._keys[-1]:
            raise ValueError(f"Keys must increase: {self._keys[-1]!r}..{btext!r}")
        self._btext = btext
        self._postwriter.start_postings(self._fieldobj.format, whoosh3.W3TermInfo())

    def add(self, docnum: int, weight: float, vbytes: bytes, length: int | None) -> None:
        self._postwriter.add_posting(docnum, weight, vbytes, length)

    def finish_term(self) -> None:
        ti = self._postwriter.finish_postings()
        if not self._postwriter.written():
            return  # no postings: W3 would keep an empty entry, which no reader can use
        minlb = 0 if ti._minlength is None else length_to_byte(ti._minlength)
        self._keys.append(self._btext)
        self._rows.append(
            (ti._weight, ti._df, minlb, length_to_byte(ti._maxlength), ti._maxweight, ti._minid, ti._maxid)
        )
        self._extents.append(ti.extent())

    def finish_field(self) -> None:
        if not self._infield:
            raise Exception("Called finish_field before start_field")
        assert self._fieldname is not None
        offsets = [off - self._base for off, _ in self._extents] + [self._postfile.tell() - self._base]
        for (off, length), nxt in zip(self._extents, offsets[1:], strict=True):
            if off - self._base + length != nxt:
                raise ValueError("searchkit codec: a field's postings must be written term after term")
        self._terms.add_field(self._fieldname, self._keys, _stat_arrays(self._rows), self._base, offsets)
        self._infield = False
        self._postwriter = None

    def close(self) -> None:
        self._flush_pending()
        self._terms.close()
        self._postfile.close()
        self.is_closed = True

    def add_field_postings(self, fieldname: str, fieldobj: Any, terms: Sequence[bytes], fp: FieldPostings) -> None:
        """All of a field's terms (ascending) and their postings, in one call."""
        self.add_encoded(fieldname, encode_postings(fieldobj, terms, fp, self.blocklimit))

    @property
    def blocklimit(self) -> int:
        return int(self._codec._blocklimit)

    def add_encoded(self, fieldname: str, encoded: EncodedField) -> None:
        """A field's postings as :func:`encode_postings` made them (the bulk
        writer may have one field encoded in a worker process while it
        encodes the others: only this writing step goes in field order)."""
        terms, data, offsets, stats = encoded
        base = self._postfile.tell()
        self._postfile.write(data)
        pending = self._pending
        if pending is not None and pending[0] == fieldname:
            if terms and pending[1] and terms[0] <= pending[1][-1]:
                raise ValueError(f"Keys must increase: {pending[1][-1]!r}..{terms[0]!r}")
            pending[1].extend(terms)
            pending[2].append(stats)
            pending[4].append(np.asarray(offsets, dtype=np.int64) + (base - pending[3]))
            return
        self._flush_pending()
        self._pending = (fieldname, list(terms), [stats], base, [np.asarray(offsets, dtype=np.int64)])


# A field's encoded postings: its terms, the posting bytes, each term's
# start in them (one more than the terms) and the term statistics.
EncodedField = tuple[Sequence[bytes], bytes, "np.ndarray", Any]  # a string: opening an index must not import numpy


def encode_postings(fieldobj: Any, terms: Sequence[bytes], fp: FieldPostings, blocklimit: int) -> EncodedField:
    """A field's terms (ascending) and postings as the bytes the field writer
    writes; no state of the writer's, so it may run in another process."""
    if any(a >= b for a, b in itertools.pairwise(terms)):
        raise ValueError("Keys must increase")
    kind = value_kind(fieldobj.format)
    inline = inline_mask(fp, kind) if len(terms) else np.zeros(0, dtype=bool)
    written = fp if not inline.any() else _select_terms(fp, ~inline)
    if kind == V_RAW:
        encoded = encode_terms_by_block(written, kind, blocklimit)
        data = b"".join(d for d, _ in encoded)
        bounds = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(d) for d, _ in encoded], out=bounds[1:])
    elif len(written.term_starts) > 1:
        data, blist, _ = encode_field(written, kind, blocklimit)
        bounds = np.asarray(blist, dtype=np.int64)
    else:
        data, bounds = b"", np.zeros(1, dtype=np.int64)
    # Each term's start; an inlined term starts (and ends) where the next written one starts.
    kept = ~inline
    at = np.cumsum(kept) - kept
    offsets = np.append(bounds[at], bounds[-1]) if len(terms) else np.zeros(1, dtype=np.int64)
    return terms, data, offsets, _term_arrays(fp)


# ---------------------------------------------------------------- reading


def weight_bytes(wcode: int, count: int) -> int:
    """The bytes ``count`` weights of code ``wcode`` take in a block (none
    when all are 1)."""
    return 0 if wcode == _W_ONES else (4 if wcode == _W_FLOAT else wcode) * count


def value_header(buf: Any, at: int, kind: int) -> tuple[int, int, int, int, int, int]:
    """The header of a block's value section at ``buf[at]``: the widths of
    its counts, positions, starts and lengths (the last two 0 but for
    V_CHARS), how many values each array holds, and the header's size."""
    if kind == V_POSITIONS:
        (total,) = struct.unpack_from("<I", buf, at + 2)
        return buf[at], buf[at + 1], 0, 0, total, 6
    (total,) = struct.unpack_from("<I", buf, at + 4)
    return buf[at], buf[at + 1], buf[at + 2], buf[at + 3], total, 8


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
        "position",
        "wcode",
    )

    def __init__(self, postfile: Any, position: int) -> None:
        raw = postfile.get(position, _HEAD_MAX)
        (
            self.count,
            self.firstid,
            self.maxid,
            self.maxweight,
            self.minlb,
            self.maxlb,
            self.iw,
            self.wcode,
            data,
            end,
            self.last,
        ) = parse_head(raw, 0)
        self.position = position
        self.dataoffset = position + data
        self.nextoffset = position + end

    def ids_weights(self, postfile: Any) -> tuple[np.ndarray, np.ndarray, int]:
        n = self.count
        idlen = self.iw * (n - 1)
        wlen = weight_bytes(self.wcode, n)
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

    def id_weight_lists(self, postfile: Any) -> tuple[list[int], list[float]]:
        """ids_weights' values as lists, without numpy (the matcher's read)."""
        n = self.count
        idlen, wlen, _ = self._sizes()
        buf = postfile.get(self.dataoffset, idlen + wlen)
        ids = list(itertools.accumulate(_fixed_list(buf, 0, self.iw, n - 1)[0], initial=self.firstid))
        weights: list[float]
        if self.wcode == _W_ONES:
            weights = [1.0] * n
        elif self.wcode == _W_FLOAT:
            weights = termfile.typed(buf, idlen, "<f4", n).tolist()
        else:
            weights = [float(w) for w in _fixed_list(buf, idlen, self.wcode, n)[0]]
        return ids, weights

    def value_lists(self, postfile: Any, kind: int, weights: list[float]) -> ListValues:
        """values() as lists (ListValues), given the block's weights."""
        _, _, voffset = self._sizes()
        return ListValues(kind, postfile.get(voffset, self.nextoffset - voffset), self.count, weights)

    def values(self, postfile: Any, kind: int) -> BlockValues:
        _, _, voffset = self._sizes()
        buf = postfile.get(voffset, self.nextoffset - voffset)
        weights = None
        if kind in (V_FREQ, V_POSITIONS, V_CHARS) and buf[0] == _CW_WEIGHTS:
            weights = self.ids_weights(postfile)[1]
        return BlockValues(kind, buf, self.count, weights)

    def _sizes(self) -> tuple[int, int, int]:
        n = self.count
        idlen = self.iw * (n - 1)
        wlen = weight_bytes(self.wcode, n)
        return idlen, wlen, self.dataoffset + idlen + wlen


def _blocks(postfile: Any, offset: int) -> list[_Block]:
    out = []
    position = offset
    while True:
        block = _Block(postfile, position)
        out.append(block)
        if block.last:
            return out
        position = block.nextoffset


def block_chain(buf: Any, pos: int) -> list[tuple[int, int, int, int]]:
    """(count, first id, id width, offset of the id deltas) of each block of
    the term whose postings start at ``buf[pos]`` (terms.py parses a field's
    ids from one read of its postings)."""
    out = []
    while True:
        count, first, _, _, _, _, iw, _, data, end, last = parse_head(buf, pos)
        out.append((count, first, iw, data))  # parse_head's offsets are buf's
        if last:
            return out
        pos = end


def block_sizes(postfile: Any, offset: int, kind: int) -> list[dict[str, int]]:
    """Bytes of each part of each block of the term at ``offset``
    (benchmarks/sizes.py: what the postings of a field cost, part by part)."""
    out = []
    for block in _blocks(postfile, offset):
        idlen, wlen, voffset = block._sizes()
        vlen = block.nextoffset - voffset
        part = {"head": block.dataoffset - block.position, "ids": idlen, "weights": wlen}
        n = block.count
        if kind in (V_FREQ, V_POSITIONS, V_CHARS):
            buf = postfile.get(voffset, vlen)
            cw = buf[0]
            vhead = {V_FREQ: 1, V_POSITIONS: 6, V_CHARS: 8}[kind]
            part["counts"] = vhead + cw * n
            if kind != V_FREQ:
                (total,) = struct.unpack_from("<I", buf, vhead - 4)
                at = vhead + cw * n
                end = _values_at(buf, at, buf[1], total)[1]
                part["positions"] = end - at
                if kind == V_CHARS:
                    send = _values_at(buf, end, buf[2], total)[1]
                    part["char starts"] = send - end
                    part["char lengths"] = buf[3] * total
        elif kind == V_RAW:
            part["raw values"] = vlen
        out.append(part)
    return out


def read_postings(postfile: Any, terminfo: Any) -> tuple[np.ndarray, np.ndarray]:
    """All of a term's ids (int32) and weights (float32), values untouched."""
    if terminfo.is_inlined():
        ids, weights, _ = terminfo.inlined_postings()
        return np.asarray(ids, dtype=np.int32), np.asarray(weights, dtype=np.float32)
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
    block is read differs: ids and weights decoded into lists once per block
    (Whoosh's collectors take one id at a time), values only on request
    (ListValues): no numpy, which the vectorized engine's reads use.
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
        self._baseoffset = self._startoffset  # no tag: the first block starts the postings

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
        self._ids, self._weights = self._block.id_weight_lists(self._postfile)

    def _read_weights(self) -> None:
        self._read_ids()

    def _read_values(self) -> None:
        if self._weights is None:
            self._read_ids()
        self._values = self._block.value_lists(self._postfile, self._kind, self._weights)

    def block_min_id(self) -> int:
        return int(self._block.firstid)

    def _block_values(self) -> ListValues:
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
        if astype == "frequency" and vals.counts:
            return vals.counts[self._i]
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


class _InlineTermInfo(whoosh3.W3TermInfo):
    """A term whose one posting the term file's statistics hold (no
    postings bytes, see inline_mask); its value follows from the field's
    format, which only the matcher knows (SearchkitCodec.postings_reader)."""

    searchkit_inline = True


class _Cursor(base.FieldCursor):
    """Whoosh's field cursor over one field of a term file."""

    def __init__(self, reader: SearchkitTermsReader, ft: termfile.FieldTerms | None, fieldobj: Any) -> None:
        self._reader = reader
        self._ft = ft
        self._fieldobj = fieldobj
        self._i = 0

    def _current(self) -> Any:
        ft = self._ft
        if ft is None or self._i >= ft.n:
            return None
        return self._fieldobj.from_bytes(ft.key(self._i))

    def first(self) -> Any:
        self._i = 0
        return self._current()

    def find(self, term: Any) -> Any:
        if not isinstance(term, bytes):
            term = self._fieldobj.to_bytes(term)
        self._i = self._ft.from_key(term) if self._ft is not None else 0
        return self._current()

    def next(self) -> Any:
        self._i += 1
        return self._current()

    def text(self) -> Any:
        return self._current()

    def term_info(self) -> Any:
        if not self.is_valid():
            return None
        assert self._ft is not None
        return self._reader._info(self._ft, self._i)

    def is_valid(self) -> bool:
        return self._ft is not None and self._i < self._ft.n


class SearchkitTermsReader(base.TermsReader):
    """Whoosh's ``TermsReader`` over a term file (searchkit.termfile).

    Opening reads only the file's directory (no numpy); a field's section is
    decoded on its first lookup, and a lookup is then a binary search over
    the field's keys.
    """

    def __init__(self, codec: Any, dbfile: Any, length: int, postfile: Any) -> None:
        self._codec = codec
        self._dbfile = dbfile
        self._postfile = postfile
        self._file = termfile.TermFileReader(dbfile, length)

    def _field(self, fieldname: str) -> termfile.FieldTerms | None:
        return self._file.field(fieldname)

    def _find(self, fieldname: str, tbytes: bytes) -> tuple[termfile.FieldTerms, int]:
        ft = self._field(fieldname)
        i = -1 if ft is None else ft.find(tbytes)
        if i < 0:
            raise TermNotFound(f"No term {fieldname}:{tbytes!r}")
        assert ft is not None
        return ft, i

    def _info(self, ft: termfile.FieldTerms, i: int) -> Any:
        weight, df, minlb, maxlb, maxweight, minid, maxid, offset, length = ft.row(i)
        ti: Any = (_InlineTermInfo if length == 0 else whoosh3.W3TermInfo)()
        ti._weight = weight
        ti._df = df
        ti._minlength = byte_to_length(minlb)
        ti._maxlength = byte_to_length(maxlb)
        ti._maxweight = maxweight
        ti._minid = minid
        ti._maxid = maxid
        if length == 0:
            ti._inlined = ((minid,), (weight,), None)
        else:
            ti._offset = offset
            ti._length = length
        return ti

    # Whoosh's TermsReader interface.
    def __contains__(self, term: Any) -> bool:
        fieldname, tbytes = term
        ft = self._field(fieldname)
        return ft is not None and ft.find(tbytes) >= 0

    def indexed_field_names(self) -> list[str]:
        return list(self._file.order)

    def cursor(self, fieldname: str, fieldobj: Any) -> _Cursor:
        return _Cursor(self, self._field(fieldname), fieldobj)

    def _walk(self, fieldname: str | None, prefix: bytes) -> Any:
        """(field, index) of every term from (fieldname, prefix) on, in file order."""
        order = self._file.order
        if fieldname is None:
            first, start = 0, 0
        elif fieldname in order:
            first = order.index(fieldname)
            ft = self._field(fieldname)
            start = ft.from_key(prefix) if ft is not None else 0
        else:
            return
        for k in range(first, len(order)):
            ft = self._field(order[k])
            if ft is None:
                continue
            for i in range(start if k == first else 0, ft.n):
                yield ft, i

    def terms(self) -> Any:
        return ((ft.name, ft.keys[i]) for ft, i in self._walk(None, b""))

    def terms_from(self, fieldname: str, prefix: bytes) -> Any:
        return ((ft.name, ft.keys[i]) for ft, i in self._walk(fieldname, prefix))

    def items(self) -> Any:
        return (((ft.name, ft.keys[i]), self._info(ft, i)) for ft, i in self._walk(None, b""))

    def items_from(self, fieldname: str, prefix: bytes) -> Any:
        return (((ft.name, ft.keys[i]), self._info(ft, i)) for ft, i in self._walk(fieldname, prefix))

    def term_info(self, fieldname: str, tbytes: bytes) -> Any:
        return self._info(*self._find(fieldname, tbytes))

    def _stat(self, fieldname: str, tbytes: bytes, name: str) -> Any:
        # An absent term raises KeyError here, as W3's hash file does: Whoosh's reader turns it into 0.
        try:
            ft, i = self._find(fieldname, tbytes)
        except TermNotFound as e:
            raise KeyError((fieldname, tbytes)) from e
        return ft.value(name, i)

    def frequency(self, fieldname: str, tbytes: bytes) -> float:
        return float(self._stat(fieldname, tbytes, "weight"))

    def doc_frequency(self, fieldname: str, tbytes: bytes) -> int:
        return int(self._stat(fieldname, tbytes, "df"))

    def matcher(self, fieldname: str, tbytes: bytes, format_: Any, scorer: Any = None) -> Any:
        terminfo = self.term_info(fieldname, tbytes)
        return self._codec.postings_reader(self._postfile, terminfo, format_, term=(fieldname, tbytes), scorer=scorer)

    def close(self) -> None:
        self._file.close()
        self._postfile.close()

    # searchkit's bulk reads (terms.py, w3blocks.dictionary, benchmarks/sizes.py).
    def dictionary(self, fieldname: str) -> tuple[list[bytes], list[int]]:
        """The field's terms in order and each one's document frequency."""
        ft = self._field(fieldname)
        if ft is None:
            return [], []
        return list(ft.keys), ft.stat("df").tolist()

    def entries(self, fieldname: str) -> list[tuple[bytes, int, int, int]]:
        """(term, document frequency, postings offset, postings length) of
        every term of the field, in order; offset -1 for a posting held by
        the dictionary (see inline_mask)."""
        ft = self._field(fieldname)
        if ft is None:
            return []
        starts = ft.offsets[:-1]
        lengths = (ft.offsets[1:] - starts).tolist()
        offs = np.where(ft.offsets[1:] > starts, starts + ft.base, -1).tolist()
        return list(zip(ft.keys, ft.stat("df").tolist(), offs, lengths, strict=True))

    def field_sizes(self) -> dict[str, dict[str, int]]:
        return self._file.sizes()


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
            if getattr(terminfo, "searchkit_inline", False):
                # The one posting's value from its weight (see inline_mask).
                values = (pack_uint(int(weights[0])),) if value_kind(format_) == V_FREQ else (None,)
            return ListMatcher(ids, weights, values, format_, scorer=scorer, term=term, terminfo=terminfo)
        offset, length = terminfo.extent()
        return SearchkitLeafMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)

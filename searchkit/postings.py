"""A term's postings in one segment as whole numpy arrays.

This is the seam between the storage engine and the vectorized query
evaluator: the evaluator asks for arrays and never walks Whoosh matchers
itself. The functions here read any Whoosh segment through its matcher
(correct, but one Python step per posting); for a segment the searchkit
codec wrote they decode its typed-array blocks with ``numpy.frombuffer``
instead (:func:`searchkit.codec.read_postings`), reached through the reader
attributes ``searchkit_term_postings``/``_positions``/``_chars`` that
``whoosh_fixes.apply`` gives Whoosh's segment reader (None on other
segments), and
``generic_*`` keeps the matcher path callable on its own.

Contract (both paths must give identical answers, proven by a test):

- ``term_postings(leaf, field, text)``: segment-local document numbers
  (``int32``, strictly ascending, deleted documents *included*: callers mask
  deletions) and weights (``float32``, the term frequency Whoosh would
  score, boosts included), or two empty arrays when the term is absent.
- ``term_positions(leaf, field, text, docs)``: for each document number in
  ``docs`` (ascending, a subset of the term's postings), the term's word
  positions as an ``int32`` array, in the same order as ``docs``.
- ``term_chars(leaf, field, text, docs)``: likewise, ``(start, end)``
  character offsets as an ``int32`` array of shape ``(n, 2)``.

``text`` is the term as Whoosh stores it (``str`` for text fields).

The same values flat, for many documents at once (what the engine asks
for: a phrase's candidates, a page of snippets), without a Python step per
document on the codec's segments:

- ``flat_positions(leaf, field, text, docs)``: ``(counts, positions)``, each
  document's number of positions (``int64``, in the order of ``docs``) and
  all of them one document after another (``int64``).
- ``flat_spans(leaf, field, text, docs)``: ``(counts, spans)``, likewise
  with an ``int64`` array of shape ``(m, 3)``: position, start, end.
"""

from __future__ import annotations

import bisect
import contextlib
import io
import itertools
import mmap
import struct
from collections import OrderedDict
from typing import Any, cast

import numpy as np
from whoosh.reading import TermNotFound

from . import codec

_EMPTY_IDS = np.zeros(0, dtype=np.int32)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float32)


def searchkit_term_postings(leaf: Any, fieldname: str, text: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """The fast path, as whoosh_fixes gives it to segment readers of the codec."""
    return _fast_postings(leaf, fieldname, text)


def searchkit_term_positions(leaf: Any, fieldname: str, text: Any, docs: np.ndarray) -> list[np.ndarray] | None:
    return _fast_values(leaf, fieldname, text, docs, "positions")


def searchkit_term_chars(leaf: Any, fieldname: str, text: Any, docs: np.ndarray) -> list[np.ndarray] | None:
    return _fast_values(leaf, fieldname, text, docs, "chars")


def _fast_terminfo(leaf: Any, fieldname: str, text: Any) -> Any | None:
    """The term's info in a segment the searchkit codec wrote, ``False``
    when the term is absent, None when its postings are not in blocks."""
    try:
        terminfo = leaf.term_info(fieldname, text)
    except TermNotFound:
        return False
    return None if terminfo.is_inlined() else terminfo


def _fast_postings(leaf: Any, fieldname: str, text: Any) -> tuple[np.ndarray, np.ndarray] | None:
    terminfo = _fast_terminfo(leaf, fieldname, text)
    if terminfo is None:
        return None
    if terminfo is False:
        return _EMPTY_IDS, _EMPTY_WEIGHTS
    return codec.read_postings(leaf._terms._postfile, terminfo)


def _fast_values(leaf: Any, fieldname: str, text: Any, docs: np.ndarray, what: str) -> list[np.ndarray] | None:
    terminfo = _fast_terminfo(leaf, fieldname, text)
    if terminfo is None:
        return None
    fmt = leaf.schema[fieldname].format
    kind = codec.value_kind(fmt)
    wanted = (codec.V_CHARS,) if what == "chars" else (codec.V_POSITIONS, codec.V_CHARS)
    if kind not in wanted:
        return None  # the generic path raises what Whoosh raises for a format without them
    if terminfo is False:
        empty = np.zeros(0, dtype=np.int32) if what == "positions" else np.zeros((0, 2), dtype=np.int32)
        return [empty for _ in docs]
    return codec.read_values(leaf._terms._postfile, terminfo, fmt, docs, what)


def _matcher(leaf: Any, fieldname: str, text: Any) -> Any | None:
    if (fieldname, text) not in leaf:
        return None
    return leaf.postings(fieldname, text)


def term_postings(leaf: Any, fieldname: str, text: Any) -> tuple[np.ndarray, np.ndarray]:
    fast = getattr(leaf, "searchkit_term_postings", None)
    found = fast(fieldname, text) if fast is not None else None
    return found if found is not None else generic_term_postings(leaf, fieldname, text)


def generic_term_postings(leaf: Any, fieldname: str, text: Any) -> tuple[np.ndarray, np.ndarray]:
    """:func:`term_postings` through Whoosh's matcher, for a segment of any codec."""
    m = _matcher(leaf, fieldname, text)
    if m is None:
        return _EMPTY_IDS, _EMPTY_WEIGHTS
    ids: list[int] = []
    weights: list[float] = []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return np.asarray(ids, dtype=np.int32), np.asarray(weights, dtype=np.float32)


def _values(leaf: Any, fieldname: str, text: Any, docs: np.ndarray, kind: str) -> list[Any]:
    m = _matcher(leaf, fieldname, text)
    out: list[Any] = []
    if m is None:
        return [np.zeros(0, dtype=np.int32) for _ in docs]
    for doc in docs.tolist():
        if m.is_active() and m.id() < doc:
            m.skip_to(doc)
        if m.is_active() and m.id() == doc:
            out.append(m.value_as(kind))
        else:
            out.append(None)
    return out


def term_positions(leaf: Any, fieldname: str, text: Any, docs: np.ndarray) -> list[np.ndarray]:
    fast = getattr(leaf, "searchkit_term_positions", None)
    found = fast(fieldname, text, docs) if fast is not None else None
    return found if found is not None else generic_term_positions(leaf, fieldname, text, docs)


def generic_term_positions(leaf: Any, fieldname: str, text: Any, docs: np.ndarray) -> list[np.ndarray]:
    return [
        np.asarray(v if v is not None else (), dtype=np.int32)
        for v in _values(leaf, fieldname, text, docs, "positions")
    ]


def term_chars(leaf: Any, fieldname: str, text: Any, docs: np.ndarray) -> list[np.ndarray]:
    fast = getattr(leaf, "searchkit_term_chars", None)
    found = fast(fieldname, text, docs) if fast is not None else None
    return found if found is not None else generic_term_chars(leaf, fieldname, text, docs)


def generic_term_chars(leaf: Any, fieldname: str, text: Any, docs: np.ndarray) -> list[np.ndarray]:
    out = []
    for v in _values(leaf, fieldname, text, docs, "characters"):
        # Whoosh gives (position, start, end) triples for a Characters format.
        arr = np.asarray(v if v is not None else (), dtype=np.int32).reshape(-1, 3)
        out.append(np.ascontiguousarray(arr[:, 1:]))
    return out


def _is_codec_segment(leaf: Any) -> bool:
    return getattr(leaf, "searchkit_term_postings", None) is not None


class _Mapped:
    """A memory-mapped file read as Whoosh's StructFile reads (``get``)."""

    __slots__ = ("_map",)

    def __init__(self, mapped: mmap.mmap) -> None:
        self._map = mapped

    def get(self, position: int, length: int) -> bytes:
        return self._map[position : position + length]


class _Layout:
    """Where a codec block's value section keeps each array (the layout
    ``codec.BlockValues`` reads): the positions' deltas from ``base``, then
    for V_CHARS the start deltas and the lengths, ``total`` values each of
    ``pw``/``sw``/``lw`` bytes; posting i's run is ``firsts[i]`` to
    ``firsts[i + 1]`` of each."""

    __slots__ = ("base", "decoded", "first_list", "firsts", "lw", "pw", "sw", "total")

    def __init__(self, postfile: Any, block: Any, kind: int) -> None:
        _, _, voffset = block._sizes()
        n = block.count
        head = postfile.get(voffset, 8)
        if kind == codec.V_POSITIONS:
            cw, self.pw, self.sw, self.lw = head[0], head[1], 0, 0
            (self.total,) = struct.unpack_from("<I", head, 2)
            at = voffset + 6
        else:
            cw, self.pw, self.sw, self.lw = head[0], head[1], head[2], head[3]
            (self.total,) = struct.unpack_from("<I", head, 4)
            at = voffset + 8
        # engine-size: count width 0 means the counts are the block's weights,
        # and a position or start width 0 varints (no random access: the
        # block's values are decoded once, codec.BlockValues, and indexed).
        if cw == 0:
            counts = block.ids_weights(postfile)[1].astype(np.int64)
        else:
            counts = np.frombuffer(postfile.get(at, cw * n), dtype=_WIDTHS[cw], count=n)
        self.firsts = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=self.firsts[1:])
        self.first_list: list[int] | None = None
        self.base = at + cw * n
        self.decoded = (
            block.values(postfile, kind) if self.pw == 0 or (kind == codec.V_CHARS and self.sw == 0) else None
        )

    def runs(self) -> list[int]:
        if self.first_list is None:
            self.first_list = self.firsts.tolist()
        return self.first_list

    def triples(self, postfile: Any, row: int, spans: bool) -> list[tuple[int, int, int]] | list[int]:
        """Posting ``row``'s positions, or with ``spans`` its (position,
        start, end) triples, read and summed in Python."""
        firsts = self.runs()
        first, count = firsts[row], firsts[row + 1] - firsts[row]
        if self.decoded is not None:  # engine-size: varint arrays, decoded whole
            d = self.decoded
            got = d.positions[first : first + count].tolist()
            if not spans:
                return got
            starts, ends = d.starts[first : first + count].tolist(), d.ends[first : first + count].tolist()
            return list(zip(got, starts, ends, strict=True))
        pw, sw, lw, at = self.pw, self.sw, self.lw, self.base
        pos = itertools.accumulate(struct.unpack(f"<{count}{_CODES[pw]}", postfile.get(at + pw * first, pw * count)))
        if not spans:
            return list(pos)
        at += pw * self.total
        sdelta = struct.unpack(f"<{count}{_CODES[sw]}", postfile.get(at + sw * first, sw * count))
        at += sw * self.total
        lens = struct.unpack(f"<{count}{_CODES[lw]}", postfile.get(at + lw * first, lw * count))
        # As BlockValues: positions and ends are running sums within the
        # posting (start = previous end + delta, end = start + length).
        ends = itertools.accumulate(d + n for d, n in zip(sdelta, lens, strict=True))
        return [(p, e - n, e) for p, e, n in zip(pos, ends, lens, strict=True)]

    def rows(self, postfile: Any, rows: np.ndarray, spans: bool) -> tuple[np.ndarray, np.ndarray]:
        """Some postings' values at once (``rows`` ascending): each one's
        number of positions, and the positions (or with ``spans``
        (position, start, end) rows) one posting after another."""
        first = self.firsts[rows]
        n = self.firsts[rows + 1] - first
        # Each posting's values are one run of the section's arrays.
        take = np.repeat(first - np.cumsum(n) + n, n) + np.arange(int(n.sum()), dtype=np.int64)
        if self.decoded is not None:  # engine-size: varint arrays, decoded whole
            d = self.decoded
            if not spans:
                return n, d.positions[take]
            return n, np.column_stack((d.positions[take], d.starts[take], d.ends[take]))
        lo, hi = int(first[0]), int(first[-1] + n[-1])
        take -= lo
        pw, sw, lw, total = self.pw, self.sw, self.lw, self.total
        pdelta = np.frombuffer(postfile.get(self.base + pw * lo, pw * (hi - lo)), dtype=_WIDTHS[pw])
        positions = codec._segment_cumsum(pdelta[take].astype(np.int64), n)
        if not spans:
            return n, positions
        at = self.base + pw * total
        sdelta = np.frombuffer(postfile.get(at + sw * lo, sw * (hi - lo)), dtype=_WIDTHS[sw])[take].astype(np.int64)
        at += sw * total
        lens = np.frombuffer(postfile.get(at + lw * lo, lw * (hi - lo)), dtype=_WIDTHS[lw])[take].astype(np.int64)
        # As BlockValues: start = previous end + delta, end = start + length.
        ends = codec._segment_cumsum(sdelta + lens, n)
        return n, np.column_stack((positions, ends - lens, ends))


class BlockMemo:
    """What is read of the codec's blocks, kept by the caller (the engine
    keeps one per searcher): each term's block headers, a block's ids and
    the layout of its value section. A phrase's candidates and then the
    page's snippets read the same blocks, and a word is often asked for
    again; the values themselves are decoded per posting when asked for.
    Keys hold the postings file's identity, valid while the searcher
    holding that file is open."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._chains: OrderedDict[tuple[int, int], tuple[list[Any], np.ndarray]] = OrderedDict()
        self._ids: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()
        self._id_lists: OrderedDict[tuple[int, int], list[int]] = OrderedDict()
        self._layouts: OrderedDict[tuple[int, int], _Layout] = OrderedDict()
        self._terminfos: OrderedDict[tuple[int, str, Any], Any] = OrderedDict()
        self._files: dict[int, Any] = {}
        self._segments: dict[int, bool] = {}
        self._kinds: dict[tuple[int, str], int] = {}

    def is_codec(self, leaf: Any) -> bool:
        """``_is_codec_segment``, once per segment."""
        found = self._segments.get(id(leaf))
        if found is None:
            found = self._segments[id(leaf)] = _is_codec_segment(leaf)
        return found

    def kind(self, leaf: Any, fieldname: str) -> int:
        """``codec.value_kind`` of the field's format, once per segment."""
        key = (id(leaf), fieldname)
        found = self._kinds.get(key)
        if found is None:
            found = self._kinds[key] = codec.value_kind(leaf.schema[fieldname].format)
        return found

    def mapped(self, postfile: Any) -> Any:
        """The postings file as a memory map with the file's ``get``: a
        query reads a hundred small pieces of it (block headers, ids, a
        posting's values), each a seek and a read call on the file itself.
        The file itself when it cannot be mapped. Kept with the memo, as
        long as the searcher that holds the file."""
        key = id(postfile)
        found = self._files.get(key)
        if found is None:
            found = postfile
            # Not a plain file (an in-memory one), or an empty one: read it as it is.
            with contextlib.suppress(AttributeError, OSError, ValueError, io.UnsupportedOperation):
                found = _Mapped(mmap.mmap(postfile.file.fileno(), 0, access=mmap.ACCESS_READ))
            self._files[key] = found
        return found

    def terminfo(self, leaf: Any, fieldname: str, text: Any) -> Any | None:
        """``_fast_terminfo`` of a segment the searchkit codec wrote, kept:
        a phrase reads its words' postings, then their positions, then the
        page's offsets, each in every segment."""
        key = (id(leaf), fieldname, text)
        if key in self._terminfos:
            return self._terminfos[key]
        found = _fast_terminfo(leaf, fieldname, text)
        self._keep(self._terminfos, key, found)
        return found

    def postings(self, leaf: Any, fieldname: str, text: Any) -> tuple[np.ndarray, np.ndarray] | None:
        """:func:`term_postings` on a segment the searchkit codec wrote, as
        ``int64`` ids and ``float32`` weights, each block's ids kept for the
        positions and offsets asked for next; None on other segments."""
        if not self.is_codec(leaf):
            return None
        terminfo = self.terminfo(leaf, fieldname, text)
        if terminfo is None:
            return None
        if terminfo is False:
            return _EMPTY_IDS.astype(np.int64), _EMPTY_WEIGHTS
        postfile = self.mapped(leaf._terms._postfile)
        blocks, _ = self.chain(postfile, terminfo.extent()[0])
        ids_parts = []
        weight_parts = []
        for block in blocks:
            ids, weights, _ = block.ids_weights(postfile)
            self._keep(self._ids, (id(postfile), block.dataoffset), ids)
            ids_parts.append(ids)
            weight_parts.append(weights)
        if len(blocks) == 1:
            return ids_parts[0], weight_parts[0]
        return np.concatenate(ids_parts), np.concatenate(weight_parts)

    def chain(self, postfile: Any, offset: int) -> tuple[list[Any], np.ndarray]:
        """A term's blocks and each block's last id."""
        key = (id(postfile), offset)
        found = self._chains.get(key)
        if found is None:
            blocks = codec._blocks(postfile, offset)
            found = blocks, np.asarray([b.maxid for b in blocks], dtype=np.int64)
            self._keep(self._chains, key, found)
        return found

    def ids(self, postfile: Any, block: Any) -> np.ndarray:
        """A block's ids (its values left encoded)."""
        key = (id(postfile), block.dataoffset)
        found = self._ids.get(key)
        if found is None:
            found = block.ids_weights(postfile)[0]
            self._keep(self._ids, key, found)
        return found

    def id_list(self, postfile: Any, block: Any) -> list[int]:
        """A block's ids as a list (for a few look-ups by bisection)."""
        key = (id(postfile), block.dataoffset)
        found = self._id_lists.get(key)
        if found is None:
            found = self.ids(postfile, block).tolist()
            self._keep(self._id_lists, key, found)
        return found

    def layout(self, postfile: Any, block: Any, kind: int) -> _Layout:
        """A codec block's value-section layout (V_POSITIONS or V_CHARS)."""
        key = (id(postfile), block.dataoffset)
        found = self._layouts.get(key)
        if found is None:
            found = _Layout(postfile, block, kind)
            self._keep(self._layouts, key, found)
        return found

    def _keep(self, table: OrderedDict[Any, Any], key: Any, value: Any) -> None:
        table[key] = value
        if len(table) > self.size:
            table.popitem(last=False)


def _codec_flat(
    leaf: Any, fieldname: str, text: Any, docs: np.ndarray, chars: bool, memo: BlockMemo | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """The codec's whole-block read of flat positions (or spans), or None for
    a segment another codec wrote (the contract functions then apply)."""
    codec_segment = memo.is_codec(leaf) if memo is not None else _is_codec_segment(leaf)
    return _fast_flat(leaf, fieldname, text, docs, chars, memo) if codec_segment else None


def flat_positions(
    leaf: Any, fieldname: str, text: Any, docs: np.ndarray, memo: BlockMemo | None = None
) -> tuple[np.ndarray, np.ndarray]:
    found = _codec_flat(leaf, fieldname, text, docs, False, memo)
    if found is not None:
        return found
    lists = term_positions(leaf, fieldname, text, docs)
    return _counts(lists), (np.concatenate(lists).astype(np.int64) if lists else np.zeros(0, dtype=np.int64))


def flat_spans(
    leaf: Any, fieldname: str, text: Any, docs: np.ndarray, memo: BlockMemo | None = None
) -> tuple[np.ndarray, np.ndarray]:
    found = _codec_flat(leaf, fieldname, text, docs, True, memo)
    if found is not None:
        return found
    spots = term_positions(leaf, fieldname, text, docs)
    chars = term_chars(leaf, fieldname, text, docs)
    if not spots:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 3), dtype=np.int64)
    pos = np.concatenate(spots).astype(np.int64)
    return _counts(spots), np.column_stack((pos, np.concatenate(chars).astype(np.int64).reshape(-1, 2)))


def _counts(lists: list[np.ndarray]) -> np.ndarray:
    return np.fromiter((len(v) for v in lists), dtype=np.int64, count=len(lists))


def _fast_flat(
    leaf: Any, fieldname: str, text: Any, docs: np.ndarray, spans: bool, memo: BlockMemo | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """flat_positions / flat_spans over the codec's blocks: each block
    holding one of ``docs`` decoded once (or found in ``memo``), the
    documents' values gathered from it with one index array."""
    terminfo = memo.terminfo(leaf, fieldname, text) if memo is not None else _fast_terminfo(leaf, fieldname, text)
    if terminfo is None:
        return None
    kind = memo.kind(leaf, fieldname) if memo is not None else codec.value_kind(leaf.schema[fieldname].format)
    if kind not in ((codec.V_CHARS,) if spans else (codec.V_POSITIONS, codec.V_CHARS)):
        return None  # the generic path raises what Whoosh raises for a format without them
    want = np.asarray(docs, dtype=np.int64)
    counts = np.zeros(len(want), dtype=np.int64)
    pieces: list[np.ndarray] = []
    if terminfo is not False and len(want):
        memo = memo if memo is not None else BlockMemo()
        postfile = memo.mapped(leaf._terms._postfile)
        blocks, maxids = memo.chain(postfile, terminfo.extent()[0])
        if len(blocks) == 1:  # most terms of a segment (blocks hold up to 1,024 postings)
            which, los, his = np.zeros(1, dtype=np.int64), [0], [len(want)]
        else:
            which = np.searchsorted(maxids, want, side="left")
            # docs ascending, so each block's documents are one run of ``want``.
            bounds = np.flatnonzero(np.diff(which)) + 1
            los = np.concatenate(([0], bounds)).tolist()
            his = np.concatenate((bounds, [len(want)])).tolist()
        for lo, hi in zip(los, his, strict=True):
            bi = int(which[lo])
            if bi >= len(blocks):
                break
            ids = memo.ids(postfile, blocks[bi])
            sub = want[lo:hi]
            at = np.minimum(np.searchsorted(ids, sub), len(ids) - 1)
            at = np.where(ids[at] == sub, at, -1)
            rows = at[at >= 0]
            if not len(rows):
                continue
            layout = memo.layout(postfile, blocks[bi], kind)
            if len(rows) <= _FEW:
                found = [layout.triples(postfile, r, spans) for r in rows.tolist()]
                n = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
                flat = list(itertools.chain.from_iterable(found))
                values = np.asarray(flat, dtype=np.int64).reshape((-1, 3) if spans else -1)
            else:
                n, values = layout.rows(postfile, rows, spans)
            counts[lo:hi][at >= 0] = n
            pieces.append(values)
    if pieces:
        return counts, np.concatenate(pieces).astype(np.int64)
    return counts, (np.zeros((0, 3), dtype=np.int64) if spans else np.zeros(0, dtype=np.int64))


_WIDTHS = {1: "<u1", 2: "<u2", 4: "<u4"}
# Postings of one block read one at a time in Python rather than by numpy
# together (a numpy pass costs some twenty calls, whatever its size).
_FEW = 4
_CODES = {1: "B", 2: "H", 4: "I"}


def posting_spans(
    leaf: Any, fieldname: str, text: Any, docs: list[int], memo: BlockMemo
) -> dict[int, list[tuple[int, int, int]]] | None:
    """(position, start, end) of the term in each of ``docs`` (ascending
    segment-local numbers) that holds it, as lists: what a page of snippets
    asks for, a few documents each in its own block. Each posting's runs
    are read and summed in Python, without decoding its block's other
    postings (``flat_spans`` decodes many documents at once instead). None
    when the segment is not the codec's or the field has no offsets."""
    if not memo.is_codec(leaf):
        return None
    terminfo = memo.terminfo(leaf, fieldname, text)
    if terminfo is None or memo.kind(leaf, fieldname) != codec.V_CHARS:
        return None
    found: dict[int, list[tuple[int, int, int]]] = {}
    if terminfo is False or not docs:
        return found
    postfile = memo.mapped(leaf._terms._postfile)
    blocks, maxids = memo.chain(postfile, terminfo.extent()[0])
    last = maxids.tolist()
    for doc in docs:
        bi = bisect.bisect_left(last, doc)
        if bi >= len(blocks):
            break
        block = blocks[bi]
        ids = memo.id_list(postfile, block)
        row = bisect.bisect_left(ids, doc)
        if row >= len(ids) or ids[row] != doc:
            continue
        found[doc] = cast(
            list[tuple[int, int, int]], memo.layout(postfile, block, codec.V_CHARS).triples(postfile, row, True)
        )
    return found

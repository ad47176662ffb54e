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


map_file = codec.map_file  # there, where a read without numpy finds it too


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
        cw, self.pw, self.sw, self.lw, self.total, head = codec.value_header(postfile.get(voffset, 8), 0, kind)
        at = voffset + head
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
            mapped = map_file(postfile)
            found = postfile if mapped is None else _Mapped(mapped)
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


# ----------------------------------------------------- whole-searcher reads
# A searcher holds a score of segments (200,000 articles are 21 of them), and
# a query reads each of its words in every one: what costs is then not the
# numpy work on the postings but the Python steps around it per segment and
# per block (a term info object, a block object, a copy of the block's bytes,
# a dozen small numpy calls). ``Segments`` reads a term from every segment's
# term file and postings file directly (bisect over the keys, the block
# headers parsed from the memory map, each block's ids and weights written
# into one array and summed once), and keeps where each block is, for the
# positions and offsets a phrase or a snippet asks for next.

_ONE_ZERO = np.zeros(1, dtype=np.int64)
_ONES = np.ones(codec.BLOCK_POSTINGS, dtype=np.float64)


class TermBlocks:
    """One term's postings over all of a searcher's segments: global ids
    (ascending, deleted documents included), weights (float64, as Whoosh
    scores them), the stored postings count (Whoosh's summed document
    frequency), and each block's place: ``starts[b]`` is block b's first
    index into ``ids``, ``blocks[b]`` its (segment number, data offset,
    count, id width, weight code, next block's offset); a posting the term
    file holds whole (codec.inline_mask) is a block of one whose data
    offset is -1."""

    __slots__ = ("blocks", "df", "ids", "starts", "weights")

    def __init__(
        self, ids: np.ndarray, weights: np.ndarray, df: int, starts: np.ndarray, blocks: list[tuple[int, ...]]
    ) -> None:
        self.ids = ids
        self.weights = weights
        self.df = df
        self.starts = starts
        self.blocks = blocks


class Segments:
    """A searcher's segments as the searchkit codec wrote them, read without
    Whoosh's term infos and matchers (see the section's comment). ``usable``
    is False when a segment is another codec's, or its files are not plain
    files that can be memory-mapped: callers then read segment by segment
    (``BlockMemo``)."""

    def __init__(self, leaves: list[tuple[Any, int]], memo: BlockMemo) -> None:
        self.leaves = leaves
        self.offsets = [offset for _, offset in leaves]
        self.maps: list[Any] = []
        self._terms: list[Any] = []
        self._fields: dict[str, list[Any]] = {}
        self._kinds: dict[str, int] = {}
        self.usable = bool(leaves)
        for leaf, _ in leaves:
            terms = getattr(leaf, "_terms", None)
            if not memo.is_codec(leaf) or not isinstance(terms, codec.SearchkitTermsReader):
                self.usable = False
                return
            mapped = memo.mapped(terms._postfile)
            if not isinstance(mapped, _Mapped):
                self.usable = False
                return
            self.maps.append(mapped._map)
            self._terms.append(terms)

    def fields(self, fieldname: str) -> list[Any]:
        """Each segment's term-file section of the field (None where absent)."""
        found = self._fields.get(fieldname)
        if found is None:
            found = self._fields[fieldname] = [t._field(fieldname) for t in self._terms]
        return found

    def kind(self, fieldname: str) -> int:
        found = self._kinds.get(fieldname)
        if found is None:
            found = self._kinds[fieldname] = codec.value_kind(self.leaves[0][0].schema[fieldname].format)
        return found

    def term(self, fieldname: str, btext: bytes) -> TermBlocks:
        """The term's postings over every segment (empty when absent)."""
        blocks: list[tuple[int, ...]] = []
        firsts: list[int] = []  # each block's first id, global
        inline: list[tuple[int, float]] = []  # (index of the block, weight) of postings the term file holds
        lasts: list[int] = []
        df = 0
        total = 0
        parse = codec.parse_head
        for n, ft in enumerate(self.fields(fieldname)):
            if ft is None:
                continue
            i = ft.find(btext)
            if i < 0:
                continue
            df += int(ft.value("df", i))
            offset = self.offsets[n]
            start, end = ft.extent(i)
            if start == end:  # one posting, held by the term file
                first = int(ft.value("minid", i)) + offset
                inline.append((len(blocks), float(ft.value("weight", i))))
                blocks.append((n, -1, 1, 0, 0, 0))
                firsts.append(first)
                lasts.append(first)
                total += 1
                continue
            mm = self.maps[n]
            position = ft.base + start
            while True:
                count, first, last, _, _, _, iw, wc, data, nxt, final = parse(mm, position)
                blocks.append((n, data, count, iw, wc, nxt))
                firsts.append(first + offset)
                lasts.append(last + offset)
                total += count
                if final:
                    break
                position = nxt
        if not blocks:
            return TermBlocks(_NO_IDS64, _NO_WEIGHTS64, 0, _NO_IDS64, [])
        # Block starts and first gaps summed in Python: for a term's few
        # blocks, list arithmetic is cheaper than numpy's calls (~1 us each).
        start_list = [0, *itertools.accumulate([b[2] for b in blocks[:-1]])]
        # One array of id gaps summed once: a block's first entry is its
        # first id's distance from the last id of the block before (ids
        # ascend over blocks and segments alike), the rest its stored
        # deltas. Each block's deltas are viewed from one value before
        # them (the header's last bytes, overwritten below), so that the
        # views of all blocks are one concatenation: a view and a copy per
        # block cost twice as much.
        maps = self.maps
        gap_views: list[np.ndarray] = []
        weight_views: list[np.ndarray] = []
        for n, data, count, iw, wc, _ in blocks:
            if data < 0:
                gap_views.append(_ONE_ZERO)
                weight_views.append(_ONE_ZERO)  # set from the term file below
                continue
            mm = maps[n]
            gap_views.append(np.frombuffer(mm, dtype=_WIDTHS[iw], count=count, offset=data - iw))
            if wc == codec._W_ONES:
                weight_views.append(_ONES[:count] if count <= len(_ONES) else np.ones(count))
            else:
                wtype = "<f4" if wc == codec._W_FLOAT else _WIDTHS[wc]
                weight_views.append(np.frombuffer(mm, dtype=wtype, count=count, offset=data + iw * (count - 1)))
        if len(blocks) == 1:
            gaps = gap_views[0].astype(np.int64)
            weights = weight_views[0].astype(np.float64)
        else:
            gaps = np.concatenate(gap_views, dtype=np.int64)
            weights = np.concatenate(weight_views, dtype=np.float64)
        for b, w in inline:
            weights[start_list[b]] = w
        if len(blocks) == 1:
            starts = np.zeros(1, dtype=np.int64)
            gaps[0] = firsts[0]
        else:
            starts = np.array(start_list, dtype=np.int64)
            gaps[starts] = [firsts[0], *(first - last for first, last in zip(firsts[1:], lasts, strict=False))]
        ids = np.cumsum(gaps, out=gaps)
        return TermBlocks(ids, weights, df, starts, blocks)

    def values(self, fieldname: str, tb: TermBlocks, rows: np.ndarray, spans: bool) -> tuple[np.ndarray, np.ndarray]:
        """The positions (or with ``spans`` (position, start, end) rows) of
        the postings at ``rows`` (indexes into ``tb.ids``, ascending): each
        one's count (int64) and the values one posting after another (as
        ``flat_positions`` / ``flat_spans``).

        The value sections of the blocks holding the rows are copied into
        one buffer (a Python step per block: its value header, one slice),
        and the asked-for values gathered from it by one set of numpy
        passes whatever the number of blocks and segments; varints are
        found by one scan for their last bytes, not decoded whole."""
        kind = self.kind(fieldname)
        if kind not in ((codec.V_CHARS,) if spans else (codec.V_POSITIONS, codec.V_CHARS)):
            raise ValueError(f"searchkit: field {fieldname} has no {'offsets' if spans else 'positions'}")
        if not len(rows):
            return np.zeros(0, dtype=np.int64), np.zeros((0, 3) if spans else 0, dtype=np.int64)
        which = np.searchsorted(tb.starts, rows, side="right") - 1
        if len(rows) > 1:
            firsts = np.flatnonzero(which[1:] != which[:-1]) + 1
            heads = np.concatenate(([0], firsts))
        else:
            heads = np.zeros(1, dtype=np.int64)
        used = which[heads].tolist()
        chunks: list[bytes] = []
        counts: list[np.ndarray] = []
        base: list[int] = []  # each used block's value arrays in the buffer
        local: list[int] = []  # each used block's first posting among the used blocks' postings
        widths: list[tuple[int, int, int, int]] = []  # (positions, starts, lengths, total)
        size = held = 0
        maps, starts, weights = self.maps, tb.starts, tb.weights
        for b in used:
            seg, data, count, iw, wc, nxt = tb.blocks[b]
            if data < 0:
                raise ValueError("searchkit: a posting without values asked for its positions")
            mm = maps[seg]
            at = data + iw * (count - 1) + codec.weight_bytes(wc, count)
            cw, pw, sw, lw, total, head = codec.value_header(mm, at, kind)
            at += head
            first = int(starts[b])
            if cw == codec._CW_WEIGHTS:  # the counts are the weights
                counts.append(weights[first : first + count])
            else:
                counts.append(np.frombuffer(mm, dtype=_WIDTHS[cw], count=count, offset=at))
                at += cw * count
            chunks.append(mm[at:nxt])
            base.append(size)
            local.append(held - first)
            widths.append((pw, sw, lw, total))
            size += nxt - at
            held += count
        buf = np.frombuffer(b"".join(chunks), dtype=np.uint8)
        per = (np.concatenate(counts) if len(counts) > 1 else counts[0]).astype(np.int64)
        before = np.zeros(len(per) + 1, dtype=np.int64)
        np.cumsum(per, out=before[1:])
        # Each row's block (among the used), its posting among the used
        # blocks' postings, its count and its first value in its block.
        nb = len(used)
        bi = np.repeat(np.arange(nb, dtype=np.int64), np.diff(np.append(heads, len(rows))))
        loc = rows + np.asarray(local, dtype=np.int64)[bi]
        n = per[loc]
        bfirst = before[loc - (rows - starts[which])]  # the block's first posting, same frame
        first_value = before[loc] - bfirst
        m = int(n.sum())
        take = np.repeat(first_value - (np.cumsum(n) - n), n) + np.arange(m, dtype=np.int64)
        vb = np.repeat(bi, n)
        w = np.asarray(widths, dtype=np.int64).reshape(nb, 4)
        pws, sws, lws, totals = w[:, 0], w[:, 1], w[:, 2], w[:, 3]
        bases = np.asarray(base, dtype=np.int64)
        marks = np.flatnonzero(buf < 0x80) if not (pws.all() and (not spans or sws.all())) else _NO_IDS64
        positions = codec._segment_cumsum(_gather(buf, marks, bases, pws, vb, take), n)
        if not spans:
            return n, positions
        after = _section_end(marks, bases, pws, totals)
        deltas = _gather(buf, marks, after, sws, vb, take)
        lens = _gather(buf, marks, _section_end(marks, after, sws, totals), lws, vb, take)
        # As codec.BlockValues: start = previous end + delta, end = start + length.
        ends = codec._segment_cumsum(deltas + lens, n)
        return n, np.column_stack((positions, ends - lens, ends))

    def spans_of(self, tb: TermBlocks, rows: list[int]) -> list[list[tuple[int, int, int]]]:
        """(position, start, end) triples of the postings at ``rows``
        (indexes into ``tb.ids``, ascending) of a V_CHARS field, as lists:
        what ``values`` gives with ``spans``, for the few rows a page of
        snippets asks for (see ``_few``)."""
        return cast("list[list[tuple[int, int, int]]]", self._few(tb, rows, codec.V_CHARS, True))

    def positions_of(self, fieldname: str, tb: TermBlocks, rows: list[int]) -> list[list[int]]:
        """The positions of the postings at ``rows`` (as ``spans_of``), one
        list a row: what ``values`` gives without ``spans``, for the few
        rows of a phrase whose words share few documents (a headline's
        phrase often one), where values()' fixed numpy passes cost ~50 µs."""
        kind = self.kind(fieldname)
        if kind not in (codec.V_POSITIONS, codec.V_CHARS):
            raise ValueError(f"searchkit: field {fieldname} has no positions")
        return cast("list[list[int]]", self._few(tb, rows, kind, False))

    def _few(self, tb: TermBlocks, rows: list[int], kind: int, spans: bool) -> list[list[Any]]:
        """Each row's positions, or with ``spans`` its (position, start, end)
        triples (``kind`` V_CHARS). A row's run begins at the sum of its
        block's counts before it, and is read by ``struct`` and summed in
        Python: a few steps per row rather than a dozen numpy calls per
        query. Only a varint array's last bytes are found by numpy (one
        scan of the block's value section, kept as an array and indexed)."""
        out: list[list[Any]] = []
        starts, weights, maps, blocks = tb.starts, tb.weights, self.maps, tb.blocks
        which = np.searchsorted(starts, rows, side="right").tolist()
        # Starts are read (and their varints found) only for spans: a
        # V_POSITIONS header's start width of 0 is no varint width.
        with_starts = spans and kind == codec.V_CHARS
        prev = -1
        for r, b1 in zip(rows, which, strict=True):
            b = b1 - 1
            if b != prev:
                prev = b
                seg, data, count, iw, wc, nxt = blocks[b]
                if data < 0:
                    raise ValueError("searchkit: a posting without values asked for its positions")
                mm = maps[seg]
                at = data + iw * (count - 1) + codec.weight_bytes(wc, count)
                cw, pw, sw, lw, total, head = codec.value_header(mm, at, kind)
                at += head
                first = int(starts[b])
                cat = at
                if cw != codec._CW_WEIGHTS:
                    at += cw * count
                marks: Any = None
                if pw == codec._VARINT or (with_starts and sw == codec._VARINT):
                    # Every varint's last byte in the block's positions and
                    # starts (the lengths, of fixed width, end the block).
                    raw = np.frombuffer(mm, dtype=np.uint8, count=nxt - at - lw * total, offset=at)
                    marks = (raw < 0x80).nonzero()[0]
                if with_starts:
                    if pw == codec._VARINT:
                        sbase = at + int(marks[total - 1]) + 1
                        sfrom = total  # the starts' varints follow the positions'
                    else:
                        sbase = at + pw * total
                        if sw == codec._VARINT:
                            sfrom = int(np.searchsorted(marks, sbase - at))
                    if sw == codec._VARINT:
                        lbase = at + int(marks[sfrom + total - 1]) + 1
                    else:
                        lbase = sbase + sw * total
                summed, upto = 0, first  # the counts of the block's rows before ``upto``, summed
            # This posting's count, and the sum of the counts before it: from
            # the sum up to the block's last row read (rows ascend), so that
            # a block's counts are each read once whatever its rows.
            j = r - upto
            if cw == codec._CW_WEIGHTS:  # the counts are the weights (integral floats)
                n = int(weights[r])
                # Sums of integral floats are exact; numpy's beats a list's past a few dozen.
                k = summed + (int(sum(weights[upto:r].tolist())) if j < 32 else int(weights[upto:r].sum()))
            else:
                got = struct.unpack_from(f"<{j + 1}{_CODES[cw]}", mm, cat + cw * (upto - first))
                n = got[j]
                k = summed + sum(got) - n
            summed, upto = k + n, r + 1
            if pw == codec._VARINT:
                pos: Any = _varints(mm, at, at, marks, k, n)
            else:
                pos = _fixed_ints(mm, at + pw * k, pw, n)
            if not with_starts:
                # Positions are a running sum within the posting.
                out.append(list(itertools.accumulate(pos)))
                continue
            if sw == codec._VARINT:
                sdelta: Any = _varints(mm, at, sbase, marks, sfrom + k, n, k > 0)
            else:
                sdelta = _fixed_ints(mm, sbase + sw * k, sw, n)
            lens = _fixed_ints(mm, lbase + lw * k, lw, n)
            # As BlockValues: positions and ends are running sums within the
            # posting (start = previous end + delta, end = start + length).
            triples = []
            p = e = 0
            for dp, ds, ln in zip(pos, sdelta, lens, strict=True):
                p += dp
                s = e + ds
                e = s + ln
                triples.append((p, s, e))
            out.append(triples)
        return out


def _fixed_ints(mm: Any, at: int, width: int, n: int) -> Any:
    """``n`` little-endian unsigned integers of ``width`` bytes at ``mm[at]``,
    as a sequence of ints: one byte each is a plain slice (what most words'
    lengths are), cheaper than building and looking up a struct format."""
    if width == 1:
        return mm[at : at + n]
    return struct.unpack_from(f"<{n}{_CODES[width]}", mm, at)


def _varints(mm: Any, at: int, base: int, marks: np.ndarray, k: int, n: int, inside: bool | None = None) -> list[int]:
    """Varints k to k + n of ``marks``' (the last bytes of the varints
    from ``at`` on, offsets from ``at``); the first of them begins at
    ``base`` unless it is ``inside`` its array (by default when k > 0),
    then after the previous varint's last byte. Decoded in Python: they are
    one to three bytes long."""
    if inside is None:
        inside = k > 0
    if inside:
        ends = marks[k - 1 : k + n].tolist()
        begin = at + ends.pop(0) + 1
    else:
        ends = marks[k : k + n].tolist()
        begin = base
    if not ends:
        return []
    chunk = mm[begin : at + ends[-1] + 1]
    if len(chunk) == len(ends):  # one byte each, the usual case for positions
        return list(chunk)
    got = []
    i = 0
    shift = at - begin  # a mark's index into chunk
    for m in ends:
        last = m + shift
        if last == i:
            got.append(chunk[i])
        elif last == i + 1:  # the first byte's high bit is set
            got.append((chunk[i] - 0x80) | (chunk[last] << 7))
        else:
            v = sh = 0
            for c in chunk[i : last + 1]:
                v |= (c & 0x7F) << sh
                sh += 7
            got.append(v)
        i = last + 1
    return got


def _section_end(marks: np.ndarray, bases: np.ndarray, widths: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Where each block's array after the one at ``bases`` begins: ``totals``
    values of ``widths`` bytes, or of varints (width 0) ending at ``marks``."""
    ends = bases + widths * totals
    varint = widths == 0
    if varint.any():
        k = np.searchsorted(marks, bases[varint]) + totals[varint] - 1
        ends[varint] = marks[np.maximum(k, 0)] + 1
    return ends


def _fixed(buf: np.ndarray, bases: np.ndarray, widths: np.ndarray, vb: np.ndarray, take: np.ndarray) -> np.ndarray:
    """Value ``take[i]`` of block ``vb[i]``'s array of little-endian
    integers of ``widths[vb[i]]`` (1, 2 or 4) bytes at ``bases[vb[i]]``."""
    width = widths[vb]
    addr = bases[vb] + width * take
    got = buf[addr].astype(np.int64)
    for k in (1, 2, 3):
        wide = np.flatnonzero(width > k)
        if not len(wide):
            break
        got[wide] |= buf[addr[wide] + k].astype(np.int64) << (8 * k)
    return got


def _gather(
    buf: np.ndarray, marks: np.ndarray, bases: np.ndarray, widths: np.ndarray, vb: np.ndarray, take: np.ndarray
) -> np.ndarray:
    """Value ``take[i]`` of the array of block ``vb[i]``, which begins at
    ``bases[vb[i]]`` in ``buf`` and holds little-endian integers of
    ``widths[vb[i]]`` bytes, or varints (width 0) whose last bytes are at
    ``marks``. Blocks of one width (the usual case) are read in one pass,
    without the per-value widths or a result to scatter into."""
    uniform = int(widths[0]) if bool((widths == widths[0]).all()) else -1
    if uniform > 0:
        return _fixed(buf, bases, widths, vb, take)
    if uniform == 0:
        return _varints_of(buf, marks, bases, vb, take)
    varint = widths[vb] == 0
    fixed = ~varint
    out = np.zeros(len(take), dtype=np.int64)
    out[fixed] = _fixed(buf, bases, widths, vb[fixed], take[fixed])
    out[varint] = _varints_of(buf, marks, bases, vb[varint], take[varint])
    return out


def _varints_of(buf: np.ndarray, marks: np.ndarray, bases: np.ndarray, vb: np.ndarray, take: np.ndarray) -> np.ndarray:
    """Varint ``take[i]`` of the varint array of block ``vb[i]`` (as ``_gather``)."""
    first_mark = np.searchsorted(marks, bases)[vb]
    last = first_mark + take  # each value's last byte, as an index into marks
    ends = marks[last]
    begins = np.where(take > 0, marks[np.maximum(last - 1, 0)] + 1, bases[vb])
    return codec.varints_at(buf, begins, ends)


_NO_IDS64 = np.zeros(0, dtype=np.int64)
_NO_WEIGHTS64 = np.zeros(0, dtype=np.float64)

"""A Whoosh segment writer that analyses documents once and groups their
postings with numpy, writing them through :mod:`searchkit.codec`.

Whoosh's ``SegmentWriter.add_document`` runs every token through a chain of
generator filters and puts every posting, as a Python tuple, into an
external sort; at commit each posting is pulled back out and encoded one at
a time. Here a document's text fields go through
:class:`~searchkit.analysis.FastAnalyzer` (the same regex and the same
per-token functions as the Whoosh analyzer, with a cache from token to term)
and only their term numbers and character offsets are kept, in flat arrays.
At commit one stable sort per field groups the occurrences into postings,
and :func:`searchkit.codec.encode_terms` encodes all of a field's terms in
one vectorized pass.

Everything else is Whoosh's own: the per-document writer (stored fields,
columns, field lengths), the merge policy, the TOC. Fields this writer has
no fast path for (numbers, comma lists) go through the field's own
``index()``, as in Whoosh. Postings that Whoosh's merge policy pulls in from
older segments arrive through Whoosh's pool and are merged term by term
with the new ones.
"""

from __future__ import annotations

import re
from array import array
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from whoosh import formats
from whoosh.analysis import IDTokenizer, KeywordAnalyzer
from whoosh.fields import ID, FieldType
from whoosh.writing import SegmentWriter

from . import segmerge
from .analysis import FAST, POSSESSIVE_TERM, Numbered, news_analyzer
from .codec import (
    V_CHARS,
    V_FREQ,
    V_NONE,
    V_POSITIONS,
    V_RAW,
    EncodedField,
    FieldPostings,
    SearchkitCodec,
    SearchkitFieldWriter,
    encode_postings,
    quantized_lengths,
    value_kind,
)
from .neardup import links as dupgroups
from .perdoc import BulkPerDocWriter, Packed

_SPACE_SPLIT = re.compile(r"[^ \t\r\n]+")  # Whoosh's SpaceSeparatedTokenizer


POSS = -1  # the term number of a dropped possessive


class _TermTable:
    """Term numbers by token as written, so a repeated token costs one dict lookup."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        # Text mode: keyed by term (FastAnalyzer.cut gives terms), the
        # possessive's marker dropped.
        self.by_token: dict[str, int] = {POSSESSIVE_TERM: POSS} if mode == "text" else {}
        self.by_term: dict[str, int] = {}
        self.terms: list[str] = []
        self._lut_vocab: list[str] | None = None
        self._lut = np.zeros(0, dtype=np.int32)

    def lut(self, vocab: list[str]) -> np.ndarray:
        """A chunk's vocabulary (Numbered.vocab) as this table's term
        numbers, looked up once: the chunk's documents come one after
        another, and the text fields sharing the table share the lookup."""
        if vocab is not self._lut_vocab:
            self._lut = np.asarray(self.ids(vocab), dtype=np.int32)
            self._lut_vocab = vocab
        return self._lut

    def ids(self, toks: list[str]) -> list[int]:
        by_token = self.by_token
        ids = list(map(by_token.get, toks))
        if None in ids:  # a token this process has not seen: analysed here, once
            miss = self._miss
            return [miss(t) if i is None else i for i, t in zip(ids, toks, strict=True)]
        return ids  # type: ignore[return-value]

    def _miss(self, tok: str) -> int:
        tid = self.by_token.get(tok)  # a token met twice in one call
        if tid is not None:
            return tid
        if self.mode == "keyword-lower":
            term = tok.lower()  # Whoosh's LowercaseFilter
        else:
            term = tok
        tid = self.by_term.get(term)
        if tid is None:
            tid = self.by_term[term] = len(self.terms)
            self.terms.append(term)
        self.by_token[tok] = tid
        return tid


# Term numbers are the table's, shared by every segment this process writes
# (a segment writes only the terms it has, see _Occurrences.postings).
# Not the "id" mode's: its values (ids, digests) are one a document, never
# met again, so a table kept for the process grew with the corpus (two
# entries an article, ~100 MB at 200k); each writer keeps its own.
_TABLES: dict[str, _TermTable] = {}
SHARED_MODES = frozenset({"text", "keyword", "keyword-lower"})
TABLE_LIMIT = 2_000_000  # tokens


def stable_order(keys: np.ndarray, nkeys: int) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for keys in ``0..nkeys-1``, by
    16-bit radix passes: numpy sorts 16-bit keys stably by radix (a 19k
    body's 1.4M occurrences: 10 ms, against 78 ms for int64 keys' timsort),
    and a stable pass on the high half after one on the low half orders
    by both (LSD radix), ties still in their first order."""
    if nkeys <= 1 << 16:
        return np.argsort(keys.astype(np.uint16), kind="stable")
    if nkeys > 1 << 32:
        return np.argsort(keys, kind="stable")
    low = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    return low[np.argsort((keys[low] >> 16).astype(np.uint16), kind="stable")]


def _within(counts: np.ndarray) -> np.ndarray:
    """0, 1, ... restarting for each group of ``counts`` items."""
    total = int(counts.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)


class _Occurrences:
    """A fast-path field's tokens so far: term numbers, documents, piece lengths."""

    def __init__(self, field: FieldType, table: _TermTable) -> None:
        self.field = field
        self.table = table
        self.kind = value_kind(field.format)
        self.chars = self.kind == V_CHARS
        # Text mode: each document's distinct tokens' term numbers, and its
        # tokens as indexes into them (FastAnalyzer.cut), joined at commit.
        self.tids = array("i")  # keyword modes: every token's term number
        self.distinct = array("i")
        self.index = array("i")
        self.plens = array("i")  # lengths of the gap/token pieces, for character offsets
        self.docs = array("i")  # documents with at least one token
        self.nraw = array("i")  # their token counts, possessives included
        self.ndistinct = array("i")
        # A Numbered value's numbers (its chunk's own, prepare.py) are kept
        # as they come, the document noting where its chunk's lookup table
        # starts in ``_luts`` joined (-1: the numbers are the table's
        # already); one take at commit makes them the table's (a take a
        # document cost ~8 us, 76k of them for 19k articles' four fields).
        self.bases = array("i")  # one a document, as docs
        self._luts: list[np.ndarray] = []
        self._luts_size = 0
        self._vocab: list[str] | None = None
        self._base = -1

    def size(self) -> int:
        """Occurrences so far (the work its postings take at commit)."""
        return len(self.tids) + len(self.index)

    def detached(self) -> _Occurrences:
        """A copy to send to a worker process, with a table of only the
        terms this field's documents use, renumbered in the table's order
        (the table holds every term of the run: at 200k, pickling it all
        cost the main process tens of MB), and none of its look-up
        dictionaries (postings() reads neither)."""
        copy = object.__new__(_Occurrences)
        copy.__dict__.update(self.__dict__)
        values = self.tids if self.table.mode != "text" else self.distinct
        counts = self.nraw if self.table.mode != "text" else self.ndistinct
        own = np.frombuffer(values, dtype=np.int32)
        plain = np.repeat(np.frombuffer(self.bases, dtype=np.int32) < 0, np.frombuffer(counts, dtype=np.int32))
        used = np.unique(np.concatenate([own[plain], *self._luts]))
        used = used[used >= 0]  # POSS (-1), a dropped possessive, stays as it is

        def renumbered(a: np.ndarray) -> np.ndarray:
            return np.where(a >= 0, np.searchsorted(used, a), a).astype(np.int32)

        copy._luts = [renumbered(lut) for lut in self._luts]
        mapped = own.copy()
        mapped[plain] = renumbered(own[plain])
        setattr(copy, "tids" if self.table.mode != "text" else "distinct", array("i", mapped.tobytes()))
        copy.table = _TermTable(self.table.mode)
        copy.table.terms = [self.table.terms[i] for i in used.tolist()]
        copy._vocab = None
        return copy

    def _chunk_base(self, numbered: Numbered) -> int:
        if numbered.vocab is not self._vocab:
            lut = self.table.lut(numbered.vocab)
            self._luts.append(lut)
            self._vocab, self._base = numbered.vocab, self._luts_size
            self._luts_size += len(lut)
        return self._base

    def add(self, docnum: int, value: str | Numbered) -> int:
        """Adds one document's value; returns its token count."""
        mode = self.table.mode
        if isinstance(value, Numbered):  # a keyword field's tokens, numbered by prepare.py
            if not value.ids:
                return 0
            self.tids.extend(value.ids)
            self.bases.append(self._chunk_base(value))
            self.docs.append(docnum)
            self.nraw.append(len(value.ids))
            return len(value.ids)  # no possessive in a keyword table
        if mode == "id":  # one term, the value: no list to map
            tid = self.table.by_token.get(value)
            self.tids.append(self.table._miss(value) if tid is None else tid)
            self.bases.append(-1)
            self.docs.append(docnum)
            self.nraw.append(1)
            return 1
        if mode != "text":
            toks = _SPACE_SPLIT.findall(value)
            if not toks:
                return 0
            ids = self.table.ids(toks)
            self.tids.extend(ids)
            self.bases.append(-1)
            self.docs.append(docnum)
            self.nraw.append(len(toks))
            return len(toks) - ids.count(POSS)
        distinct, index, plens, possessives = FAST.cut(value)
        if not distinct:
            return 0
        if self.chars:
            self.plens.extend(plens)
        if isinstance(distinct, Numbered):
            self.distinct.extend(distinct.ids)
            self.bases.append(self._chunk_base(distinct))
        else:
            self.distinct.extend(self.table.ids(distinct))
            self.bases.append(-1)
        self.ndistinct.append(len(distinct))
        self.index.extend(index)
        self.docs.append(docnum)
        self.nraw.append(len(index))
        return len(index) - possessives

    def _table_numbers(self, values: array, counts: array) -> np.ndarray:
        """``values`` (``counts`` a document) as the table's term numbers."""
        out = np.frombuffer(values, dtype=np.int32).astype(np.int64)
        if self._luts:
            base = np.repeat(
                np.frombuffer(self.bases, dtype=np.int32).astype(np.int64), np.frombuffer(counts, dtype=np.int32)
            )
            local = base >= 0
            out[local] = np.concatenate(self._luts)[out[local] + base[local]]
        return out

    def _term_numbers(self) -> np.ndarray:
        if self.table.mode != "text":
            return self._table_numbers(self.tids, self.nraw)
        nd = np.frombuffer(self.ndistinct, dtype=np.int32).astype(np.int64)
        nraw = np.frombuffer(self.nraw, dtype=np.int32).astype(np.int64)
        first = np.repeat(np.cumsum(nd) - nd, nraw)
        index = np.frombuffer(self.index, dtype=np.int32).astype(np.int64)
        return self._table_numbers(self.distinct, self.ndistinct)[first + index]

    def postings(self, doc_lengths: np.ndarray | None) -> tuple[list[bytes], FieldPostings] | None:
        if not self.docs:
            return None
        raw = self._term_numbers()
        nraw = np.frombuffer(self.nraw, dtype=np.int32).astype(np.int64)
        keep = raw != POSS
        docs = np.repeat(np.frombuffer(self.docs, dtype=np.int32).astype(np.int64), nraw)[keep]
        kept_per_doc = np.add.reduceat(keep.astype(np.int64), np.cumsum(nraw) - nraw)
        positions = _within(kept_per_doc)
        starts = ends = None
        if self.chars:
            plens = np.frombuffer(self.plens, dtype=np.int32).astype(np.int64)
            npieces = 2 * nraw + 1
            local_end = np.cumsum(plens)
            first_piece = np.cumsum(npieces) - npieces
            local_end -= np.repeat(local_end[first_piece] - plens[first_piece], npieces)
            tokpiece = np.repeat(first_piece + 1, nraw) + 2 * _within(nraw)
            ends = local_end[tokpiece][keep]
            starts = ends - plens[tokpiece][keep]
            # Each occurrence-sized array is let go as soon as it is used:
            # a 10k batch's body holds ~1.4M occurrences, 11 MB an int64
            # array, and the last commits of a 200k run peak here.
            del plens, local_end, first_piece, tokpiece
        tids = raw[keep]
        del raw, keep
        words = self.table.terms
        present = np.flatnonzero(np.bincount(tids, minlength=len(words)))  # the field's terms, in O(n)
        # Whoosh orders a field's terms by their UTF-8 bytes, which is code point order.
        order = sorted(present.tolist(), key=words.__getitem__)
        lut = np.full(len(words), -1, dtype=np.int64)
        lut[np.asarray(order, dtype=np.int64)] = np.arange(len(order))
        terms = [words[i].encode("utf-8") for i in order]
        tids = lut[tids]
        del lut

        # Stable: within a term, occurrences stay in document, then position order.
        by_term = stable_order(tids, len(order))
        t, d = tids[by_term], docs[by_term]
        del tids, docs
        new_posting = np.ones(len(t), dtype=bool)
        new_posting[1:] = (t[1:] != t[:-1]) | (d[1:] != d[:-1])
        pstart = np.flatnonzero(new_posting)
        del new_posting
        counts = np.diff(np.append(pstart, len(t)))
        pterm = t[pstart]
        ids = d[pstart]
        new_term = np.ones(len(pterm), dtype=bool)
        new_term[1:] = pterm[1:] != pterm[:-1]
        term_starts = np.append(np.flatnonzero(new_term), len(pterm))
        weights = counts.astype(np.float32)  # field_boost is 1.0 on every fast-path field
        if doc_lengths is not None:
            lengths = quantized_lengths(doc_lengths)[ids]  # a document's once, not a posting's
        else:
            lengths = np.zeros(len(ids), dtype=np.int64)
        del t, d
        fp = FieldPostings(term_starts, ids, weights, lengths, counts=counts)
        if self.kind in (V_POSITIONS, V_CHARS):
            fp.positions = positions[by_term]
        del positions
        if starts is not None and ends is not None:
            fp.starts = starts[by_term]
            del starts
            fp.ends = ends[by_term]
        return terms, fp


def _grouped_and_encoded(
    occ: _Occurrences, field: FieldType, lengths: np.ndarray | None, blocklimit: int
) -> EncodedField:
    """One field's postings grouped and encoded (in a worker process, see
    BulkWriter.beside)."""
    found = occ.postings(lengths)
    assert found is not None  # chosen for having occurrences (BulkWriter._aside_field)
    return encode_postings(field, found[0], found[1], blocklimit)


# Runs ``fn(*args)`` in the index run's worker pool: its pending result
# (``ready()``, ``get()``), or None when there is no pool.
Beside = Callable[[Callable[..., Any], tuple[Any, ...]], Any]

_ANCHORS_RE = re.compile(r"(?:[0-9a-f]{16} )*[0-9a-f]{16}")  # what duplicates.anchors gives, joined


class _AnchorOccurrences:
    """The anchors field (16-hex-digit sketch values, eight a document) as
    numbers, not through a term table.

    Every anchor is a new token almost every time (152k of 19k articles'
    tokens), so a table kept them all for the process: a miss a token, and
    at 200k the main process's largest structure. Here a document's value is
    parsed by ``bytes.fromhex`` and kept as uint64s; at commit one sort
    gives the postings, the same ones the keyword path gives (a value not
    in that form goes through it: ``other``).
    """

    def __init__(self, field: FieldType) -> None:
        self.field = field
        self.values = bytearray()  # big-endian uint64s, as the hex reads
        self.docs = array("i")
        self.other = _Occurrences(field, _TermTable("keyword"))

    def add(self, docnum: int, value: str) -> int:
        if not _ANCHORS_RE.fullmatch(value):
            return self.other.add(docnum, value)
        raw = bytes.fromhex(value)
        self.values += raw
        self.docs.extend([docnum] * (len(raw) // 8))
        return len(raw) // 8

    def postings(self, doc_lengths: np.ndarray | None) -> tuple[list[bytes], FieldPostings] | None:
        found: list[Terms] = []
        if self.docs:
            values = np.frombuffer(bytes(self.values), dtype=">u8").astype(np.uint64)
            docs = np.frombuffer(self.docs, dtype=np.int32).astype(np.int64)
            order = np.lexsort((docs, values))
            values, docs = values[order], docs[order]
            new_posting = np.ones(len(values), dtype=bool)
            new_posting[1:] = (values[1:] != values[:-1]) | (docs[1:] != docs[:-1])
            pstart = np.flatnonzero(new_posting)
            counts = np.diff(np.append(pstart, len(values)))
            pvalues, ids = values[pstart], docs[pstart]
            new_term = np.ones(len(pvalues), dtype=bool)
            new_term[1:] = pvalues[1:] != pvalues[:-1]
            term_starts = np.append(np.flatnonzero(new_term), len(pvalues))
            terms = [b"%016x" % v for v in pvalues[term_starts[:-1]].tolist()]
            lengths = np.zeros(len(ids), dtype=np.int64)
            found.append((terms, FieldPostings(term_starts, ids, counts.astype(np.float32), lengths, counts=counts)))
        more = self.other.postings(doc_lengths)
        if more is not None:
            found.append(more)
        return segmerge.merge_postings(found) if found else None


def _fast_mode(field: FieldType) -> str | None:
    """Which fast path produces exactly this field's postings, if any."""
    fmt = field.format
    if fmt is None or field.vector or field.separate_spelling() or getattr(fmt, "field_boost", 1.0) != 1.0:
        return None
    kind = value_kind(fmt)
    if kind in (V_POSITIONS, V_CHARS) and field.analyzer == news_analyzer():
        return "text"
    if kind == V_NONE and isinstance(field, ID) and field.analyzer == IDTokenizer():
        return "id"  # the whole value is the one term (ids, paths, digests)
    if kind == V_FREQ:
        if field.analyzer == KeywordAnalyzer(lowercase=False, commas=False):
            return "keyword"
        if field.analyzer == KeywordAnalyzer(lowercase=True, commas=False):
            return "keyword-lower"
    return None


def _from_items(
    items: dict[bytes, tuple[list[int], list[float], list[bytes], list[int]]], fmt: formats.Format
) -> tuple[list[bytes], FieldPostings]:
    """Postings given one at a time (Whoosh's own ``index()`` or pool) as arrays."""
    terms = sorted(items)
    ids: list[int] = []
    weights: list[float] = []
    values: list[bytes] = []
    lengths: list[int] = []
    starts = [0]
    for t in terms:
        i, w, v, n = items[t]
        ids.extend(i)
        weights.extend(w)
        values.extend(v)
        lengths.extend(n)
        starts.append(len(ids))
    kind = value_kind(fmt)
    fp = FieldPostings(np.asarray(starts), np.asarray(ids), np.asarray(weights), np.asarray(lengths))
    if kind == V_RAW:
        fp.raw = values
    elif kind == V_FREQ:
        fp.counts = np.asarray([fmt.decode_frequency(v) for v in values], dtype=np.int64)
    elif kind == V_POSITIONS:
        poses = [fmt.decode_positions(v) for v in values]
        fp.counts = np.asarray([len(p) for p in poses], dtype=np.int64)
        fp.positions = np.asarray([q for p in poses for q in p], dtype=np.int64)
    elif kind == V_CHARS:
        triples = [fmt.decode_characters(v) for v in values]
        flat = np.asarray([x for p in triples for x in p], dtype=np.int64).reshape(-1, 3)
        fp.counts = np.asarray([len(p) for p in triples], dtype=np.int64)
        fp.positions, fp.starts, fp.ends = flat[:, 0], flat[:, 1], flat[:, 2]
    return terms, fp


Terms = tuple[list[bytes], FieldPostings]
Items = dict[bytes, tuple[list[int], list[float], list[bytes], list[int]]]


# Whether the anchors field's terms go into the term dictionary too (engine-size):
# only the near-duplicate linker reads them, from each segment's .anc arrays
# (neardup.links), so they are not (4 MB of dictionary at 19k articles). A
# test sets it to write segments as another writer would.
ANCHOR_TERMS = False


class BulkWriter(SegmentWriter):
    """A ``SegmentWriter`` with the searchkit codec and a batch posting path.

    Same contract as Whoosh's writer (``add_document``, ``delete_by_term``,
    ``commit(mergetype=...)``, ``cancel``): a commit writes one new segment
    and the TOC, so a run killed before it leaves the last commit intact.
    """

    def __init__(self, ix: Any, limitmb: int = 256, codec: SearchkitCodec | None = None, **options: Any) -> None:
        # Non-compound segments: a searcher on a compound segment copies it
        # into memory; separate files are memory-mapped instead.
        super().__init__(ix, codec=codec or SearchkitCodec(), compound=False, limitmb=limitmb, **options)
        self._occ: dict[str, _Occurrences | _AnchorOccurrences] = {}
        # Set by the index run for its last commit, when the worker pool has
        # nothing left to prepare: the largest field is grouped and encoded
        # there while this process does the others (see _flush_segment).
        self.beside: Beside | None = None
        # At commit: each field's encoded postings (or a worker's pending
        # result), written in field order.
        self._writes: deque[tuple[str, Any]] = deque()
        # One table per mode for the whole process: a run writes a segment
        # per commit, and each new table met every token again (7 segments
        # of 19k stories: 520k misses for 75k distinct tokens). The "id"
        # mode's is this writer's own (SHARED_MODES).
        self._tables = _TABLES
        self._own_tables: dict[str, _TermTable] = {}
        for mode, table in list(_TABLES.items()):
            if len(table.by_token) > TABLE_LIMIT:
                del _TABLES[mode]  # bounded: a stream of new tokens must not exhaust memory

        self._by_value: dict[str, dict[Any, tuple[list[tuple[bytes, int, float, bytes]], int, list[int]]]] = {}
        self._modes: dict[str, str | None] = {}
        self._names: dict[tuple[str, ...], list[str]] = {}  # field names as given -> sorted, checked
        self._lengths: dict[str, array[int]] = defaultdict(lambda: array("i"))
        # Segments the merge policy folds into this commit, read by arrays at flush.
        self._merged: list[segmerge.MergedSegment] = []

    def _mode(self, fieldname: str, field: FieldType) -> str | None:
        if fieldname not in self._modes:
            self._modes[fieldname] = _fast_mode(field)
        return self._modes[fieldname]

    def add_document(self, **fields: Any) -> None:
        self.add_fields(fields)

    def add_fields(self, fields: dict[str, Any], stored: tuple[tuple[str, ...], bytes] | None = None) -> None:
        """``add_document(**fields)``; ``stored``: the document's stored
        fields made already (their names in order, the pickled and compressed
        dict: prepare.stored_blob), written as they are when the names are
        the ones this schema stores of ``fields``."""
        self._check_state()
        schema = self.schema
        docnum = self.docnum
        pdw = self.perdocwriter
        key = tuple(fields)
        names = self._names.get(key)
        if names is None:  # the indexer's documents all name the same fields: checked once
            names = sorted(fields)
            if any(n.startswith("_") for n in names):
                raise ValueError("searchkit's bulk writer takes no boosts or _stored_ values")
            self._check_fields(schema, names)
            self._names[key] = names
        pdw.start_doc(docnum)
        for fieldname in names:
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if isinstance(value, Numbered) and (
                field.stored or field.column_type or self._mode(fieldname, field) not in ("keyword", "keyword-lower")
            ):
                value = " ".join(value.terms())  # wanted as written (not the indexer's schema)
            if field.indexed:
                mode = self._mode(fieldname, field)
                if mode is not None:
                    occ = self._occ.get(fieldname)
                    if occ is None:
                        occ = self._occ[fieldname] = self._occurrences(fieldname, field, mode)
                    n = occ.add(docnum, value)
                    if field.scorable:
                        length = n
                else:
                    length = self._index_generic(fieldname, field, docnum, value)
                if field.scorable:
                    lens = self._lengths[fieldname]
                    if len(lens) < docnum - self.docbase:
                        lens.extend([0] * (docnum - self.docbase - len(lens)))
                    lens.append(length)
            elif field.vector or field.separate_spelling():
                raise ValueError(f"searchkit's bulk writer does not write vectors or spelling ({fieldname})")
            pdw.add_field(fieldname, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                pdw.add_column_value(fieldname, column, field.to_column_value(value))
        if stored is not None and isinstance(pdw, BulkPerDocWriter) and stored[0] == tuple(pdw._storedfields or ()):
            pdw.finish_doc(Packed(stored[1]))
        else:
            pdw.finish_doc()
        self._added = True
        self.docnum += 1

    def _occurrences(self, fieldname: str, field: FieldType, mode: str) -> _Occurrences | _AnchorOccurrences:
        if fieldname == dupgroups.ANCHOR_FIELD and mode == "keyword" and not ANCHOR_TERMS:
            return _AnchorOccurrences(field)
        # Text fields share one table: a token is analysed once per process.
        tables = self._tables if mode in SHARED_MODES else self._own_tables
        table = tables.get(mode)
        if table is None:
            table = tables[mode] = _TermTable(mode)
        return _Occurrences(field, table)

    def _index_generic(self, fieldname: str, field: FieldType, docnum: int, value: Any) -> int:
        # Documents grouped by value: one append per field and document; the
        # value's postings (field.index(), once per distinct value) are
        # spread over its documents at commit.
        key = value if isinstance(value, (str, int, float)) else repr(value)
        by_value = self._by_value.get(fieldname)
        if by_value is None:
            by_value = self._by_value[fieldname] = {}
        entry = by_value.get(key)
        if entry is None:
            postings = list(field.index(value))
            length = sum(freq for _, freq, _, _ in postings) if field.scorable else 0
            entry = by_value[key] = (postings, length, [])
        entry[2].append(docnum)
        return entry[1]

    def _generic_items(self, fieldname: str) -> Items:
        items: Items = {}
        shared: set[bytes] = set()  # terms several values give (a date's coarser numeric tiers)
        for postings, _length, docs in self._by_value.get(fieldname, {}).values():
            for tbytes, _freq, weight, vbytes in postings:
                entry = items.get(tbytes)
                if entry is None:
                    entry = items[tbytes] = ([], [], [], [])
                else:
                    shared.add(tbytes)
                entry[0].extend(docs)
                entry[1].extend([weight] * len(docs))
                entry[2].extend([vbytes or b""] * len(docs))
        for tbytes in shared:
            ids, weights, values, _ = items[tbytes]
            order = np.argsort(np.asarray(ids), kind="stable").tolist()
            ids[:] = [ids[i] for i in order]
            weights[:] = [weights[i] for i in order]
            values[:] = [values[i] for i in order]
        return items

    def _doc_lengths(self, fieldname: str) -> np.ndarray | None:
        lens = self._lengths.get(fieldname)
        if lens is None:
            return None
        out = np.zeros(self.docnum - self.docbase, dtype=np.int64)
        got = np.frombuffer(lens, dtype=np.int32)
        out[: len(got)] = got
        return out

    def _pool_fields(self, pdr: Any) -> Iterator[tuple[str, Items]]:
        """Postings Whoosh's merge policy added to the pool, field by field."""
        current: str | None = None
        items: dict[bytes, tuple[list[int], list[float], list[bytes], list[int]]] = {}
        scorable = False
        for fieldname, btext, docnum, weight, vbytes in self.pool.iter_postings():
            if fieldname != current:
                if current is not None:
                    yield current, items
                current, items = fieldname, {}
                scorable = bool(self.schema[fieldname].scorable)
            entry = items.get(btext)
            if entry is None:
                entry = items[btext] = ([], [], [], [])
            entry[0].append(docnum)
            entry[1].append(weight)
            entry[2].append(vbytes or b"")
            entry[3].append((pdr.doc_field_length(docnum, fieldname) or 0) if scorable else 0)
        if current is not None:
            yield current, items

    def add_postings_to_pool(self, reader: Any, startdoc: int, docmap: dict[int, int] | None) -> None:
        """Whoosh's merge policy hands over an old segment's postings here,
        after its documents were copied: kept as a reference to the segment
        and read by arrays at flush (:mod:`searchkit.segmerge`), not one
        posting at a time through the pool."""
        if segmerge.MergedSegment.readable(reader):
            self._merged.append(segmerge.MergedSegment(self.storage, self.schema, reader.segment(), startdoc, docmap))
        else:
            super().add_postings_to_pool(reader, startdoc, docmap)

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader()
        fw: SearchkitFieldWriter = self.fieldwriter
        schema = self.schema
        pooled = dict(self._pool_fields(pdr)) if self.pool.fieldnames else {}
        merged_names = {f for seg in self._merged for f in seg.reader.indexed_field_names()}
        # engine-size: the anchors field always (every segment has its .anc).
        names = sorted(set(self._occ) | set(self._by_value) | set(pooled) | merged_names | {dupgroups.ANCHOR_FIELD})
        self._writes = deque()
        aside = self._aside_field(names, pooled)
        encoding = None
        if aside is not None and self.beside is not None:
            first = self._occ[aside]
            assert isinstance(first, _Occurrences)
            job = (first.detached(), schema[aside], self._doc_lengths(aside), fw.blocklimit)
            encoding = self.beside(_grouped_and_encoded, job)
        try:
            for fieldname in names:
                if fieldname not in schema:
                    continue
                if fieldname == aside and encoding is not None:
                    # Written in its turn; the fields after it are encoded
                    # meanwhile and queued behind it.
                    self._writes.append((fieldname, encoding))
                    continue
                field = schema[fieldname]
                sources: list[Terms] = []
                occ = self._occ.get(fieldname)
                if occ is not None:
                    found = occ.postings(self._doc_lengths(fieldname))
                    if found is not None:
                        sources.append(found)
                items = self._generic_items(fieldname)
                if items:
                    lengths = self._doc_lengths(fieldname)
                    for ids, _w, _v, lens in items.values():
                        if lengths is not None:
                            lens.extend(quantized_lengths(lengths[np.asarray(ids)]).tolist())
                        else:
                            lens.extend([0] * len(ids))
                    sources.append(_from_items(items, field.format))
                if fieldname in pooled:
                    sources.append(_from_items(pooled[fieldname], field.format))
                own = segmerge.merge_postings(sources) if any(len(fp.ids) for _, fp in sources) else None
                if fieldname in merged_names:
                    self._write_merged(fw, fieldname, field, own)
                elif own is not None:
                    self._write_field(fw, fieldname, field, own)
                elif fieldname == dupgroups.ANCHOR_FIELD:  # engine-size: no anchors of its own: the merged ones
                    nothing = np.zeros(0, dtype=np.int64)
                    self._write_field(
                        fw,
                        fieldname,
                        field,
                        ([], FieldPostings(np.zeros(1, dtype=np.int64), nothing, nothing, nothing)),
                    )
            self._flush_writes(fw, wait=True)
        finally:
            for seg in self._merged:
                seg.close()
            self._merged = []
        fw.close()
        pdr.close()

    def _aside_field(self, names: list[str], pooled: dict[str, Items]) -> str | None:
        """The field a worker may group and encode: the one with the most
        occurrences (the body), when the fast path is its only source and
        no segment is merged into this commit (a merge writes a field in
        ranges to bound its memory; fields queued behind a worker's would
        undo that)."""
        if self._merged or len(self._occ) < 2:
            return None
        sizes = {n: occ.size() for n, occ in self._occ.items() if isinstance(occ, _Occurrences) and n in names}
        best = max(sizes, key=lambda n: sizes[n], default=None)
        if best is None or not sizes[best] or best in pooled or self._by_value.get(best):
            return None
        return best

    def _flush_writes(self, fw: SearchkitFieldWriter, wait: bool = False) -> None:
        """Writes the queued fields in their order, up to the first one a
        worker has not sent back yet (with ``wait``: all of them)."""
        writes = self._writes
        while writes:
            fieldname, encoded = writes[0]
            if not isinstance(encoded, tuple):  # a worker's pending result
                if not (wait or encoded.ready()):
                    return
                encoded = encoded.get()
            writes.popleft()
            fw.add_encoded(fieldname, encoded)

    def _write_field(self, fw: SearchkitFieldWriter, fieldname: str, field: FieldType, postings: Terms) -> None:
        if fieldname != dupgroups.ANCHOR_FIELD or ANCHOR_TERMS:
            self._writes.append((fieldname, encode_postings(field, postings[0], postings[1], fw.blocklimit)))
            self._flush_writes(fw)
        if fieldname == dupgroups.ANCHOR_FIELD:
            # engine-size: the anchors in .anc only, with the merged segments' arrays.
            fp = postings[1]
            extra = [
                found for seg in self._merged if (found := dupgroups.renumbered_anchor_array(seg.reader, seg.newid))
            ]
            dupgroups.write_anchor_array(self.storage, self.newsegment, postings[0], fp.term_starts, fp.ids, extra)

    def _write_merged(self, fw: SearchkitFieldWriter, fieldname: str, field: FieldType, own: Terms | None) -> None:
        """The commit's own postings of the field with the merged segments',
        a range of terms at a time (the anchors, which also go to one
        array file, in one range)."""
        own_terms, own_fp = own if own is not None else ([], None)
        sizes = np.zeros(len(own_terms), dtype=np.int64)
        if own_fp is not None and len(own_terms):
            # Roughly the bytes the codec gives them: an id and a weight a
            # posting, a position and two offsets an occurrence.
            per_term = np.diff(own_fp.term_starts)
            occurrences = per_term if own_fp.counts is None else np.add.reduceat(own_fp.counts, own_fp.term_starts[:-1])
            sizes = 4 * per_term + 4 * occurrences
        limit = 1 << 62 if fieldname == dupgroups.ANCHOR_FIELD else segmerge.CHUNK_BYTES
        for lo, hi in segmerge.chunks(own_terms, sizes, self._merged, fieldname, limit):
            parts: list[Terms] = []
            if own_fp is not None:
                a, b = segmerge.term_range(own_terms, lo, hi)
                parts.append(segmerge.slice_terms(own_terms, own_fp, a, b))
            for seg in self._merged:
                a, b = segmerge.term_range(seg.extents(fieldname).terms, lo, hi)
                parts.append(seg.postings(fieldname, a, b))
            if any(len(p[1].ids) for p in parts):
                self._write_field(fw, fieldname, field, segmerge.merge_postings(parts))


__all__ = ["V_NONE", "BulkWriter"]

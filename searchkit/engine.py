"""Vectorized query evaluation: a Whoosh query tree over whole postings arrays.

Whoosh evaluates a query one posting at a time in Python (a matcher tree
whose every step is a method call); here each term's postings come from
``postings.term_postings`` as numpy arrays, a node's matches are a pair of
arrays (global document numbers, ascending; scores), AND/OR/NOT are sorted
array set operations, and the scores are computed for whole arrays with the
same formulas, in the same order, as Whoosh's matchers and
``ranking.CombinedMatcher``: the scores equal the Whoosh path's (a test
compares them). Phrases take their candidates from the intersection of
their words' postings and decode positions for those candidates only.

Two things keep this fast on an index of many segments (200,000 articles
are 21 of them): a term is read from every segment at once
(``postings.Segments``: the term files and memory-mapped postings read
directly, all blocks decoded into one array), and a node's scores are
computed only when asked for (``Lazy``), so an AND or a phrase scores the
documents holding every part rather than each part's whole postings.

Query shapes this module does not evaluate raise ``Unsupported``, and the
caller runs Whoosh's own matchers instead (``SUPPORTED`` lists the shapes).
"""

from __future__ import annotations

import bisect
import itertools
import re
from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any, TypeVar, cast

import numpy as np
from whoosh import query as wq
from whoosh.reading import TermNotFound

from . import codec, postings, proximity, w3blocks
from .postings import Segments, TermBlocks
from .querytext import describe
from .ranking import CombinedTerm, combined_avg_length, combined_idf, lengths_of, lucene_idf, saturation

# The node types evaluate() handles; anything else falls back to Whoosh.
SUPPORTED = (
    "Term",
    "CombinedTerm",
    "And",
    "Or",
    "Not",
    "AndNot",
    "AndMaybe",
    "Every",
    "Phrase",
    "NumericRange on date",
    "Prefix",
    "Wildcard",
    "FuzzyTerm",
    "the analyst's operators (proximity.Operator: w/N, pre/N, /s, /p, atleastN, lead:, =WORD)",
)
# Terms whose decoded postings are kept per searcher (a query word is often
# asked for again: paging, did-you-mean, facets, a saved search).
POSTINGS_CACHE = 1024
# Filter sets (Arrays.in_set) kept per searcher: a boolean per document each.
MEMBER_SETS = 32
# Term look-ups of one field (did-you-mean's frequencies) before its whole
# dictionary is read for them (see Arrays.term_stats).
BULK_AFTER = 256
# Terms one wildcard or fuzzy word may stand for (README, "Limits").
MAX_EXPANSIONS = 1000
# Bits of a (document, position) key below the document: positions stay far
# below 2**32 (Whoosh stores them as 32-bit numbers).
_POS_BITS = 32

Match = tuple[np.ndarray, np.ndarray]  # global docnums (int64, ascending), scores (float64)
# A term's cached postings: global ids, weights, raw values for positions (or
# None), the number of postings before deleted documents were dropped, and
# where its blocks are when read through postings.Segments (else None).
_Entry = tuple[np.ndarray, np.ndarray, "list[bytes] | None", int, "TermBlocks | None"]
_NO_IDS = np.zeros(0, dtype=np.int64)
# Up to this many documents asked for (a page of hits), characters() reads
# each posting in Python (postings.Segments.spans_of) rather than by values()'
# numpy passes: on 19k articles the two cost the same at ~24 postings, each
# in its own block (~5 us a posting against ~110 us for values()' passes).
_FEW_SPANS = 20
# Up to this many documents (a phrase's words sharing few, as in most
# headlines), positions() reads each posting in Python as well
# (postings.Segments.positions_of): on 19k articles ~6-12 us for one posting
# against ~40-70 us for values(); for the benchmark's phrases 39 against
# 55 us at 20 postings, 48 against 54 at 23, the two even at ~30.
_FEW_POSITIONS = 24
_NO_SCORES = np.zeros(0, dtype=np.float64)


class Unsupported(Exception):
    """The query holds a node this evaluator does not handle."""


def _empty() -> Match:
    return _NO_IDS, _NO_SCORES


T = TypeVar("T")


class Arrays:
    """One searcher's index as arrays: live documents, field lengths, postings.

    Built once per searcher (a commit brings a new searcher and new arrays).
    """

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.schema = searcher.schema
        self.count = self.reader.doc_count_all()
        self.leaves: list[tuple[Any, int]] = list(self.reader.leaf_readers()) if self.count else []
        live = np.ones(self.count, dtype=bool)
        for leaf, offset in self.leaves:
            if leaf.has_deletions():
                for docnum in range(leaf.doc_count_all()):
                    if leaf.is_deleted(docnum):
                        live[offset + docnum] = False
        self.live = live
        self.live_ids = np.flatnonzero(live).astype(np.int64)
        self.every_live = len(self.live_ids) == self.count  # no deleted document to drop
        self._lengths: dict[str, np.ndarray] = {}
        self._lexicons: dict[str, list[str] | None] = {}
        self._frequencies: dict[str, dict[str, int] | None] = {}
        self._asked: dict[str, int] = {}
        self._letters: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._letters_asked: set[str] = set()
        self._expansions: dict[tuple[Any, ...], tuple[list[Any], str | None]] = {}
        self._postings: OrderedDict[tuple[str, Any], _Entry] = OrderedDict()
        self.blocks = postings.BlockMemo()
        self._derived: dict[str, Any] = {}
        self._sets: OrderedDict[Any, np.ndarray] = OrderedDict()

    def derived(self, name: str, build: Callable[[Arrays], T]) -> T:
        """What another module derives from these arrays (recency's date
        range, the operators' boundaries, the terms vocabulary), built on
        first use and kept as long as they are: one searcher's lifetime."""
        if name not in self._derived:
            self._derived[name] = build(self)
        return cast(T, self._derived[name])

    def in_set(self, key: Any, build: Callable[[], np.ndarray]) -> np.ndarray:
        """A boolean per docnum: whether it is one of the ids ``build`` gives
        (a filter's documents, such as a source's), kept per searcher under
        ``key`` (the last MEMBER_SETS asked for). A query's matches are then
        tested by one lookup each: np.isin sorts both arrays, 1.4 ms at 200k
        articles for a source cited by most of them."""
        found = self._sets.get(key)
        if found is None:
            found = np.zeros(self.count, dtype=bool)
            found[build()] = True
            self._sets[key] = found
            if len(self._sets) > MEMBER_SETS:
                self._sets.popitem(last=False)
        else:
            self._sets.move_to_end(key)
        return found

    def _column(self, fieldname: str, typecode: str) -> np.ndarray:
        parts = []
        for leaf, _ in self.leaves:
            fast = w3blocks.numeric_column(leaf, fieldname)
            if fast is None:  # another codec: Whoosh's reader, one value at a time
                fast = np.asarray(array(typecode, leaf.column_reader(fieldname)), dtype=np.int64)
            parts.append(fast)
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    @cached_property
    def days(self) -> np.ndarray:
        """Day number per docnum (0: undated), from the date column."""
        return self._column("date", "I")

    @cached_property
    def stamps(self) -> np.ndarray:
        """First-indexed Unix time per docnum."""
        return self._column("indexed_at", "q")

    def lengths(self, fieldname: str) -> np.ndarray:
        """Each document's length of the field as Whoosh scores it (byte-coded)."""
        found = self._lengths.get(fieldname)
        if found is None:
            parts = []
            for leaf, _ in self.leaves:
                fast = w3blocks.field_lengths(leaf, fieldname)
                parts.append(fast if fast is not None else np.asarray(lengths_of(leaf, fieldname), dtype=np.float64))
            found = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float64)
            self._lengths[fieldname] = found
        return found

    def postings(self, fieldname: str, btext: Any) -> tuple[np.ndarray, np.ndarray]:
        """A term's live postings over all segments: global ids, term weights."""
        entry = self._entry(fieldname, btext)
        return entry[0], entry[1]

    @cached_property
    def segments(self) -> Segments:
        """The segments read whole-searcher at a time (postings.Segments)."""
        return Segments(self.leaves, self.blocks)

    def _entry(self, fieldname: str, btext: Any) -> _Entry:
        key = (fieldname, btext)
        found = self._postings.get(key)
        if found is not None:
            self._postings.move_to_end(key)
            return found
        entry = self._read(fieldname, btext) if self.segments.usable and isinstance(btext, bytes) else None
        if entry is None:
            entry = self._read_by_segment(fieldname, btext)
        self._postings[key] = entry
        if len(self._postings) > POSTINGS_CACHE:
            self._postings.popitem(last=False)
        return entry

    def _read(self, fieldname: str, btext: bytes) -> _Entry:
        """A term's postings through postings.Segments: all segments at once."""
        tb = self.segments.term(fieldname, btext)
        ids, weights = tb.ids, tb.weights
        if not self.every_live and len(ids):
            keep = self.live[ids]
            if not keep.all():
                ids, weights = ids[keep], weights[keep]
        return ids, weights, None, tb.df, tb

    def _read_by_segment(self, fieldname: str, btext: Any) -> _Entry:
        """A term's postings segment by segment (any codec's)."""
        ids_parts = []
        weight_parts = []
        values: list[bytes] | None = []
        for leaf, offset in self.leaves:
            quick = self.blocks.postings(leaf, fieldname, btext)
            if quick is not None:  # the codec's segment: its blocks kept for positions and offsets
                values = None  # positions then come through postings.flat_positions
                if len(quick[0]):
                    ids_parts.append(quick[0] + offset if offset else quick[0])
                    weight_parts.append(quick[1])
                continue
            block = w3blocks.read_term(leaf, fieldname, btext)
            if block is None:
                ids, weights = postings.term_postings(leaf, fieldname, btext)
                values = None  # positions then come through postings.term_positions
            else:
                ids, weights, raw = block
                if raw is None:
                    if len(ids):
                        values = None
                elif values is not None:
                    values.extend(raw)
            if len(ids):
                ids_parts.append(ids.astype(np.int64) + offset)
                weight_parts.append(weights)
        stored = sum(len(p) for p in ids_parts)
        if ids_parts:
            ids = np.concatenate(ids_parts) if len(ids_parts) > 1 else ids_parts[0]
            weights = np.concatenate(weight_parts).astype(np.float64)
            keep = None if self.every_live else self.live[ids]
            if keep is not None and not keep.all():
                ids, weights = ids[keep], weights[keep]
                if values is not None:
                    values = [v for v, k in zip(values, keep.tolist(), strict=True) if k]
        else:
            ids, weights = _NO_IDS, _NO_SCORES
        return ids, weights, values, stored, None

    def lexicon(self, fieldname: str) -> list[str] | None:
        """The field's indexed words over all segments, sorted; None when a
        segment's term dictionary cannot be read in bulk.

        Read with the words' frequencies (``frequencies``): the same walk of
        the dictionary gives both for a few per cent more, and whoever needs
        the words (did-you-mean, fuzzy and wildcard words) soon asks how
        often each is used; reading them apart cost a second walk of the
        dictionary (~0.1 s on 19k articles) at a field's 257th look-up."""
        if fieldname not in self._lexicons and self.frequencies(fieldname) is None:
            self._lexicons[fieldname] = None
        return self._lexicons[fieldname]

    def term_stats(self, fieldname: str, text: Any) -> tuple[bool, int] | None:
        """Whether the term is indexed and its document frequency, summed over
        segments as Whoosh's merged reader sums them. From each segment's
        term info (a few lookups) until the field has been asked about
        BULK_AFTER times, then from its dictionary read in bulk (a hundred
        milliseconds once on 19k articles: a one-off command never pays it,
        a long-running process soon does). None when the text is no term
        of the field."""
        if fieldname not in self._frequencies:
            asked = self._asked[fieldname] = self._asked.get(fieldname, 0) + 1
            if asked > BULK_AFTER:
                self.frequencies(fieldname)
        freqs = self._frequencies.get(fieldname)
        if freqs is not None:
            word = _as_text(text)
            return word in freqs, freqs.get(word, 0)
        if fieldname not in self.schema:
            return None
        btext = text if isinstance(text, bytes) else _to_bytes(self.schema, fieldname, text)
        if btext is None:
            return None
        present, df = False, 0
        for leaf, _ in self.leaves:
            try:
                info = leaf.term_info(fieldname, btext)
            except TermNotFound:
                continue
            present = True
            df += info.doc_frequency()
        return present, df

    def frequencies(self, fieldname: str) -> dict[str, int] | None:
        """Each indexed word of the field with its document frequency over
        all segments (Whoosh's ``doc_frequency``), from the bulk read that
        gives ``lexicon``; None when a segment's dictionary cannot be read
        in bulk."""
        if fieldname not in self._frequencies:
            counts: dict[bytes, int] = {}
            for leaf, _ in self.leaves:
                found = w3blocks.dictionary(leaf, fieldname)
                if found is None:
                    self._frequencies[fieldname] = None
                    return None
                if not counts:
                    counts = dict(zip(*found, strict=True))
                    continue
                for word, n in zip(*found, strict=True):
                    counts[word] = counts.get(word, 0) + n
            freqs = {w.decode("utf-8"): n for w, n in counts.items()}
            self._frequencies[fieldname] = freqs
            self._lexicons.setdefault(fieldname, sorted(freqs))
        return self._frequencies[fieldname]

    def lexicon_frequencies(self, fieldname: str) -> np.ndarray | None:
        """``frequencies`` in the order of ``lexicon``, as an array."""

        def build(arrays: Arrays) -> np.ndarray | None:
            words, freqs = arrays.lexicon(fieldname), arrays.frequencies(fieldname)
            if words is None or freqs is None:
                return None
            return np.fromiter((freqs[w] for w in words), dtype=np.int64, count=len(words))

        return self.derived(f"lexicon-frequencies:{fieldname}", build)

    def first_search(self, fieldname: str) -> bool:
        """True the first time the field's near words are searched for (see
        words_within), when ``letters`` is not worth building yet."""
        if fieldname in self._letters or fieldname in self._letters_asked:
            return False
        self._letters_asked.add(fieldname)
        return True

    def letters(self, fieldname: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The field's dictionary (``lexicon``) as arrays: each word's length,
        its code points as a row of a matrix padded with zeros, and how often
        each letter occurs in it (see ``words_within``)."""
        found = self._letters.get(fieldname)
        if found is None:
            words = self.lexicon(fieldname) or []
            lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=len(words))
            width = int(lengths.max()) if len(words) else 0
            joined = "".join([w.ljust(width, "\0") for w in words]).encode("utf-32-le")
            codes = np.frombuffer(joined, dtype="<u4").reshape(len(words), width)
            cells = (np.arange(len(words), dtype=np.int64)[:, None] * (_PAD + 1) + _buckets(codes)).ravel()
            counts = np.bincount(cells, minlength=len(words) * (_PAD + 1)).reshape(len(words), _PAD + 1)
            found = lengths, codes, counts[:, :_PAD].astype(np.uint8)
            self._letters[fieldname] = found
        return found

    def expansion(self, q: wq.Query) -> tuple[list[Any], str | None]:
        """A wildcard or fuzzy word's terms (see Evaluator.expand) and the
        warning when they were cut; kept per searcher, so that the snippets
        of the same query highlight the same words without expanding again."""
        # A term range (``[a TO c]``) has ends, not a text.
        key = (
            type(q),
            q.fieldname,
            getattr(q, "text", None),
            tuple(getattr(q, name, None) for name in ("start", "end", "startexcl", "endexcl")),
            getattr(q, "maxdist", None),
            getattr(q, "prefixlength", None),
            MAX_EXPANSIONS,
        )
        cached = self._expansions.get(key)
        if cached is not None:
            return cached
        found: set[Any] = set()
        bulk = within_edits(self, q) if type(q) is wq.FuzzyTerm else matching_pattern(self, q)
        if bulk is not None:
            found.update(bulk)
        else:  # Whoosh's own expansion, per segment (its merged view costs twice as much)
            for leaf, _ in self.leaves:
                found.update(q._btexts(leaf))
        words = sorted(w for w in found if w)
        warning = None
        if len(words) > MAX_EXPANSIONS:
            warning = (
                f"{describe(q)} matches {len(words)} indexed words; searched the first {MAX_EXPANSIONS} (the limit)"
            )
            words = words[:MAX_EXPANSIONS]
        if len(self._expansions) >= 64:
            self._expansions.clear()
        self._expansions[key] = (words, warning)
        return words, warning

    def first_lives(self, fieldname: str, texts: Sequence[str]) -> list[int | None]:
        """The first live document holding each of the terms (not cached:
        for one-off lookups such as ids, which would flush the postings
        cache), segment by segment for all of them at once: in the searchkit
        codec's segments a term of one posting (an id) is settled from the
        term file's statistics, one numpy read per segment, without Whoosh's
        term info objects (a search's near-duplicate groups ask for ~1,000
        ids)."""
        found: list[int | None] = [None] * len(texts)
        pending = [(k, b) for k, text in enumerate(texts) if (b := _to_bytes(self.schema, fieldname, text)) is not None]
        fts = self.segments.fields(fieldname) if self.segments.usable else None
        for n, (leaf, offset) in enumerate(self.leaves):
            if not pending:
                break
            if fts is None:
                here = [self._first_live_in(leaf, offset, fieldname, btext) for _, btext in pending]
            elif fts[n] is None:
                continue
            else:
                here = self._first_lives_in(fts[n], leaf, offset, fieldname, pending)
            for (k, _), docnum in zip(pending, here, strict=True):
                found[k] = docnum
            # Not live in this segment (or absent): the next segments may hold it.
            pending = [p for p, docnum in zip(pending, here, strict=True) if docnum is None]
        return found

    def _first_lives_in(
        self, ft: Any, leaf: Any, offset: int, fieldname: str, pending: list[tuple[int, bytes]]
    ) -> list[int | None]:
        """_first_live_in for each term of one searchkit segment: a term of
        one posting is settled from the term file's df and minid, read for
        all of them at once."""
        at = ft.find_many([btext for _, btext in pending])
        present = at >= 0
        rows = at[present]
        dfs = iter(ft.stat("df")[rows].tolist())
        firsts = iter((ft.stat("minid")[rows].astype(np.int64) + offset).tolist())
        here: list[int | None] = []
        for (_, btext), hit in zip(pending, present.tolist(), strict=True):
            if not hit:
                here.append(None)
                continue
            df, first = next(dfs), next(firsts)
            if df == 1:
                here.append(first if self.live[first] else None)
            else:
                here.append(self._first_live_in(leaf, offset, fieldname, btext))
        return here

    def _first_live_in(self, leaf: Any, offset: int, fieldname: str, btext: bytes) -> int | None:
        """The first live document of one segment holding the term, through Whoosh's term info (any codec's)."""
        try:
            info = leaf.term_info(fieldname, btext)
        except TermNotFound:
            return None
        if info.doc_frequency() == 1 and info.min_id() is not None:
            # A term of one posting (an id): the term info names its document.
            return offset + int(info.min_id()) if self.live[offset + info.min_id()] else None
        block = w3blocks.read_term(leaf, fieldname, btext)
        ids = block[0] if block is not None else postings.term_postings(leaf, fieldname, btext)[0]
        for docnum in ids.tolist():
            if self.live[offset + docnum]:
                return offset + docnum
        return None

    def characters(
        self, fieldname: str, text: str, docs: Sequence[int]
    ) -> dict[int, list[tuple[int, int, int]]] | None:
        """(position, start, end) of the term in each of ``docs`` that holds
        it, from the cached raw values; None when they are not at hand."""
        btext = _to_bytes(self.schema, fieldname, text)
        if btext is None:
            return {}
        ids, _, values, _, tb = self._entry(fieldname, btext)
        found: dict[int, list[tuple[int, int, int]]] = {}
        if tb is not None and len(docs) <= _FEW_SPANS and self.segments.kind(fieldname) == codec.V_CHARS:
            # A page's hits: their rows found by one searchsorted, each
            # posting then read in Python (postings' spans_of).
            tids = tb.ids
            last = len(tids) - 1
            live = None if self.every_live else self.live
            ordered = sorted(docs)
            hit_rows: list[int] = []
            hit_docs: list[int] = []
            for doc, i in zip(ordered, tids.searchsorted(ordered).tolist(), strict=True):
                if i <= last and tids.item(i) == doc and (live is None or live[doc]):
                    hit_rows.append(i)
                    hit_docs.append(doc)
            if hit_rows:
                for doc, got in zip(hit_docs, self.segments.spans_of(tb, hit_rows), strict=True):
                    found[doc] = got
            return found
        wanted = np.asarray(sorted(docs), dtype=np.int64)
        if tb is not None:
            # Rows of the documents holding the term, in the stored postings.
            at = np.minimum(np.searchsorted(tb.ids, wanted), max(len(tb.ids) - 1, 0))
            hit = (tb.ids[at] == wanted) if len(tb.ids) else np.zeros(len(wanted), dtype=bool)
            if not self.every_live:
                hit &= self.live[wanted]
            if not hit.any():
                return found
            counts, spans = self.segments.values(fieldname, tb, at[hit], True)
            rows = [(p, a, b) for p, a, b in spans.tolist()]
            ends = np.cumsum(counts).tolist()
            for doc, end, count in zip(wanted[hit].tolist(), ends, counts.tolist(), strict=True):
                found[doc] = rows[end - count : end]
            return found
        at = np.searchsorted(ids, wanted)
        held = [(doc, i) for doc, i in zip(wanted.tolist(), at.tolist(), strict=True) if i < len(ids) and ids[i] == doc]
        if values is not None:
            decode = self.schema[fieldname].format.decode_characters
            for doc, i in held:
                found[doc] = decode(values[i])
            return found
        # Segments the searchkit codec wrote: its positions and offsets as
        # arrays (postings' contract), for the documents that hold the term.
        present = np.asarray([doc for doc, _ in held], dtype=np.int64)
        bounds = [offset for _, offset in self.leaves] + [self.count]
        for n, (leaf, offset) in enumerate(self.leaves):
            lo, hi = np.searchsorted(present, [offset, bounds[n + 1]])
            if hi <= lo:
                continue
            docs_here = present[lo:hi].tolist()
            quick = postings.posting_spans(leaf, fieldname, btext, [d - offset for d in docs_here], self.blocks)
            if quick is not None:
                for here, triples in quick.items():
                    found[here + offset] = triples
                continue
            local = (present[lo:hi] - offset).astype(np.int32)
            counts, spans = postings.flat_spans(leaf, fieldname, btext, local, self.blocks)
            rows = [(p, a, b) for p, a, b in spans.tolist()]
            ends = np.cumsum(counts).tolist()
            for doc, end, count in zip(docs_here, ends, counts.tolist(), strict=True):
                found[doc] = rows[end - count : end]
        return found

    def positions(
        self, fieldname: str, btext: Any, docs: np.ndarray, rows: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The term's positions in each of ``docs`` (global ids, ascending,
        a subset of the term's live postings), flat: each document's number
        of positions, and all of them one document after another. ``rows``,
        when the caller knows them, are the docs' rows in the term's
        postings (``postings``), saving a search for them."""
        ids, _, values, _, tb = self._entry(fieldname, btext)
        if tb is not None:
            if rows is None or not self.every_live:  # the stored postings hold deleted ones too
                rows = np.searchsorted(tb.ids, docs)
            if len(rows) > _FEW_POSITIONS:
                return self.segments.values(fieldname, tb, rows, False)
            lists = self.segments.positions_of(fieldname, tb, rows.tolist())
            counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
            flat = itertools.chain.from_iterable(lists)
            return counts, np.fromiter(flat, dtype=np.int64, count=int(counts.sum()))
        if values is not None:
            decode = self.schema[fieldname].format.decode_positions
            lists = [decode(values[i]) for i in np.searchsorted(ids, docs).tolist()]
            counts = np.fromiter((len(p) for p in lists), dtype=np.int64, count=len(lists))
            return counts, np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int64, count=int(counts.sum()))
        count_parts: list[np.ndarray] = []
        pos_parts: list[np.ndarray] = []
        bounds = [offset for _, offset in self.leaves] + [self.count]
        for i, (leaf, offset) in enumerate(self.leaves):
            lo, hi = np.searchsorted(docs, [offset, bounds[i + 1]])
            if hi > lo:
                local = (docs[lo:hi] - offset).astype(np.int32)
                counts, pos = postings.flat_positions(leaf, fieldname, btext, local, self.blocks)
                count_parts.append(counts)
                pos_parts.append(pos)
        if not count_parts:
            return _NO_IDS, _NO_IDS
        return np.concatenate(count_parts), np.concatenate(pos_parts)

    def doc_frequency(self, fieldname: str, btext: Any) -> int:
        """Whoosh's document frequency of the term (deleted documents
        included, as its term info counts them), from the postings read."""
        return self._entry(fieldname, btext)[3]


def _as_text(text: Any) -> Any:
    return text.decode("utf-8") if isinstance(text, bytes) else text


def _to_bytes(schema: Any, fieldname: str, text: Any) -> Any | None:
    try:
        return schema[fieldname].to_bytes(text)
    except ValueError:
        return None


def _intersect(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Common ids of two ascending unique arrays, with their indexes in each."""
    common, ia, ib = np.intersect1d(a, b, assume_unique=True, return_indices=True)
    return common, ia, ib


def distinct(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of integers made of a few ascending runs (postings
    concatenated): a stable sort merges runs in linear time, where numpy's
    hash-based unique costs 15 times as much on 3,000 ids."""
    out = np.sort(values, kind="stable")
    if len(out) < 2:
        return out
    keep = np.empty(len(out), dtype=bool)
    keep[0] = True
    np.not_equal(out[1:], out[:-1], out=keep[1:])
    return out[keep]


def _union(parts: Sequence[Match]) -> Match:
    """Ids in any part; each id's score the sum of its parts' scores."""
    parts = [p for p in parts if len(p[0])]
    if not parts:
        return _empty()
    if len(parts) == 1:
        return parts[0]
    ids = distinct(np.concatenate([p[0] for p in parts]))
    scores = np.zeros(len(ids), dtype=np.float64)
    for pids, pscores in parts:
        scores[np.searchsorted(ids, pids)] += pscores
    return ids, scores


def _without(a: Match, b_ids: np.ndarray) -> Match:
    if not len(b_ids) or not len(a[0]):
        return a
    keep = ~np.isin(a[0], b_ids, assume_unique=True)
    return a[0][keep], a[1][keep]


def _boosted(m: Match, boost: float) -> Match:
    # Whoosh's WrappingMatcher: a boost of 1 is not applied at all.
    return m if boost == 1.0 else (m[0], m[1] * boost)


class Lazy:
    """A node's matches with their scores computed when asked for: ``ids``
    (global docnums, ascending) at once, ``at(rows)`` the scores of
    ``ids[rows]`` (of all ids for None). An AND or a phrase then scores
    only the documents that hold every part, not each part's whole
    postings. Each subclass computes its scores by the eager path's
    formulas in the same order (numpy's elementwise arithmetic gives the
    same number for an element whatever the array around it), so the
    scores are the same bit for bit."""

    __slots__ = ("ids",)

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids

    def at(self, rows: np.ndarray | None) -> np.ndarray:
        raise NotImplementedError

    def match(self) -> Match:
        return self.ids, self.at(None)


class Scored(Lazy):
    """Matches whose scores are already computed."""

    __slots__ = ("scores",)

    def __init__(self, ids: np.ndarray, scores: np.ndarray) -> None:
        super().__init__(ids)
        self.scores = scores

    def at(self, rows: np.ndarray | None) -> np.ndarray:
        return self.scores if rows is None else self.scores[rows]


_NOTHING = Scored(_NO_IDS, _NO_SCORES)


class Boosted(Lazy):
    """Whoosh's WrappingMatcher boost: the scores times ``boost``."""

    __slots__ = ("boost", "inner")

    def __init__(self, inner: Lazy, boost: float) -> None:
        super().__init__(inner.ids)
        self.inner = inner
        self.boost = boost

    def at(self, rows: np.ndarray | None) -> np.ndarray:
        return self.inner.at(rows) * self.boost


def _boost(m: Lazy, boost: float) -> Lazy:
    # Whoosh's WrappingMatcher: a boost of 1 is not applied at all.
    return m if boost == 1.0 else Boosted(m, boost)


class Subset(Lazy):
    """Some of another node's matches: its ids at ``rows``."""

    __slots__ = ("inner", "rows")

    def __init__(self, inner: Lazy, rows: np.ndarray) -> None:
        super().__init__(inner.ids[rows])
        self.inner = inner
        self.rows = rows

    def at(self, rows: np.ndarray | None) -> np.ndarray:
        return self.inner.at(self.rows if rows is None else self.rows[rows])


class TermScores(Lazy):
    """A term's BM25 scores (scoring.bm25 as BM25FScorer calls it)."""

    __slots__ = ("avgfl", "b", "idf", "k1", "lengths", "tf")

    def __init__(
        self, ids: np.ndarray, tf: np.ndarray, lengths: np.ndarray, idf: float, avgfl: float, k1: float, b: float
    ) -> None:
        super().__init__(ids)
        self.tf, self.lengths, self.idf, self.avgfl, self.k1, self.b = tf, lengths, idf, avgfl, k1, b

    def at(self, rows: np.ndarray | None) -> np.ndarray:
        tf = self.tf if rows is None else self.tf[rows]
        fl = self.lengths[self.ids if rows is None else self.ids[rows]]
        idf, avgfl, k1, b = self.idf, self.avgfl, self.k1, self.b
        return idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / avgfl)))


class CombinedScores(Lazy):
    """ranking.CombinedMatcher's scores: the fields' weighted term
    frequencies and lengths summed, saturated once."""

    __slots__ = ("avg", "b", "boost", "idf", "k1", "lengths", "tf")

    def __init__(
        self,
        ids: np.ndarray,
        tf: np.ndarray,
        lengths: list[tuple[float, np.ndarray]],
        avg: float,
        idf: float,
        k1: float,
        b: float,
        boost: float,
    ) -> None:
        super().__init__(ids)
        self.tf, self.lengths, self.avg, self.idf, self.k1, self.b, self.boost = tf, lengths, avg, idf, k1, b, boost

    def at(self, rows: np.ndarray | None) -> np.ndarray:
        ids = self.ids if rows is None else self.ids[rows]
        tf = self.tf if rows is None else self.tf[rows]
        length = np.zeros(len(ids), dtype=np.float64)
        for boost, lengths in self.lengths:
            length += boost * lengths[ids]
        k1, b = self.k1, self.b
        norm = k1 * ((1 - b) + b * length / self.avg)
        return self.boost * self.idf * tf * (k1 + 1) / (tf + norm)


class Sum(Lazy):
    """An intersection (AND, a phrase's words): each id's parts' scores
    summed in the parts' order; ``maps[i]`` gives each id's row in part i
    (None: the ids are part i's own)."""

    __slots__ = ("maps", "parts")

    def __init__(self, ids: np.ndarray, parts: Sequence[Lazy], maps: Sequence[np.ndarray | None]) -> None:
        super().__init__(ids)
        self.parts, self.maps = parts, maps

    def at(self, rows: np.ndarray | None) -> np.ndarray:
        scores = np.zeros(len(self.ids) if rows is None else len(rows), dtype=np.float64)
        for part, where in zip(self.parts, self.maps, strict=True):
            scores += part.at(rows if where is None else (where if rows is None else where[rows]))
        return scores


class Union(Lazy):
    """A disjunction: each id's score the sum of the scores of the parts
    holding it, in the parts' order; ``where[i]`` gives each of part i's
    ids its row in ``ids``."""

    __slots__ = ("parts", "where")

    def __init__(self, ids: np.ndarray, parts: Sequence[Lazy], where: Sequence[np.ndarray]) -> None:
        super().__init__(ids)
        self.parts, self.where = parts, where

    def at(self, rows: np.ndarray | None) -> np.ndarray:
        if rows is None:
            scores = np.zeros(len(self.ids), dtype=np.float64)
            for part, where in zip(self.parts, self.where, strict=True):
                scores[where] += part.at(None)
            return scores
        scores = np.zeros(len(rows), dtype=np.float64)
        for part, where in zip(self.parts, self.where, strict=True):
            inverse = np.full(len(self.ids), -1, dtype=np.int64)
            inverse[where] = np.arange(len(where), dtype=np.int64)
            mine = inverse[rows]
            held = mine >= 0
            scores[held] += part.at(mine[held])
        return scores


def merged(arrays: Sequence[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """The union of ascending unique arrays, and the row of each array's
    entries in it: one stable sort of the arrays end to end (a merge of
    sorted runs), where locating each array's ids in the union by
    binary search costs several times as much on long postings."""
    joined = np.concatenate(arrays)
    order = np.argsort(joined, kind="stable")
    ordered = joined[order]
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    rows = np.empty(len(joined), dtype=np.int64)
    rows[order] = np.cumsum(first) - 1
    bounds = np.cumsum([len(a) for a in arrays]).tolist()
    return ordered[first], [rows[lo:hi] for lo, hi in zip([0, *bounds[:-1]], bounds, strict=True)]


def common(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ids in both of two ascending unique arrays, with their rows in
    each: the shorter searched in the longer when it is much shorter, else
    both merged by one stable sort (np.intersect1d sorts and cannot take
    the inputs' order)."""
    if len(a) > len(b):
        ids, ib, ia = common(b, a)
        return ids, ia, ib
    if not len(a):
        return _NO_IDS, _NO_IDS, _NO_IDS
    if len(a) * 16 <= len(b):
        at = np.searchsorted(b, a)
        np.minimum(at, len(b) - 1, out=at)
        ia = np.flatnonzero(b[at] == a)
        return a[ia], ia, at[ia]
    joined = np.concatenate((a, b))
    order = np.argsort(joined, kind="stable")
    ordered = joined[order]
    pairs = np.flatnonzero(ordered[1:] == ordered[:-1])  # a's copy first: the sort is stable
    return ordered[pairs], order[pairs], order[pairs + 1] - len(a)


def _intersection(parts: Sequence[Lazy], order: Sequence[int]) -> Sum:
    """The ids in every part (intersected in ``order``), scored as their
    parts' sum in the parts' own order."""
    first = order[0]
    ids = parts[first].ids
    maps: dict[int, np.ndarray | None] = {first: None}
    for i in order[1:]:
        if not len(ids):
            return Sum(_NO_IDS, [], [])
        ids, mine, theirs = common(ids, parts[i].ids)
        maps = {k: (mine if m is None else m[mine]) for k, m in maps.items()}
        maps[i] = theirs
    return Sum(ids, parts, [maps[i] for i in range(len(parts))])


class Evaluator:
    """Evaluates one query over an ``Arrays``; see the module doc.

    ``warnings`` collects what the user should hear about (an expansion cut
    at ``MAX_EXPANSIONS``).
    """

    def __init__(self, arrays: Arrays) -> None:
        self.a = arrays
        self.searcher = arrays.searcher
        self.parent = arrays.searcher.get_parent()
        # The searcher's Ranking (its weighting model), as CombinedMatcher reads it.
        self.k1, self.b = saturation(arrays.searcher)
        self.whole = self.parent is arrays.searcher
        self.warnings: list[str] = []

    def expand(self, q: wq.Query) -> list[Any]:
        """The indexed terms a wildcard or fuzzy word stands for, at most
        MAX_EXPANSIONS of them (the first in term order, with a warning)."""
        words, warning = self.a.expansion(q)
        if warning:
            self.warnings.append(warning)
        return words

    def run(self, q: wq.Query) -> Match:
        return self.visit(q)

    def visit(self, q: wq.Query) -> Match:
        return self.lazy(q).match()

    def lazy(self, q: wq.Query) -> Lazy:
        """The query's matches, scored when asked for (see ``Lazy``)."""
        kind = type(q)
        if kind is wq.Term:
            return self.term_scores(q.fieldname, q.text, q.boost)
        if kind is CombinedTerm:
            return self.combined(q)
        if kind in (wq.And, wq.Or):
            subs = q.subqueries
            if not subs:
                return _NOTHING
            if len(subs) == 1:  # Whoosh's CompoundQuery.matcher drops the boost here
                return self.lazy(subs[0])
            return self.conjunction(q) if kind is wq.And else self.disjunction(q)
        if kind is wq.AndNot:
            a = self.lazy(q.a)
            drop = self.ids(q.b)
            if not len(drop) or not len(a.ids):
                return a
            return Subset(a, np.flatnonzero(~np.isin(a.ids, drop, assume_unique=True)))
        if kind is wq.Phrase:
            return self.phrase_scores(q)
        return Scored(*self.eager(q))

    def eager(self, q: wq.Query) -> Match:
        """The nodes scored whole as they are found."""
        kind = type(q)
        if kind is wq.Not:
            return self.inverse(q.query)
        if kind is wq.AndMaybe:
            a = self.visit(q.a)
            b = self.visit(q.b)
            _, ia, ib = _intersect(a[0], b[0])
            scores = a[1].copy()
            scores[ia] += b[1][ib]
            return a[0], scores
        if kind is wq.Every and q.fieldname in (None, "", "*"):
            return self.a.live_ids, np.full(len(self.a.live_ids), float(q.boost))
        if kind is wq.NumericRange and q.fieldname == "date":
            return self.date_range(q)
        if kind in (wq.Prefix, wq.Wildcard, wq.FuzzyTerm):
            return self.multiterm(q)
        if isinstance(q, proximity.Operator):
            return proximity.evaluate(self, q)
        raise Unsupported(type(q).__name__)

    def ids(self, q: wq.Query) -> np.ndarray:
        return self.visit(q)[0]

    # -- leaves ----------------------------------------------------------
    def term(self, fieldname: str, text: Any, boost: float) -> Match:
        return self.term_scores(fieldname, text, boost).match()

    def term_scores(self, fieldname: str, text: Any, boost: float) -> Lazy:
        schema = self.a.schema
        if fieldname not in schema:
            return _NOTHING
        btext = _to_bytes(schema, fieldname, text)
        if btext is None:
            return _NOTHING
        ids, tf = self.a.postings(fieldname, btext)
        if not len(ids):
            return _NOTHING
        if not schema[fieldname].scorable:
            return _boost(Scored(ids, tf), boost)  # Whoosh's WeightScorer: the weight
        # scoring.bm25 as BM25FScorer calls it, term for term.
        parent = self.parent
        # The postings just read count the whole index only when these
        # arrays are the top searcher's (a Whoosh matcher may build arrays of
        # one segment's sub-searcher: the frequency is then the parent's).
        df = self.a.doc_frequency(fieldname, btext) if self.whole else parent.doc_frequency(fieldname, btext)
        idf = lucene_idf(df, parent.doc_count_all())
        avgfl = parent.avg_field_length(fieldname) or 1
        return _boost(TermScores(ids, tf, self.a.lengths(fieldname), idf, avgfl, self.k1, self.b), boost)

    def combined(self, q: CombinedTerm) -> Lazy:
        subs = q.subqueries
        if len(subs) == 1:
            return self.lazy(subs[0])
        schema = self.a.schema
        fields = [s.fieldname for s in subs]
        text = subs[0].text
        found = []
        frequencies = []
        for s in subs:
            btext = _to_bytes(schema, s.fieldname, s.text)
            if btext is not None:
                ids, w = self.a.postings(s.fieldname, btext)
                frequencies.append(self.a.doc_frequency(s.fieldname, btext))
                if len(ids):
                    found.append((ids, w, s.boost))
        if not found:
            return _NOTHING
        if len(found) == 1:
            ids, rows = found[0][0], [None]
        else:
            ids, rows = merged([f[0] for f in found])  # type: ignore[assignment]
        # CombinedMatcher.weight(): 0 + w1*tf1 + w2*tf2, in field order.
        tf = np.zeros(len(ids), dtype=np.float64)
        for (_, w, fboost), where in zip(found, rows, strict=True):
            if where is None:
                tf += fboost * w
            else:
                tf[where] += fboost * w
        lengths = [(s.boost, self.a.lengths(s.fieldname)) for s in subs]
        avg = combined_avg_length(self.searcher, [(s.fieldname, s.boost) for s in subs]) or 1.0
        if self.whole and len(frequencies) == len(subs):
            # ranking.combined_idf's number, from the postings just read.
            idf = lucene_idf(max(frequencies), self.parent.doc_count_all())
        else:
            idf = combined_idf(self.searcher, fields, text)
        return CombinedScores(ids, tf, lengths, avg, idf, self.k1, self.b, q.boost)

    def multiterm(self, q: wq.Query) -> Match:
        """A wildcard or fuzzy word: its expansion, ORed (as Whoosh's MultiTerm.matcher)."""
        words = self.expand(q)
        if not words:
            return _empty()
        # Whoosh asks for constant scores (weighting None) here, but
        # Searcher.postings() then falls back to the searcher's weighting:
        # the expanded terms are scored as ordinary terms.
        parts = [self.term(q.fieldname, w, 1.0) for w in words]
        if len(parts) == 1:
            return parts[0]  # Whoosh uses the one Term's matcher: no boost
        return _boosted(_union(parts), q.boost)

    def date_range(self, q: wq.NumericRange) -> Match:
        # Constant score, as Whoosh's NumericRange: each range term's weight
        # (1 for a numeric field) under the OR, and the OR's boost.
        days = self.a.days
        lo = q.start if q.start is not None else 0
        hi = q.end if q.end is not None else 2**32
        live = self.a.live_ids
        d = days[live]
        keep = (d > lo if q.startexcl else d >= lo) & (d < hi if q.endexcl else d <= hi)
        ids = live[keep]
        return ids, np.full(len(ids), float(q.boost))

    def inverse(self, child: wq.Query) -> Match:
        # Whoosh's InverseMatcher: every live document the child lacks, weight 1.
        ids = _without((self.a.live_ids, self.a.live_ids), self.ids(child))[0]
        return ids, np.ones(len(ids), dtype=np.float64)

    # -- compounds -------------------------------------------------------
    def conjunction(self, q: wq.And) -> Lazy:
        parts = [self.lazy(s) for s in q.subqueries]
        # Intersect smallest first; the scores of all parts are summed.
        order = sorted(range(len(parts)), key=lambda i: len(parts[i].ids))
        return _boost(_intersection(parts, order), q.boost)

    def disjunction(self, q: wq.Or) -> Lazy:
        if q.scale is not None:
            raise Unsupported("Or with a coordination scale")
        parts = [p for p in (self.lazy(s) for s in q.subqueries) if len(p.ids)]
        if not parts:
            return _NOTHING
        if len(parts) == 1:
            return _boost(parts[0], q.boost)
        ids, where = merged([p.ids for p in parts])
        return _boost(Union(ids, parts, where), q.boost)

    def phrase(self, q: wq.Phrase) -> Match:
        return self.phrase_scores(q).match()

    def phrase_scores(self, q: wq.Phrase) -> Lazy:
        """Words in order, each within ``slop`` positions after the one before
        (Whoosh's SpanNear2, ordered, mindist 1); scored as the sum of the
        words' scores (its IntersectionMatcher), times the phrase's boost."""
        schema = self.a.schema
        fieldname = q.fieldname
        if fieldname not in schema or not q.words:
            return _NOTHING
        field = schema[fieldname]
        if not field.format or not field.format.supports("positions"):
            raise Unsupported(f"phrase on {fieldname}, which has no positions")
        words = []
        for word in q.words:
            btext = _to_bytes(schema, fieldname, word)
            if btext is None:
                return _NOTHING
            words.append(btext)
        parts = [self.term_scores(fieldname, w, 1.0) for w in words]
        if any(not len(p.ids) for p in parts):
            return _NOTHING
        found = _intersection(parts, range(len(parts)))
        if not len(found.ids):
            return _NOTHING
        if len(words) > 1:
            rows = [np.arange(len(found.ids)) if m is None else m for m in found.maps]
            keep = self._in_sequence(fieldname, words, found.ids, max(q.slop, 1), rows)
            found = Sum(found.ids[keep], parts, [m[keep] for m in rows])
        return _boost(found, q.boost)

    def _in_sequence(
        self, fieldname: str, words: Sequence[Any], ids: np.ndarray, slop: int, rows: Sequence[np.ndarray]
    ) -> np.ndarray:
        """Which of ``ids`` hold the words in order, each 1..slop after the
        last; ``rows[i]`` are the ids' rows in word i's postings."""
        n = len(ids)
        which = np.arange(n, dtype=np.int64)
        # Ascending (document index, position) keys: positions() gives the
        # documents in order and each one's positions ascending, so the
        # keys need no sort (a repeated key, were a position stored twice,
        # changes no nearest end below).
        ends: np.ndarray | None = None
        for btext, at_rows in zip(words, rows, strict=True):
            counts, pos = self.a.positions(fieldname, btext, ids, at_rows)
            keys = (np.repeat(which, counts) << _POS_BITS) | pos
            if ends is None:
                ends = keys
                continue
            if not len(ends):
                break
            # For each position, the nearest chain end before it in the same
            # document: the key difference is then the position gap.
            at = np.searchsorted(ends, keys, side="left") - 1
            ok = at >= 0
            gap = keys - ends[np.maximum(at, 0)]
            ok &= (gap >= 1) & (gap <= slop)
            ends = keys[ok]
        found = np.zeros(n, dtype=bool)
        if ends is not None and len(ends):
            found[ends >> _POS_BITS] = True
        return found


def within_edits(arrays: Arrays, q: wq.FuzzyTerm) -> list[str] | None:
    """The field's indexed words within ``q.maxdist`` Levenshtein edits of
    ``q.text`` (sharing its first ``q.prefixlength`` letters): what Whoosh's
    segment automaton finds, computed for all candidate words at once.

    Whoosh's automaton walks the term dictionary in Python (3 s for one
    misspelt word on 19,000 articles); here the dictionary is read in bulk
    once per searcher and the edit-distance table filled for every
    candidate at once (see ``words_within``). None when a segment's
    dictionary cannot be read in bulk.
    """
    prefix = q.text[: q.prefixlength] if q.prefixlength else ""
    return words_within(arrays, q.fieldname, q.text, q.maxdist, prefix, transpositions=False)


def words_within(
    arrays: Arrays, fieldname: str, text: str, k: int, prefix: str, transpositions: bool, min_frequency: int = 0
) -> list[str] | None:
    """The field's words starting with ``prefix`` within ``k`` edits of
    ``text``: Levenshtein, or with ``transpositions`` the restricted
    Damerau-Levenshtein distance of whoosh.support.levenshtein; in
    dictionary order. With ``min_frequency``, only words that many
    documents use (``Arrays.frequencies``): did-you-mean wants no other,
    and most of a dictionary is rare words.

    Only words whose length is within ``k`` of the text's can be that near;
    their letters are rows of the dictionary's code-point matrix, kept per
    searcher (``Arrays.letters``). The distance table is filled one letter
    of ``text`` at a time for all candidates together, insertions along a
    row as a running minimum.
    """
    words = arrays.lexicon(fieldname)
    if words is None:
        return None
    # The words sharing the prefix are one slice of the sorted dictionary.
    lo, hi = (
        (bisect.bisect_left(words, prefix), bisect.bisect_left(words, prefix + "\U0010ffff"))
        if prefix
        else (0, len(words))
    )
    if hi <= lo:
        return []
    if arrays.first_search(fieldname):
        # The candidates' letters only: the whole matrix costs a one-off
        # command more than it saves it.
        cands = [w for w in words[lo:hi] if abs(len(w) - len(text)) <= k]
        freqs = arrays.frequencies(fieldname) if min_frequency > 1 else None
        if freqs is not None:
            cands = [w for w in cands if freqs.get(w, 0) >= min_frequency]
        if not cands:
            return []
        width = max(len(c) for c in cands)
        joined = "".join([c.ljust(width, "\0") for c in cands]).encode("utf-32-le")
        codes = np.frombuffer(joined, dtype="<u4").reshape(len(cands), width)
        lens = np.fromiter((len(c) for c in cands), dtype=np.int64, count=len(cands))
        close = (
            _within_one(codes, lens, text, transpositions)
            if k == 1
            else _distances(codes, lens, text, k, transpositions)
        )
        return [c for c, ok in zip(cands, close.tolist(), strict=True) if ok]
    lengths, letters, counts = arrays.letters(fieldname)
    near = lo + np.flatnonzero(np.abs(lengths[lo:hi] - len(text)) <= k)
    if min_frequency > 1 and len(near):
        used = arrays.lexicon_frequencies(fieldname)
        if used is not None:
            near = near[used[near] >= min_frequency]
    if k == 1:
        # One edit (did-you-mean's usual distance) needs no table: a few
        # comparisons of the candidates' letters with the text's.
        if not len(near):
            return []
        width = min(len(text) + 1, letters.shape[1])
        close = _within_one(letters[near, :width], lengths[near], text, transpositions)
        return [words[i] for i in near[close].tolist()]
    if len(near) > 32:
        # Letters the word has and the text lacks (or the reverse) each cost
        # an edit: a cheap lower bound that drops most words before the table.
        diff = counts[near].astype(np.int16) - _letter_counts(text)
        near = near[np.maximum(np.maximum(diff, 0).sum(axis=1), np.maximum(-diff, 0).sum(axis=1)) <= k]
    if not len(near):
        return []
    width = min(len(text) + k, letters.shape[1])
    close = _distances(letters[near, :width], lengths[near], text, k, transpositions)
    return [words[i] for i in near[close].tolist()]


# Letter counts (see words_within): one column per letter a-z, one for any
# other character (a coarser count stays a lower bound), one for padding.
_OTHER, _PAD = 26, 27


def _buckets(codes: np.ndarray) -> np.ndarray:
    return np.where((codes >= 97) & (codes <= 122), codes.astype(np.int64) - 97, np.where(codes == 0, _PAD, _OTHER))


def _letter_counts(text: str) -> np.ndarray:
    codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    return np.bincount(_buckets(codes), minlength=_PAD + 1)[:_PAD].astype(np.int16)


def _within_one(codes: np.ndarray, lens: np.ndarray, text: str, transpositions: bool) -> np.ndarray:
    """Which words are at most one edit from ``text`` (``_distances`` with
    k=1, without the table): equal; one letter substituted, inserted or
    deleted; or, with ``transpositions``, two neighbours swapped. ``codes``
    holds each word's code points padded with zeros (at least
    ``min(len(text) + 1, codes.shape[1])`` columns), ``lens`` the lengths;
    only words whose length is within one of the text's can pass."""
    n = len(text)
    found = np.zeros(len(lens), dtype=bool)
    if not len(lens):
        return found
    t = np.frombuffer(text.encode("utf-32-le"), dtype="<u4")
    same = np.flatnonzero(lens == n)
    if len(same):
        c = codes[same, :n]
        diff = c != t
        wrong = diff.sum(axis=1)
        ok = wrong <= 1
        if transpositions and n > 1:
            swapped = diff[:, :-1] & diff[:, 1:] & (c[:, :-1] == t[1:]) & (c[:, 1:] == t[:-1])
            ok |= (wrong == 2) & swapped.any(axis=1)
        found[same[ok]] = True
    # A word one longer: the text with one letter inserted at some i, so its
    # first i letters are the text's and the rest the text's from i on.
    longer = np.flatnonzero(lens == n + 1)
    if len(longer) and codes.shape[1] > n:
        found[longer[_one_inserted(codes[longer, : n + 1], t)]] = True
    shorter = np.flatnonzero(lens == n - 1)
    if len(shorter) and n >= 1:
        # A word one shorter: the text is that word with one letter inserted.
        t_rows = np.broadcast_to(t, (len(shorter), n))
        found[shorter[_one_inserted_into(codes[shorter, : n - 1], t_rows)]] = True
    return found


def _one_inserted(longer: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Whether each row of ``longer`` (one code point longer than ``t``) is
    ``t`` with one code point inserted."""
    return _one_inserted_into(np.broadcast_to(t, (len(longer), len(t))), longer)


def _one_inserted_into(short: np.ndarray, long: np.ndarray) -> np.ndarray:
    """Whether each row of ``long`` is its row of ``short`` (one column
    fewer) with one code point inserted: for some i, the first i agree and
    ``long[i+1:] == short[i:]``."""
    rows, m = short.shape
    head = np.ones((rows, m + 1), dtype=bool)  # head[:, i]: the first i agree
    np.logical_and.accumulate(long[:, :m] == short, axis=1, out=head[:, 1:])
    tail = np.ones((rows, m + 1), dtype=bool)  # tail[:, i]: long[i+1:] == short[i:]
    if m:
        tail[:, :m] = np.logical_and.accumulate((long[:, 1:] == short)[:, ::-1], axis=1)[:, ::-1]
    return np.asarray((head & tail).any(axis=1), dtype=bool)


def _distances(codes: np.ndarray, lens: np.ndarray, text: str, k: int, transpositions: bool) -> np.ndarray:
    """Which words are within ``k`` edits of ``text``: each word's code
    points are a row of ``codes`` padded with zeros, its length in ``lens``.

    A word is dropped as soon as its table's row (and, with transpositions,
    the row before, which a swap reads from) exceeds ``k`` everywhere: no
    later row can come below it again (Ukkonen's cut-off), and most words
    are out after a few letters.
    """
    n, width = codes.shape
    alive = np.arange(n)
    steps = np.arange(width + 1, dtype=np.int64)
    row = np.broadcast_to(steps, (n, width + 1))  # distance from the empty prefix of text
    before = row
    for i, ch in enumerate(text, start=1):
        here = codes == ord(ch)
        best = np.minimum(row[:, :-1] + ~here, row[:, 1:] + 1)  # substitute/match, or delete
        if transpositions and i > 1 and width > 1:
            # text[i-2:i] == cand[j-1:j+1] reversed, and not a match: one edit.
            swap = np.zeros_like(here)
            swap[:, 1:] = (codes[:, :-1] == ord(ch)) & (codes[:, 1:] == ord(text[i - 2])) & ~here[:, 1:]
            best = np.where(swap, np.minimum(best, np.pad(before[:, :-2], ((0, 0), (1, 0))) + 1), best)
        start = np.full((len(alive), 1), i, dtype=np.int64)
        before, row = row, np.minimum.accumulate(np.concatenate([start, best], axis=1) - steps, axis=1) + steps
        hope = row.min(axis=1) <= k
        if transpositions:
            hope |= before.min(axis=1) <= k
        if not hope.all():
            alive, codes, lens, row, before = alive[hope], codes[hope], lens[hope], row[hope], before[hope]
            if not len(alive):
                break
    found = np.zeros(n, dtype=bool)
    found[alive[row[np.arange(len(alive)), lens] <= k]] = True
    return found


class QuickTerms:
    """A reader whose ``terms_within`` (did-you-mean's search for near
    spellings) runs over the engine's bulk-read dictionary, and whose
    ``doc_frequency`` and ``in`` come from ``Arrays.term_stats``;
    everything else goes to the wrapped reader. Finds the words Whoosh would: its merged
    reader measures restricted Damerau-Levenshtein distance, one segment's
    automaton plain Levenshtein."""

    def __init__(self, reader: Any, arrays: Arrays) -> None:
        self._reader = reader
        self._arrays = arrays
        self._transpositions = not reader.is_atomic()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)

    def __contains__(self, term: Any) -> bool:
        fieldname, text = term
        found = self._arrays.term_stats(fieldname, text)
        return term in self._reader if found is None else found[0]

    def doc_frequency(self, fieldname: str, text: Any) -> int:
        found = self._arrays.term_stats(fieldname, text)
        return self._reader.doc_frequency(fieldname, text) if found is None else found[1]

    def terms_within(self, fieldname: str, text: str, maxdist: int, prefix: int = 0) -> list[str]:
        return self.frequent_terms_within(fieldname, text, maxdist, prefix, 0)

    def frequent_terms_within(
        self, fieldname: str, text: str, maxdist: int, prefix: int, min_frequency: int
    ) -> list[str]:
        """``terms_within``, with only the words ``min_frequency`` documents
        or more use when their frequencies are at hand (some may be rarer:
        callers still weigh each candidate's own frequency)."""
        found = words_within(self._arrays, fieldname, text, maxdist, text[:prefix], self._transpositions, min_frequency)
        if found is None:
            return list(self._reader.terms_within(fieldname, text, maxdist, prefix=prefix))
        return found


def matching_pattern(arrays: Arrays, q: wq.Query) -> list[str] | None:
    """The field's indexed words a Prefix or Wildcard matches, as Whoosh's
    PatternQuery finds them (same prefix and pattern), over the bulk-read
    dictionary; None when it cannot be read in bulk."""
    if not isinstance(q, (wq.Prefix, wq.Wildcard)):
        return None  # a term range (``[a TO c]``): Whoosh's own expansion
    words = arrays.lexicon(q.fieldname)
    if words is None:
        return None
    if type(q) is wq.Prefix:
        prefix, pattern = q.text, None
    else:
        prefix, pattern = q._find_prefix(q.text), re.compile(q._get_pattern())
    lo = bisect.bisect_left(words, prefix)
    found = []
    for word in words[lo:]:
        if not word.startswith(prefix):
            break
        if pattern is None or pattern.match(word):
            found.append(word)
    return found


def evaluate(arrays: Arrays, q: wq.Query) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The query's matches, their scores and any warnings; raises
    Unsupported for shapes it lacks."""
    ev = Evaluator(arrays)
    ids, scores = ev.run(q)
    return ids, scores, ev.warnings


def by_date(ids: np.ndarray, days: np.ndarray, newest: bool, k: int) -> np.ndarray:
    """Indexes of the first ``k`` of ``ids`` by date (undated last), ties by docnum."""
    day = days[ids]
    if newest:
        order = np.lexsort((ids, -day))
    else:
        order = np.lexsort((ids, np.where(day == 0, 2**32, day)))
    return order[: max(k, 0)]


def top(ids: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the ``k`` best, highest score first, ties by lower docnum
    (the order of Whoosh's top-N collector)."""
    n = len(ids)
    if k <= 0 or not n:
        return np.zeros(0, dtype=np.int64)
    if n > k:
        # Every entry scoring at least the k-th best, so ties at the edge are
        # decided by docnum as Whoosh decides them.
        kth = np.partition(scores, n - k)[n - k]
        cand = np.flatnonzero(scores >= kth)
    else:
        cand = np.arange(n)
    order = np.lexsort((ids[cand], -scores[cand]))
    return cand[order[:k]]

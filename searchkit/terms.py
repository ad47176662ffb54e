"""Significant terms: the words that set a result set apart from the index.

What Elasticsearch's ``significant_text`` aggregation and Media Cloud's
"top words" answer: not the most frequent words of the hits (those are
*said* and *year* for any query), but the words whose share of the result
set most exceeds their share of the whole index.

**Counts.** Document frequencies, both sides: a word's *foreground* count
is the number of articles of the result set holding it, its *background*
count the number of articles of the index holding it. Both sets are
counted as ``search`` counts: near-duplicates (syndicated copies) folded
into one article per group, unless ``all_copies``, so that a story wired
five times weighs once on each side and ``*`` (the whole index) has no
significant terms at all. The counts come from the postings of the
``words`` field (each article's distinct words of headline and body, see
spelling.vocabulary), read once per searcher into one array of word
numbers per article (:class:`Vocabulary`); a query then counts the rows of
its matches with one ``numpy.bincount``, and no article text is read again.

**What counts as a word.** The ``words`` field's: lowercased and
accent-folded, unstemmed (*missile* and *missiles* are two words, as in
``significant_text`` on an unstemmed field), letters only and at least two
of them, so numbers (*1987*, *50*), single letters and dotted acronyms
(*u.s.*) are never candidates: a year is a date filter's business, not a
topic. English function words (:data:`STOPWORDS`: articles, pronouns,
auxiliaries, prepositions, conjunctions) are left out as well; they would
score near 0 anyway, but a small result set can lift one by chance. The
query's own words are kept and usually come first, as in Elasticsearch.

**The statistic: JLH**, Elasticsearch's default significance heuristic
(reference: "Significant terms aggregation", section "JLH score", and
``org.elasticsearch.search.aggregations.bucket.terms.heuristic.JLHScore``).
With ``fg% = foreground count / foreground size`` and ``bg% = background
count / background size``::

    score = (fg% - bg%) * (fg% / bg%)    if fg% > bg%, else 0

The absolute change (``fg% - bg%``) alone favours common words, the
relative change (``fg% / bg%``) alone rare ones (misspellings); their
product favours words of middling frequency that the result set holds far
more often than the index does. A background count of 0 is taken as 1
(Elasticsearch does the same; here it cannot happen: a background count
is never below the foreground's, see :func:`significant`). As in
Elasticsearch, a word must be in at least ``min_count`` articles of the
result set (default 3, its ``min_doc_count``) to be listed: one or two
articles using a rare word say nothing about the set.
Ties are broken by the higher foreground count, then alphabetically.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import codec, postings
from .reports import SignificantTerms as SignificantTerms  # re-exported: the types live in reports
from .reports import Term as Term
from .spelling import FIELD

STATISTIC = "jlh"
# Elasticsearch's significant_terms/significant_text default min_doc_count.
MIN_COUNT = 3
DEFAULT_LIMIT = 25
# English function words (Snowball's English stop list, as the words field
# holds them: letters only, so "don't" is "don" and a lone "t" is absent).
STOPWORDS = frozenset(
    """
    a about above after again against all am an and any are aren as at be because been before being below
    between both but by can cannot could couldn did didn do does doesn doing don down during each few for
    from further had hadn has hasn have haven having he her here hers herself him himself his how if in
    into is isn it its itself just ll me more most mustn my myself no nor not now of off on once only or
    other ought our ours ourselves out over own re same shan she should shouldn so some such than that the
    their theirs them themselves then there these they this those through to too under until up ve very
    was wasn we were weren what when where which while who whom why will with won would wouldn you your
    yours yourself yourselves
    """.split()
)


def jlh(fg: np.ndarray, fg_size: int, bg: np.ndarray, bg_size: int) -> np.ndarray:
    """Elasticsearch's JLH score of each word (see the module doc), for
    arrays of foreground and background counts."""
    fg = np.asarray(fg, dtype=np.float64)
    bg = np.asarray(bg, dtype=np.float64)
    if not fg_size or not bg_size:
        return np.zeros(len(fg), dtype=np.float64)
    fg_pct = fg / fg_size
    bg_pct = np.maximum(bg, 1.0) / bg_size
    change = fg_pct - bg_pct
    return np.where(change > 0, change * (fg_pct / bg_pct), 0.0)


def _is_codec_segment(leaf: Any) -> bool:
    return bool(getattr(type(getattr(leaf, "_codec", None)), "searchkit_codec", False))


# A segment's postings of one field are read as one slice of its postings
# file when they span at most this many bytes (the words field of 19k
# articles: about 3 MB), else term by term.
SLICE_LIMIT = 64 << 20


def _dictionary(leaf: Any, fieldname: str) -> list[tuple[bytes, int, int, int]]:
    """(term, posting count, postings offset, postings length) of every term
    of the field in a codec segment, in term order; offset -1 for postings
    inlined in the entry.

    The entries are read from the term dictionary's memory map in one pass
    (W3's ordered hash file: key and value lengths, key, value; the value
    W3TermInfo's fields, ``codec._TERMINFO``) rather than one Whoosh
    TermInfo object per term, which costs ten times as much; a dictionary
    without a memory map goes through ``iter_field``. A test proves both equal.
    """
    terms = leaf._terms
    entries = getattr(terms, "entries", None)
    if entries is not None:  # the codec's term file reads a field's entries as arrays
        return entries(fieldname)
    buf = getattr(terms, "_map", None)
    if buf is None:
        found = []
        for btext, ti in leaf.iter_field(fieldname):
            if ti.is_inlined():
                found.append((btext, ti.doc_frequency(), -1, 0))
            else:
                offset, length = ti.extent()
                # W3TermInfo.from_bytes leaves the length as struct.unpack's 1-tuple.
                found.append((btext, ti.doc_frequency(), offset, length[0] if isinstance(length, tuple) else length))
        return found
    tindex = terms._tindex
    prefix = terms._keycoder(fieldname, b"")
    pos = tindex.closest_key_pos(prefix)
    end = tindex.endofdata
    lengths, info = codec._HASH_LENGTHS, codec._TERMINFO
    skip = len(prefix)
    out = []
    while pos is not None and pos < end:
        keylen, datalen = lengths.unpack_from(buf, pos)
        keypos = pos + lengths.size
        if buf[keypos : keypos + skip] != prefix:
            break
        datapos = keypos + keylen
        btext = buf[keypos + skip : datapos]
        if buf[datapos]:  # W3's flag byte: postings pickled inline
            out.append((btext, leaf.term_info(fieldname, btext).doc_frequency(), -1, 0))
        else:
            fields = info.unpack_from(buf, datapos)
            out.append((btext, fields[2], fields[8], fields[9]))
        pos = datapos + datalen
    return out


def field_postings(leaf: Any, fieldname: str) -> tuple[list[bytes], np.ndarray, np.ndarray]:
    """Every term of the field in one segment (in term order), each term's
    posting count, and all their document numbers one term after another
    (segment-local, ascending per term, deleted documents included).

    A segment the searchkit codec wrote is read in one pass over its term
    dictionary and one read of the postings' bytes, each block parsed in
    place (the layout of ``codec.read_postings``, which a test proves this
    equal to); any other goes through ``postings.term_postings`` term by term.
    """
    if not _is_codec_segment(leaf):
        texts = list(leaf.lexicon(fieldname))
        parts = [postings.term_postings(leaf, fieldname, btext)[0] for btext in texts]
        counts = np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts))
        ids = np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, dtype=np.int64)
        return texts, counts, ids
    postfile = leaf._terms._postfile
    entries = _dictionary(leaf, fieldname)
    texts = [btext for btext, _, _, _ in entries]
    counts = np.fromiter((df for _, df, _, _ in entries), dtype=np.int64, count=len(entries))
    ids = np.empty(int(counts.sum()), dtype=np.int64)
    extents = [(off, length) for _, _, off, length in entries if off >= 0]
    lo = min((off for off, _ in extents), default=0)
    hi = max((off + length for off, length in extents), default=0)
    buf = postfile.get(lo, hi - lo) if hi - lo <= SLICE_LIMIT else None
    if buf is None:
        at = 0
        for btext, n, _, _ in entries:
            ids[at : at + n] = _term_ids(leaf, fieldname, btext, postfile)
            at += n
        return texts, counts, ids
    return texts, counts, _parse_blocks(leaf, fieldname, entries, buf, lo, len(ids))


def _term_ids(leaf: Any, fieldname: str, btext: bytes, postfile: Any) -> np.ndarray:
    terminfo = leaf.term_info(fieldname, btext)
    if terminfo.is_inlined():
        return np.asarray(terminfo.inlined_postings()[0], dtype=np.int64)
    return codec.read_postings(postfile, terminfo)[0]


def _parse_blocks(
    leaf: Any, fieldname: str, entries: list[tuple[bytes, int, int, int]], buf: bytes, lo: int, total: int
) -> np.ndarray:
    """The document numbers of ``entries``' postings, all blocks decoded at
    once: a Python step reads each block's header (``codec.block_chain``:
    count, first id, id width), then every block's id deltas are read
    with one gather per width and summed up per block with one cumulative
    sum (each block restarts from its absolute first id)."""
    starts: list[int] = []  # each block's first id, at its place in the output
    firsts: list[int] = []
    runs: dict[int, tuple[list[int], list[int], list[int]]] = {1: ([], [], []), 2: ([], [], []), 4: ([], [], [])}
    at = 0
    for btext, _count, offset, _ in entries:
        if offset < 0:  # inlined in the dictionary entry: each id its own run of 1
            for docnum in leaf.term_info(fieldname, btext).inlined_postings()[0]:
                starts.append(at)
                firsts.append(docnum)
                at += 1
            continue
        for count, firstid, width, idpos in codec.block_chain(buf, offset - lo):
            starts.append(at)
            firsts.append(firstid)
            if count > 1:
                places, sources, lengths = runs[width]
                places.append(at + 1)
                sources.append(idpos)
                lengths.append(count - 1)
            at += count
    if at != total:
        raise ValueError(f"searchkit postings: {at} ids decoded where the dictionary counts {total}")
    values = np.zeros(total, dtype=np.int64)
    raw = np.frombuffer(buf, dtype=np.uint8)
    for width, (places, sources, lengths) in runs.items():
        if not places:
            continue
        run = np.asarray(lengths, dtype=np.int64)
        inside = np.arange(int(run.sum()), dtype=np.int64) - np.repeat(np.cumsum(run) - run, run)
        where = np.repeat(np.asarray(places, dtype=np.int64), run) + inside
        byte = np.repeat(np.asarray(sources, dtype=np.int64), run) + inside * width
        delta = raw[byte].astype(np.int64)
        for k in range(1, width):  # little-endian
            delta |= raw[byte + k].astype(np.int64) << (8 * k)
        values[where] = delta
    first_at = np.asarray(starts, dtype=np.int64)
    values[first_at] = np.asarray(firsts, dtype=np.int64)
    # Running sums restarted at each block's first id.
    sums = np.cumsum(values)
    before = sums[first_at] - values[first_at]
    return sums - np.repeat(before, np.diff(np.append(first_at, total)))


class Vocabulary:
    """Each live article's distinct counted words, as word numbers.

    ``words`` is the sorted list of counted words; article ``d``'s word
    numbers are ``row(d)``, a slice of one array (a CSR layout: rows by
    document number, ``indptr`` their bounds). Built once per searcher from
    the postings of ``fieldname``, without the stopwords.
    """

    def __init__(self, arrays: Any, fieldname: str = FIELD, stopwords: frozenset[str] = STOPWORDS) -> None:
        count = arrays.count
        numbers: dict[bytes, int] = {}
        docs: list[np.ndarray] = []
        word_of: list[np.ndarray] = []
        for leaf, offset in arrays.leaves:
            texts, counts, ids = field_postings(leaf, fieldname)
            here = np.empty(len(texts), dtype=np.int32)
            for i, btext in enumerate(texts):
                n = numbers.get(btext)
                if n is None:
                    n = -1 if btext.decode("utf-8") in stopwords else len(numbers)
                    if n >= 0:
                        numbers[btext] = n
                here[i] = n
            word = np.repeat(here, counts)
            kept = word >= 0
            docs.append(ids[kept] + offset)
            word_of.append(word[kept])
        doc = np.concatenate(docs) if docs else np.zeros(0, dtype=np.int64)
        word = np.concatenate(word_of) if word_of else np.zeros(0, dtype=np.int32)
        keep = arrays.live[doc]
        doc, word = doc[keep], word[keep]
        # Word numbers in sorted word order, so that ties list alphabetically.
        texts = list(numbers)
        order = sorted(range(len(texts)), key=texts.__getitem__)
        rank = np.empty(len(texts), dtype=np.int32)
        rank[np.asarray(order, dtype=np.int64)] = np.arange(len(texts), dtype=np.int32)
        word = rank[word] if len(word) else word
        self.words = [texts[i].decode("utf-8") for i in order]
        by_doc = np.argsort(doc, kind="stable")
        self.row_words = word[by_doc]
        self.indptr = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(np.bincount(doc, minlength=count), out=self.indptr[1:])
        # Background counts: every live article's words.
        self.background = np.bincount(self.row_words, minlength=len(self.words)).astype(np.int64)
        self.articles = int(arrays.live.sum())
        self._backgrounds: dict[str, tuple[np.ndarray, int]] = {}

    def background_of(self, key: str, ids: Callable[[], np.ndarray]) -> tuple[np.ndarray, int]:
        """Counts over the articles ``ids()`` and their number, computed once
        per ``key`` (the index folded one article per near-duplicate group
        is the same for every query of a searcher)."""
        found = self._backgrounds.get(key)
        if found is None:
            chosen = ids()
            found = self._backgrounds[key] = (self.counts(chosen), len(chosen))
        return found

    def row(self, docnum: int) -> np.ndarray:
        return self.row_words[self.indptr[docnum] : self.indptr[docnum + 1]]

    def counts(self, ids: np.ndarray) -> np.ndarray:
        """How many of the articles ``ids`` (distinct live docnums) hold each word."""
        ids = np.asarray(ids, dtype=np.int64)
        starts = self.indptr[ids]
        lengths = self.indptr[ids + 1] - starts
        total = int(lengths.sum())
        if not total:
            return np.zeros(len(self.words), dtype=np.int64)
        # The rows' entries: each row's start, repeated over its length, plus
        # the entry's place inside its row.
        inside = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        picked = self.row_words[np.repeat(starts, lengths) + inside]
        return np.bincount(picked, minlength=len(self.words)).astype(np.int64)


def vocabulary(arrays: Any) -> Vocabulary:
    """The searcher's vocabulary (built on first use, kept while ``arrays`` lives)."""
    return arrays.derived("terms.vocabulary", Vocabulary)


def significant(
    vocab: Vocabulary,
    ids: np.ndarray,
    query: str,
    background: tuple[np.ndarray, int] | None = None,
    limit: int = DEFAULT_LIMIT,
    min_count: int = MIN_COUNT,
    warnings: tuple[str, ...] = (),
) -> SignificantTerms:
    """The ``limit`` best words of the result set ``ids`` by JLH against
    the ``background`` (counts and size; default every live article),
    among words in at least ``min_count`` of them (see the module doc)."""
    bg, bg_size = background if background is not None else (vocab.background, vocab.articles)
    fg_size = len(ids)
    if not fg_size or limit <= 0:
        return SignificantTerms(query, fg_size, bg_size, (), min_count=min_count, warnings=warnings)
    fg = vocab.counts(ids)
    # A folded result set keeps each group's earliest *match*, the folded
    # index each group's earliest article: a copy's extra word can make a
    # foreground count exceed the background's, which then counts it too.
    bg = np.maximum(bg, fg)
    scores = jlh(fg, fg_size, bg, bg_size)
    candidates = np.flatnonzero((fg >= max(min_count, 1)) & (scores > 0))
    # Best score first, then the more frequent, then alphabetical (word numbers are sorted).
    order = np.lexsort((candidates, -fg[candidates], -scores[candidates]))[:limit]
    chosen = candidates[order]
    terms = tuple(Term(vocab.words[i], int(fg[i]), int(bg[i]), float(scores[i])) for i in chosen.tolist())
    return SignificantTerms(query, fg_size, bg_size, terms, min_count=min_count, warnings=warnings)

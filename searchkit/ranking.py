"""How matches are scored: BM25F over headline and body.

Each query word is scored over headline and body as one field whose term
frequency and length are the fields' weighted sums (the "simple BM25F" of
Robertson and Zaragoza, as in Lucene's CombinedFieldQuery), saturated once.
Whoosh's own BM25F scores each field separately and adds the scores, which
pays a word found in both fields its idf twice; with it, any headline weight
above 1 ranked worse on the test collections, with this one a heavier
headline ranks better (BENCHMARKS.md). Phrases, fielded words, wildcards
and fuzzy words keep Whoosh's per-field scoring with the same K1 and B.
The knobs are a :class:`Ranking`, passed down rather than patched.

The values were measured with benchmarks/relevance.py on the Cranfield and
CISI collections (see BENCHMARKS.md); change them only with a new
measurement.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq
from whoosh import scoring
from whoosh.codec import whoosh3
from whoosh.matching import Matcher, NullMatcher
from whoosh.util.numeric import byte_to_length

from .perdoc import numeric_bytes


# Measured (BENCHMARKS.md, `relevance.py --tune`, 31 settings): a headline
# counting as 2 body words, K1 2 and B 0.75 match or beat FTS5 and tantivy on
# both collections. HEADLINE_BOOST 3 with B 0.9 scored a little higher
# (worst ratio to the better engine 1.027 against 1.023) but sits at the
# edge of the grid; 2 is the conventional weight, and news headlines are
# short and sometimes say little ("U S WEST <USW> 3RD QTR NET").
@dataclass(frozen=True)
class Ranking:
    """The scoring knobs, passed down (``SearchIndex(path, ranking=...)``) so
    that a benchmark or a test ranks with its own values instead of patching
    module globals. The field boosts are built into each query; K1 and B ride
    in the searcher's weighting model, where both scoring paths (Whoosh's
    matchers and the vectorized engine) read them."""

    headline_boost: float = 2.0
    body_boost: float = 1.0
    k1: float = 2.0
    b: float = 0.75

    def field_boosts(self) -> dict[str, float]:
        return {"headline": self.headline_boost, "body": self.body_boost}

    def weighting(self) -> scoring.WeightingModel:
        return LuceneIdfBM25F(B=self.b, K1=self.k1)


DEFAULT = Ranking()


class LuceneIdfBM25F(scoring.BM25F):
    """Whoosh's BM25F with the idf Lucene and FTS5 use.

    Whoosh's idf, log(N / (n + 1)) + 1, never drops below about 1, so a word
    found in every article ("the", "what") still scores about an eighth of
    the rarest word and drowns long queries; log(1 + (N - n + 0.5) / (n + 0.5))
    goes to 0 for such words.
    """

    def idf(self, searcher: Any, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        return lucene_idf(parent.doc_frequency(fieldname, text), parent.doc_count_all())


def lucene_idf(n: int, total: int) -> float:
    """log(1 + (N - n + 0.5) / (n + 0.5)) for a word in n of N documents."""
    return math.log(1 + (total - n + 0.5) / (n + 0.5))


def saturation(searcher: Any) -> tuple[float, float]:
    """K1 and B of the searcher's weighting (``Ranking.weighting`` made it);
    Whoosh's own BM25F defaults for a searcher opened with another model."""
    model = searcher.get_parent().weighting
    return float(getattr(model, "K1", DEFAULT.k1)), float(getattr(model, "B", DEFAULT.b))


# Per top-level searcher: a word's combined idf and the fields' combined
# average length. A matcher is built per segment, and each would otherwise
# ask every segment for the document frequency again (Whoosh caches its own
# idf on the searcher for the same reason).
_STATS: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], float]] = weakref.WeakKeyDictionary()


def _cached(searcher: Any, key: tuple[Any, ...], compute: Any) -> float:
    parent = searcher.get_parent()
    stats = _STATS.setdefault(parent, {})
    if key not in stats:
        stats[key] = compute(parent)
    return stats[key]


def combined_idf(searcher: Any, fields: Sequence[str], text: str) -> float:
    """Lucene's idf over the combined field, its document frequency
    approximated by the largest per-field one (as Lucene's CombinedFieldQuery
    does): a word in the headline is nearly always in the body as well."""

    def compute(parent: Any) -> float:
        return lucene_idf(max(parent.doc_frequency(name, text) for name in fields), parent.doc_count_all())

    return _cached(searcher, ("idf", tuple(fields), text), compute)


def combined_avg_length(searcher: Any, weights: Sequence[tuple[str, float]]) -> float:
    def compute(parent: Any) -> float:
        return sum(w * (parent.avg_field_length(name) or 0.0) for name, w in weights)

    return _cached(searcher, ("avg", tuple(weights)), compute)


class CombinedMatcher(Matcher):
    """Scores one word over several fields as if they were one field (BM25F).

    Whoosh scores each field on its own and adds the scores, so a word in
    both headline and body earns its idf twice and is saturated twice; here
    the weighted term frequencies and lengths are summed first and saturated
    once, so the headline weighs more without letting a word that appears
    everywhere dominate.
    """

    def __init__(
        self,
        leaves: Sequence[tuple[Matcher, float]],
        lengths: Sequence[tuple[Sequence[int], float]],
        idf: float,
        avg_length: float,
        boost: float,
        saturation: tuple[float, float] = (DEFAULT.k1, DEFAULT.b),
    ) -> None:
        self._all = list(leaves)
        self._k1, self._b = saturation
        self._lengths = list(lengths)
        self._idf = idf
        self._avg = avg_length or 1.0
        self._boost = boost
        self._settle()

    def _settle(self) -> None:
        # Called after every move: the active leaves and the smallest id are
        # kept, since a matcher is asked for id() several times per document.
        self._leaves = [(m, w) for m, w in self._all if m.is_active()]
        self._id = min(m.id() for m, _ in self._leaves) if self._leaves else -1

    def is_active(self) -> bool:
        return bool(self._leaves)

    def id(self) -> int:
        return self._id

    def next(self) -> bool:
        current = self._id
        for m, _ in self._leaves:
            if m.id() == current:
                m.next()
        self._settle()
        return False

    def skip_to(self, target: int) -> bool:
        for m, _ in self._leaves:
            if m.id() < target:
                m.skip_to(target)
        self._settle()
        return False

    def reset(self) -> None:
        for m, _ in self._all:
            m.reset()
        self._settle()

    def copy(self) -> CombinedMatcher:
        leaves = [(m.copy(), w) for m, w in self._all]
        return CombinedMatcher(leaves, self._lengths, self._idf, self._avg, self._boost, (self._k1, self._b))

    def children(self) -> list[Matcher]:
        return [m for m, _ in self._leaves]

    def depth(self) -> int:
        return 1

    def supports_block_quality(self) -> bool:
        return False

    def max_quality(self) -> float:
        # Whoosh's top-N collector asks every matcher of an AND/OR for its
        # best possible score once its heap is full, block quality or not.
        # tf / (tf + norm) < 1, so this bounds every score of this word.
        return self._boost * self._idf * (self._k1 + 1)

    def weight(self) -> float:
        """The weighted term frequency: each field's count times its weight."""
        current = self._id
        return sum(w * m.weight() for m, w in self._leaves if m.id() == current)

    def score(self) -> float:
        current = self._id
        tf = self.weight()
        length = sum(w * lens[current] for lens, w in self._lengths)
        k1, b = self._k1, self._b
        norm = k1 * ((1 - b) + b * length / self._avg)
        return self._boost * self._idf * tf * (k1 + 1) / (tf + norm)


class CombinedTerm(wq.CompoundQuery):
    """One word searched in several fields and scored as one field.

    The children are ``Term`` queries on the same text, each boosted by its
    field's weight; the node's own boost is the word's query weight (how
    often it was asked for). Not a subclass of Or, so that Whoosh's
    normalize() never flattens it into a surrounding OR.
    """

    JOINT = " OR "

    def __str__(self) -> str:
        text = "(" + self.JOINT.join(str(q) for q in self.subqueries) + ")"
        return text if self.boost == 1 else f"{text}^{self.boost:g}"

    __unicode__ = __str__

    def estimate_size(self, ixreader: Any) -> int:
        return max(q.estimate_size(ixreader) for q in self.subqueries)

    def _matcher(self, subs: Sequence[wq.Query], searcher: Any, context: Any) -> Matcher:
        fields = [q.fieldname for q in subs]
        text = subs[0].text
        reader = searcher.reader()
        leaves = []
        for q in subs:
            # The bare postings: Term.matcher() would wrap them in a matcher
            # whose weight() already includes the field boost.
            btext = searcher.schema[q.fieldname].to_bytes(q.text)
            if (q.fieldname, btext) in reader:
                leaves.append((searcher.postings(q.fieldname, btext), q.boost))
        if not leaves:
            return NullMatcher()
        lengths = [(lengths_of(reader, q.fieldname), q.boost) for q in subs]
        avg = combined_avg_length(searcher, [(q.fieldname, q.boost) for q in subs])
        idf = combined_idf(searcher, fields, text)
        return CombinedMatcher(leaves, lengths, idf, avg, self.boost, saturation(searcher))


# Each segment's field lengths, decoded once per reader: scoring asks for
# the length of every field of every matching document, and Whoosh's
# doc_field_length() costs a seek and a decode each time.
_LENGTHS: weakref.WeakKeyDictionary[Any, dict[str, Sequence[int]]] = weakref.WeakKeyDictionary()
_BYTE_LENGTHS = [byte_to_length(b) for b in range(256)]


def _length_bytes(column: Any) -> Sequence[int]:
    """A length column's bytes: in one read when it is W3's one-byte column
    (perdoc.numeric_bytes; Whoosh's reader reads per document, ~4 us each)."""
    if column is None:
        return []
    raw = numeric_bytes(column) if getattr(column, "_typecode", None) == "B" else None
    return list(column) if raw is None else raw


def lengths_of(reader: Any, fieldname: str) -> Sequence[int]:
    per_field = _LENGTHS.setdefault(reader, {})
    if fieldname not in per_field:
        count = reader.doc_count_all()
        perdoc = getattr(reader, "_perdoc", None)
        if isinstance(perdoc, whoosh3.W3PerDocReader):
            column = perdoc._cached_reader(whoosh3._lenfield(fieldname), whoosh3.LENGTHS_COLUMN)
            coded = _length_bytes(column)
            lengths = [_BYTE_LENGTHS[b] for b in coded] + [0] * (count - len(coded))
        else:  # another codec: the slow public way
            lengths = [reader.doc_field_length(d, fieldname, 0) or 0 for d in range(count)]
        per_field[fieldname] = lengths
    return per_field[fieldname]


def combine_fields(q: wq.Query, ranking: Ranking = DEFAULT) -> wq.Query:
    """Turns each word the parser spread over headline and body (one Term per
    field, boosted by ``ranking``'s field boosts, inside an OR) into a CombinedTerm.

    Whoosh's parser nests OR-joined words unevenly: in "a OR b" the terms of
    "a" sit directly in the top OR beside b's group, so the terms are grouped
    by text within each OR rather than by matching whole OR nodes.
    """
    boosts = ranking.field_boosts()

    def word_factor(terms: list[wq.Term]) -> float | None:
        if sorted(t.fieldname for t in terms) != sorted(boosts):
            return None
        ratios = {round(t.boost / boosts[t.fieldname], 9) for t in terms}
        return ratios.pop() if len(ratios) == 1 else None

    def visit(node: wq.Query) -> wq.Query:
        if type(node) is not wq.Or or node.scale is not None:
            return node
        by_text: dict[str, list[wq.Term]] = {}
        for s in node.subqueries:
            if type(s) is wq.Term:
                by_text.setdefault(s.text, []).append(s)
        combined: dict[str, wq.Query] = {}
        for text, terms in by_text.items():
            factor = word_factor(terms)
            if factor is not None:
                combined[text] = word_query(text, factor, ranking)
        if not combined:
            return node
        subs: list[wq.Query] = []
        for s in node.subqueries:
            if type(s) is wq.Term and s.text in combined:
                if combined[s.text] not in subs:
                    subs.append(combined[s.text])
            else:
                subs.append(s)
        if len(subs) == 1:
            return subs[0].with_boost(subs[0].boost * node.boost)
        return wq.Or(subs, boost=node.boost)

    return q.accept(visit)


def word_query(text: str, boost: float = 1.0, ranking: Ranking = DEFAULT) -> wq.Query:
    """``text`` (an analyzed term) in every field ``ranking`` boosts."""
    terms = [wq.Term(name, text, boost=b) for name, b in ranking.field_boosts().items()]
    return CombinedTerm(terms, boost=boost)

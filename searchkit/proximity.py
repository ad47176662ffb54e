"""The news-archive operators: ``w/N``, ``pre/N``, ``/s``, ``/p``,
``atleastN(word)``, ``lead:`` and ``=WORD``.

Three parts, in this order:

* the query classes, Whoosh queries all: ``Near`` is Whoosh's own
  ``SpanNear2`` (slop N, ordered for ``pre/N``, mindist 1), so Whoosh's
  matchers evaluate it as they are; the others (``SameUnit``, ``Lead``,
  ``AtLeast``, ``Exact``) read the index-time data (``boundaries.py``) and
  give Whoosh a list matcher computed here;
* the parser plugin (infix operators above Whoosh's AND/OR, and taggers for
  ``atleastN(...)`` and ``=WORD``) and the checks that name mistakes;
* the vectorized evaluation that ``engine.Evaluator`` hands these nodes to:
  postings and positions as arrays, candidate documents first (the sides'
  common documents), then positions for those only, compared as sorted
  ``(document << 32 | position)`` keys; no text is read at query time.

Distances are Whoosh's span distances: ``a w/N b`` holds when an occurrence
of b starts 1..N positions after one of a ends, or ends 1..N positions
before one starts ("oil prices" is distance 1); ``pre/N`` only the first.
A side is a word, a "phrase" or an OR-group of those, in one field: the
operators hold within the headline or within the body, never across them.
The headline counts as one sentence and one paragraph.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from whoosh import query as wq
from whoosh.matching import ListMatcher
from whoosh.query.spans import SpanNear2, SpanOr

from . import boundaries
from .errors import QueryError
from .lazy import lazy_module
from .schema import BODY, HEADLINE, SEARCH_FIELDS

if TYPE_CHECKING:
    import numpy as np

    from .engine import Arrays, Evaluator
else:
    # The operators' query classes and parser plugins load with every query;
    # their evaluation is the engine's and numpy comes with it (a plain word
    # through Whoosh's matchers never loads numpy: executor's light path).
    np = lazy_module("numpy", keep=True)

Match = tuple["np.ndarray", "np.ndarray"]
# (documents, span starts, span ends), ordered by document then start.
Spans = tuple["np.ndarray", "np.ndarray", "np.ndarray"]
_BITS = 32


def _none() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)

_UNITS = {"s": "sentence", "p": "paragraph"}


# -- query classes -----------------------------------------------------------
class Operator:
    """Marks the node types ``evaluate`` handles (engine.py's hook)."""

    # Whoosh's span queries have no boost of their own (nor do their
    # matchers apply one); their words carry the fields' weights.
    boost = 1.0


class _Spans(SpanNear2, Operator):
    def _and_query(self) -> wq.Query:
        return wq.And(self.qs)  # Whoosh 2.7.4's own names an undefined ``q``


class SpanPhrase(_Spans):
    """A phrase as a span (words in sequence), for a side of an operator."""

    def __init__(self, qs: Sequence[wq.Term], slop: int = 1, ordered: bool = True, mindist: int = 1) -> None:
        super().__init__(list(qs), slop=1, ordered=True, mindist=1)

    @property
    def fieldname(self) -> str:
        return str(self.qs[0].fieldname)

    @property
    def words(self) -> list[Any]:
        return [t.text for t in self.qs]


class SpanAny(SpanOr, Operator):
    """An OR-group as a side: any of its words or phrases."""

    def children(self) -> Iterable[wq.Query]:
        return iter(self.subqs)

    def estimate_size(self, ixreader: Any) -> int:
        return int(self.q.estimate_size(ixreader))  # Whoosh's SpanOr has none

    def estimate_min_size(self, ixreader: Any) -> int:
        return 0

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.subqs == self.subqs

    def __hash__(self) -> int:
        return hash(tuple(self.subqs))


class Near(_Spans):
    """``a w/N b`` (``ordered`` False) or ``a pre/N b`` in one field."""

    def __init__(self, qs: Sequence[wq.Query], slop: int = 1, ordered: bool = True, mindist: int = 1) -> None:
        super().__init__(list(qs), slop=slop, ordered=ordered, mindist=1)

    @property
    def fieldname(self) -> str:
        return field_of(self.qs[0])

    @property
    def label(self) -> str:
        return f"{'pre' if self.ordered else 'w'}/{self.slop}"


class _Computed(wq.Query, Operator):
    """A node Whoosh's matchers get as a list computed by ``evaluate``."""

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        from .engine import Arrays, Evaluator

        ev = Evaluator(Arrays(searcher))
        ids, scores = evaluate(ev, self)
        return ListMatcher(ids.tolist(), weights=scores.tolist())

    def is_leaf(self) -> bool:
        return False

    def field(self) -> str | None:
        return None

    def estimate_size(self, ixreader: Any) -> int:
        return int(sum(c.estimate_size(ixreader) for c in self.children()))

    def estimate_min_size(self, ixreader: Any) -> int:
        return 0

    def _key(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._key() == self._key()

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._key()))

    def normalize(self) -> wq.Query:
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}{self._key()!r}"


class SameUnit(_Computed):
    """``a /s b`` or ``a /p b``: both sides in one sentence or paragraph of one field."""

    def __init__(self, qs: Sequence[wq.Query], unit: str, boost: float = 1.0) -> None:
        self.qs = list(qs)
        self.unit = unit
        self.boost = boost

    @property
    def fieldname(self) -> str:
        return field_of(self.qs[0])

    def children(self) -> Iterable[wq.Query]:
        return iter(self.qs)

    def apply(self, fn: Any) -> wq.Query:
        return SameUnit([fn(q) for q in self.qs], self.unit, self.boost)

    def _key(self) -> tuple[Any, ...]:
        return (tuple(self.qs), self.unit, self.boost)


class Lead(_Computed):
    """``lead:x``: x (a word or phrase) in the headline or the body's first paragraph."""

    def __init__(self, headline: wq.Query, body: wq.Query, boost: float = 1.0) -> None:
        self.headline = headline
        self.body = body
        self.boost = boost

    def children(self) -> Iterable[wq.Query]:
        return iter([self.headline, self.body])

    def apply(self, fn: Any) -> wq.Query:
        return Lead(fn(self.headline), fn(self.body), self.boost)

    def _key(self) -> tuple[Any, ...]:
        return (self.headline, self.body, self.boost)


class AtLeast(_Computed):
    """``atleastN(word)``: the word's term at least N times in headline and body together."""

    def __init__(self, word: wq.Query, text: str, count: int, boost: float = 1.0) -> None:
        self.word = word  # the scoring query (ranking.word_query)
        self.text = text
        self.count = count
        self.boost = boost

    def children(self) -> Iterable[wq.Query]:
        return iter([self.word])

    def apply(self, fn: Any) -> wq.Query:
        return AtLeast(fn(self.word), self.text, self.count, self.boost)

    def _key(self) -> tuple[Any, ...]:
        return (self.text, self.count, self.boost)


class Exact(_Computed):
    """``=WORD``: the word, in articles where it is written exactly so
    (scored as the word; the exact form is an article-level filter).

    Not Whoosh's Require, whose matcher (2.7.4) returns the documents
    without the required term here."""

    def __init__(self, word: wq.Query, exact: wq.Term, boost: float = 1.0) -> None:
        self.a = word
        self.b = exact
        self.boost = boost

    @property
    def form(self) -> str:
        return str(self.b.text)

    def children(self) -> Iterable[wq.Query]:
        return iter([self.a, self.b])

    def apply(self, fn: Any) -> wq.Query:
        return Exact(fn(self.a), fn(self.b), self.boost)

    def _key(self) -> tuple[Any, ...]:
        return (self.a, self.b, self.boost)


def field_of(side: wq.Query) -> str:
    if isinstance(side, SpanAny):
        return field_of(side.subqs[0])
    if isinstance(side, SpanPhrase):
        return side.fieldname
    return str(side.fieldname)


# -- building ----------------------------------------------------------------
def _side(q: wq.Query, field: str, op: str) -> wq.Query | None:
    """``q`` as one side of an operator in ``field`` (None: nothing in that field)."""
    from .querytext import describe

    kind = type(q)
    if kind is wq.Term:
        return q if q.fieldname == field else None
    if kind is wq.Phrase:
        if q.slop > 1:
            raise QueryError(f'{op}: a side cannot be a phrase with ~ ({describe(q)}); use "..." or another {op}')
        if q.fieldname != field:
            return None
        terms = [wq.Term(field, w, boost=q.boost) for w in q.words]
        return terms[0] if len(terms) == 1 else SpanPhrase(terms)
    if kind in (wq.And, wq.Or) and len(q.subqueries) == 1:
        return _side(q.subqueries[0], field, op)
    if kind is wq.Or:
        subs: list[wq.Query] = []
        for s in q.subqueries:
            found = _side(s, field, op)
            if found is None:
                continue
            for part in found.subqs if isinstance(found, SpanAny) else [found]:
                if part not in subs:
                    subs.append(part)
        if not subs:
            return None
        return subs[0] if len(subs) == 1 else SpanAny(subs)
    if isinstance(q, Exact):
        raise QueryError(
            f"{op}: {q.form!r} written =WORD cannot be a side (exact case is kept per article, not per word)"
        )
    raise QueryError(f'{op}: each side must be a word, a "phrase" or an (OR group), not {describe(q)}')


def build(op: str, left: wq.Query | None, right: wq.Query | None) -> wq.Query:
    """The query for ``left op right`` (op as typed: ``w/5``, ``pre/3``, ``/s``, ``/p``)."""
    if left is None or right is None:
        return wq.NullQuery
    parts: list[wq.Query] = []
    for field in SEARCH_FIELDS:
        a, b = _side(left, field, op), _side(right, field, op)
        if a is None or b is None:
            continue
        if op.startswith("/"):
            parts.append(SameUnit([a, b], _UNITS[op[1]]))
        else:
            kind, _, n = op.lower().partition("/")
            parts.append(Near([a, b], slop=int(n), ordered=kind == "pre"))
    if not parts:
        return wq.NullQuery
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def lead_query(q: wq.Query) -> wq.Query:
    """``lead:...`` as the parser gave it (terms and phrases on the pseudo
    field ``lead``) made into Lead nodes; anything else there is an error."""
    from .querytext import describe

    def fix(node: wq.Query) -> wq.Query:
        if getattr(node, "fieldname", None) != "lead":
            return node
        kind = type(node)
        if kind is wq.Term:
            return Lead(wq.Term(HEADLINE, node.text, boost=node.boost), wq.Term(BODY, node.text, boost=node.boost))
        if kind is wq.Phrase and node.slop <= 1:
            head = wq.Phrase(HEADLINE, node.words, boost=node.boost)
            body = _side(wq.Phrase(BODY, node.words, boost=node.boost), BODY, "lead:")
            assert body is not None
            return Lead(head, body)
        raise QueryError(f'lead: takes a word or a "phrase", not {describe(node).replace("lead:", "", 1)}')

    return q.accept(fix)


# -- parsing (the parser's plugins: operator_syntax) ------------------------------
OP_PATTERN = r"(?<![^\s)])(?:[wW]/\d+|(?:pre|PRE)/\d+|/[sSpP])(?![^\s(\"])"
ATLEAST_PATTERN = r"(?<![^\s(])atleast(?P<n>\d+)\((?P<word>[^()\s]+)\)"
EXACT_PATTERN = r"(?<![^\s(])=(?P<word>[^\s()\"=]+)"
# For the checks on the raw text: anything that looks like one of them.
_OP_LIKE = re.compile(r"(?<![^\s)])(?:(?i:w|pre)/[^\s()\"]*|/[sSpP])(?![^\s()\"])")
_ATLEAST_LIKE = re.compile(r"(?<![^\s(])atleast(\d*)\(([^()]*)\)?")
_EXACT_LIKE = re.compile(EXACT_PATTERN)
_GOOD_WINDOW = re.compile(r"(?i:w|pre)/[1-9]\d*")
_EDGE = frozenset({None, "(", ")", "AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
MAX_WINDOW = 1000  # words: far past any sentence, well inside 32-bit positions


def uses_operators(text: str) -> bool:
    """Whether ``text`` holds any of these operators (the parser must run)."""
    return bool(_OP_LIKE.search(text) or "atleast" in text or "=" in text or "lead:" in text)


def checks(text: str, warnings: list[str]) -> None:
    """Mistakes in the operators of ``text`` (outside quotes): raises
    QueryError for a bad window or count, warns for the rest."""
    tokens = re.findall(r"[()]|[^\s()]+", text)
    for m in _OP_LIKE.finditer(text):
        op = m.group(0)
        if op.startswith("/"):
            continue
        if not _GOOD_WINDOW.fullmatch(op):
            raise QueryError(f"{op}: {op.split('/')[0]}/ takes a number of words from 1 to {MAX_WINDOW}, as in w/5")
        if int(op.split("/")[1]) > MAX_WINDOW:
            raise QueryError(f"{op}: the window is at most {MAX_WINDOW} words")
    dangling: list[str] = []
    for i, tok in enumerate(tokens):
        if not _OP_LIKE.fullmatch(tok):
            continue
        before = tokens[i - 1] if i else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        no_left = before in _EDGE and before != ")"
        no_right = (after in _EDGE and after != "(") or bool(_OP_LIKE.fullmatch(after or ""))
        if (no_left or no_right) and tok not in dangling:
            dangling.append(tok)
    for tok in dangling:
        warnings.append(f"{tok} joins nothing on one side: left out of the query")
    for m in _ATLEAST_LIKE.finditer(text):
        n, word = m.group(1), m.group(2).strip()
        if not m.group(0).endswith(")") or not n or int(n) < 1 or not word or " " in word:
            raise QueryError(f"{m.group(0)}: write atleastN(word) with N from 1, as in atleast3(oil)")
    for m in _EXACT_LIKE.finditer(text):
        word = m.group("word")
        if boundaries.capitals(boundaries.normalize(word)) < boundaries.EXACT_CAPITALS:
            warnings.append(f"={word} has no capital letter: searched as the word {word}")


# -- evaluation --------------------------------------------------------------
def evaluate(ev: Evaluator, q: wq.Query) -> Match:
    """The matches and scores of one of this module's nodes."""
    if isinstance(q, Near):
        return _near(ev, q)
    if isinstance(q, SameUnit):
        return _same_unit(ev, q)
    if isinstance(q, Lead):
        return _lead(ev, q)
    if isinstance(q, AtLeast):
        return _atleast(ev, q)
    if isinstance(q, Exact):
        a = ev.visit(q.a)
        keep = np.isin(a[0], ev.ids(q.b), assume_unique=True)
        return _boost((a[0][keep], a[1][keep]), q.boost)
    if isinstance(q, (SpanPhrase, SpanAny)):
        return side_match(ev, q)
    from .engine import Unsupported

    raise Unsupported(type(q).__name__)


def _to_bytes(ev: Evaluator, field: str, text: Any) -> Any | None:
    try:
        return ev.a.schema[field].to_bytes(text)
    except (ValueError, KeyError):
        return None


def side_match(ev: Evaluator, side: wq.Query) -> Match:
    """The documents a side matches anywhere in its field, with its scores
    (as Whoosh's matchers score them: terms summed, OR-groups summed)."""
    from .engine import _union

    if isinstance(side, SpanAny):
        return _union([side_match(ev, s) for s in side.subqs])
    if isinstance(side, SpanPhrase):
        return _phrase(ev, side)
    return ev.visit(side)


def _phrase(ev: Evaluator, side: SpanPhrase) -> Match:
    ids, _ = ev.phrase(wq.Phrase(side.fieldname, side.words))
    if not len(ids):
        return ids, _
    scores = np.zeros(len(ids), dtype=np.float64)
    for t in side.qs:
        tids, tscores = ev.visit(t)
        scores += tscores[np.searchsorted(tids, ids)]
    return ids, scores


def spans(ev: Evaluator, side: wq.Query, cand: np.ndarray) -> Spans:
    """Where a side occurs in each of ``cand`` (ascending global ids)."""
    if isinstance(side, SpanAny):
        found = [spans(ev, s, cand) for s in side.subqs]
        docs = np.concatenate([f[0] for f in found])
        starts = np.concatenate([f[1] for f in found])
        ends = np.concatenate([f[2] for f in found])
        order = np.lexsort((ends, starts, docs))
        return docs[order], starts[order], ends[order]
    terms = side.qs if isinstance(side, SpanPhrase) else [side]
    field = field_of(side)
    docs, pos = _positions(ev, field, terms[0].text, cand)
    if not len(docs) or len(terms) == 1:
        return docs, pos, pos
    keys = (docs << _BITS) | pos
    for i, t in enumerate(terms[1:], start=1):
        tdocs, tpos = _positions(ev, field, t.text, np.unique(keys >> _BITS))
        later = np.sort((tdocs << _BITS) | tpos)
        want = keys + i
        at = np.minimum(np.searchsorted(later, want), max(len(later) - 1, 0))
        keys = keys[(len(later) > 0) & (later[at] == want)] if len(later) else keys[:0]
        if not len(keys):
            break
    docs, starts = keys >> _BITS, keys & ((1 << _BITS) - 1)
    return docs, starts, starts + (len(terms) - 1)


def _positions(ev: Evaluator, field: str, text: Any, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    btext = _to_bytes(ev, field, text)
    if btext is None or not len(cand):
        return _none(), _none()
    ids, _ = ev.a.postings(field, btext)
    docs = np.intersect1d(ids, cand, assume_unique=True)
    if not len(docs):
        return _none(), _none()
    counts, pos = ev.a.positions(field, btext, docs)  # flat: each document's count, then all positions
    return np.repeat(docs, counts), pos


def _both(ev: Evaluator, qs: Sequence[wq.Query]) -> tuple[np.ndarray, Match, Match]:
    a, b = side_match(ev, qs[0]), side_match(ev, qs[1])
    return np.intersect1d(a[0], b[0], assume_unique=True), a, b


def _scored(ids: np.ndarray, a: Match, b: Match) -> Match:
    scores = a[1][np.searchsorted(a[0], ids)] + b[1][np.searchsorted(b[0], ids)]
    return ids, scores


def _first_at_least(sorted_keys: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """For each [lo, hi] key window, whether some key falls inside it."""
    if not len(sorted_keys):
        return np.zeros(len(lo), dtype=bool)
    at = np.searchsorted(sorted_keys, lo, side="left")
    ok = at < len(sorted_keys)
    return ok & (sorted_keys[np.minimum(at, len(sorted_keys) - 1)] <= hi)


def _near(ev: Evaluator, q: Near) -> Match:
    cand, a, b = _both(ev, q.qs)
    if not len(cand):
        return _none(), np.zeros(0)
    adocs, astart, aend = spans(ev, q.qs[0], cand)
    bdocs, bstart, bend = spans(ev, q.qs[1], cand)
    n = int(q.slop)
    base = adocs << _BITS
    # b starts 1..n after a ends.
    ok = _first_at_least(np.sort((bdocs << _BITS) | bstart), base | (aend + 1), base | (aend + n))
    if not q.ordered:  # or b ends 1..n before a starts
        lo = base + np.maximum(astart - n, 0)
        hi = base + astart - 1
        ok |= (astart > 0) & _first_at_least(np.sort((bdocs << _BITS) | bend), lo, hi)
    return _scored(np.unique(adocs[ok]), a, b)


class _Bounds:
    """One searcher's boundaries column as flat sorted keys (document << 32 | position)."""

    def __init__(self, arrays: Arrays) -> None:
        sent: list[np.ndarray] = []
        para: list[np.ndarray] = []
        for leaf, offset in arrays.leaves:
            if not leaf.has_column("bounds"):
                raise QueryError("this index has no sentence boundaries: run `searchkit index --rebuild`")
            values = list(leaf.column_reader("bounds"))
            s, p = _unpack(values)
            sent.append(s + (np.int64(offset) << _BITS))
            para.append(p + (np.int64(offset) << _BITS))
        self.sentence = np.sort(np.concatenate(sent)) if sent else _none()
        self.paragraph = np.sort(np.concatenate(para)) if para else _none()

    def unit(self, name: str, docs: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """The sentence or paragraph number of each (document, position)."""
        keys = self.sentence if name == "sentence" else self.paragraph
        first = np.searchsorted(keys, docs << _BITS, side="left")
        return np.searchsorted(keys, (docs << _BITS) | pos, side="right") - first

    def lead_end(self, docs: np.ndarray) -> np.ndarray:
        """The first position after each document's first paragraph."""
        keys = self.paragraph
        if not len(keys):
            return np.full(len(docs), 2**_BITS, dtype=np.int64)
        at = np.minimum(np.searchsorted(keys, docs << _BITS, side="left"), len(keys) - 1)
        same = (keys[at] >> _BITS) == docs
        return np.where(same, keys[at] & ((1 << _BITS) - 1), 2**_BITS)


def _unpack(values: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """A segment's boundaries column (``boundaries.encode`` per document) as
    (document << 32 | position) keys of sentence and of paragraph starts:
    the common 16-bit values decoded in one pass, 32-bit ones one by one."""
    narrow = np.asarray([i for i, v in enumerate(values) if v[:1] == b"\x02"], dtype=np.int64)
    blob = b"".join(values[i][1:] for i in narrow.tolist())
    nums = np.frombuffer(blob, dtype="<u2").astype(np.int64)
    counts = np.asarray([(len(values[i]) - 1) // 2 for i in narrow.tolist()], dtype=np.int64)
    first = np.cumsum(counts) - counts
    k = np.arange(len(nums), dtype=np.int64) - np.repeat(first, counts)  # index within its document
    keys = (np.repeat(narrow, counts) << _BITS) | nums
    n_sent = np.repeat(nums[first[counts > 0]] if len(nums) else _none(), counts[counts > 0])
    sent = [keys[(k >= 1) & (k <= n_sent)]]
    para = [keys[k > n_sent]]
    for i, v in enumerate(values):
        if v[:1] == b"\x04":
            s, p = boundaries.decode(v)
            sent.append((np.int64(i) << _BITS) | s)
            para.append((np.int64(i) << _BITS) | p)
    return np.concatenate(sent), np.concatenate(para)


def bounds(arrays: Arrays) -> _Bounds:
    """The searcher's sentence and paragraph starts, read once per searcher."""
    return arrays.derived("proximity.bounds", _Bounds)


def _same_unit(ev: Evaluator, q: SameUnit) -> Match:
    cand, a, b = _both(ev, q.qs)
    if not len(cand) or q.fieldname != BODY:  # a headline is one sentence and one paragraph
        return _boost(_scored(cand, a, b), q.boost)
    found = bounds(ev.a)
    keys = []
    for side in q.qs:
        docs, starts, ends = spans(ev, side, cand)
        unit = found.unit(q.unit, docs, starts)
        whole = unit == found.unit(q.unit, docs, ends)  # a phrase across a boundary is in neither
        keys.append(np.unique((docs[whole] << _BITS) | unit[whole]))
    common = np.intersect1d(keys[0], keys[1], assume_unique=True)
    return _boost(_scored(np.unique(common >> _BITS), a, b), q.boost)


def _boost(m: Match, boost: float) -> Match:
    return m if boost == 1.0 else (m[0], m[1] * boost)


def _lead(ev: Evaluator, q: Lead) -> Match:
    from .engine import _union

    head = ev.visit(q.headline)
    body = side_match(ev, q.body)
    if len(body[0]):
        docs, _, ends = spans(ev, q.body, body[0])
        inside = ends < bounds(ev.a).lead_end(docs)
        keep = np.isin(body[0], np.unique(docs[inside]), assume_unique=True)
        body = body[0][keep], body[1][keep]
    return _boost(_union([head, body]), q.boost)


def _atleast(ev: Evaluator, q: AtLeast) -> Match:
    ids, scores = ev.visit(q.word)
    if not len(ids):
        return ids, scores
    tf = np.zeros(len(ids), dtype=np.float64)
    for field in SEARCH_FIELDS:
        btext = _to_bytes(ev, field, q.text)
        if btext is None:
            continue
        fids, weights = ev.a.postings(field, btext)
        tf[np.searchsorted(ids, fids)] += weights
    keep = tf >= q.count
    return _boost((ids[keep], scores[keep]), q.boost)

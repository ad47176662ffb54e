"""From the user's text and options to Whoosh query objects.

``build_query`` parses once and returns everything a search runs on: the
scoring query and the filters, which the inline syntax (``date:``,
``source:``) and the structured options (``since``, ``sources``) both feed.
Filters never edit the user's text; they travel beside the query.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from whoosh import query as wq
from whoosh.fields import Schema
from whoosh.qparser import (
    AndGroup,
    FieldAliasPlugin,
    FuzzyTermPlugin,
    MultifieldParser,
    OrGroup,
)
from whoosh.query.qcore import error_query

from .dates import period
from .errors import QueryError
from .ranking import CombinedTerm, combine_fields, field_boosts, word_query
from .schema import SEARCH_FIELDS, day_number
from .sources import source_key

MAX_QUERY_CHARS = 2000
# Words the parser reads as syntax, not as words to search ("TO" in ranges).
OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})
_SORTS = ("relevance", "newest", "oldest")


@dataclass(frozen=True)
class Filters:
    """Restrictions every hit must satisfy, independent of scoring."""

    since: date | None = None
    until: date | None = None
    # Each group is "cites any of these"; every group must hold.
    require: tuple[frozenset[str], ...] = ()
    exclude: frozenset[str] = frozenset()
    # Only articles first indexed after this Unix time (for alerts).
    arrived_after: int | None = None

    @property
    def dated(self) -> bool:
        return self.since is not None or self.until is not None

    def day_bounds(self) -> tuple[int, int]:
        lo = day_number(self.since) if self.since else 1
        hi = day_number(self.until) if self.until else day_number(date.max)
        return lo, hi

    def __bool__(self) -> bool:
        return self.dated or bool(self.require) or bool(self.exclude) or self.arrived_after is not None

    def as_query(self) -> wq.Query | None:
        """The same restrictions as one Whoosh query (shown by --explain)."""
        parts: list[wq.Query] = []
        if self.dated:
            lo, hi = self.day_bounds()
            parts.append(wq.NumericRange("date", lo, hi))
        for group in self.require:
            parts.append(wq.Or([wq.Term("sources", k) for k in sorted(group)]))
        parts.extend(wq.Not(wq.Term("sources", k)) for k in sorted(self.exclude))
        if self.arrived_after is not None:
            parts.append(wq.NumericRange("indexed_at", self.arrived_after, None, startexcl=True))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.And(parts)

    def describe(self) -> str:
        bits: list[str] = []
        if self.dated:
            bits.append(f"date {self.since or '…'} to {self.until or '…'} (undated excluded)")
        bits.extend("source any of " + ", ".join(sorted(g)) for g in self.require)
        if self.exclude:
            bits.append("not source " + ", ".join(sorted(self.exclude)))
        if self.arrived_after is not None:
            bits.append(f"indexed after {self.arrived_after}")
        return "; ".join(bits) or "none"


@dataclass(frozen=True)
class BuiltQuery:
    text: str
    query: wq.Query
    filters: Filters = field(default_factory=Filters)
    warnings: tuple[str, ...] = ()
    any_words: bool = False

    @property
    def match_all(self) -> bool:
        return isinstance(self.query, wq.Every)

    def explain(self) -> str:
        lines = [f"query:   {self.query}", f"filters: {self.filters.describe()}"]
        fq = self.filters.as_query()
        if fq is not None:
            lines.append(f"as query: {fq}")
        lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)


def _parser(schema: Schema, any_words: bool) -> MultifieldParser:
    group = OrGroup if any_words else AndGroup
    parser = MultifieldParser(list(SEARCH_FIELDS), schema, fieldboosts=field_boosts(), group=group)
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(FieldAliasPlugin({"sources": ["source"], "headline": ["title"]}))
    return parser


def syntax_problem(text: str) -> str | None:
    """Why ``text`` is not valid query syntax, or None when it is."""
    if text.count('"') % 2:
        return "unbalanced quote"
    depth = 0
    in_quote = False
    for ch in text:
        if ch == '"':
            in_quote = not in_quote
        elif not in_quote and ch == "(":
            depth += 1
        elif not in_quote and ch == ")":
            depth -= 1
            if depth < 0:
                return "unbalanced parenthesis"
    return "unbalanced parenthesis" if depth else None


def _plain_words_query(text: str, schema: Schema, any_words: bool) -> wq.Query:
    """Every word of ``text`` as a plain term, ignoring all syntax."""
    analyzed = schema[SEARCH_FIELDS[0]]  # the search fields share one analyzer
    clauses: list[wq.Query] = []
    for word in text.split():
        if word in OPERATORS:
            continue
        terms = list(analyzed.process_text(word, mode="query"))
        if len(terms) == 1:
            clauses.append(word_query(terms[0]))
        elif terms:  # "x-band" analyzes to two tokens: keep them together
            clauses.append(wq.Or([wq.Phrase(name, terms, boost=b) for name, b in field_boosts().items()]))
    if not clauses:
        return wq.NullQuery
    return _count_repeats(wq.Or(clauses) if any_words else wq.And(clauses))


def _count_repeats(q: wq.Query) -> wq.Query:
    """Normalizes ``q``, keeping how often each word was asked for.

    Whoosh's normalize() silently drops duplicate clauses, so "missile
    defense missile" would weigh "missile" once; BM25 (and FTS5) count each
    occurrence of a query word. Counted on the words (terms, and words
    spread over fields), because the parser nests OR-joined words unevenly.
    """
    # The effective boost (the word's times its groups') is part of the key:
    # "missile^3 missiles" gives two clauses that normalize() keeps apart,
    # and each must keep its own weight.
    counts: Counter[tuple[object, float]] = Counter()

    def count(node: wq.Query, factor: float) -> None:
        key = _word_key(node)
        if key is not None:
            counts[(key, node.boost * factor)] += 1
            return
        for child in node.children():
            count(child, factor * node.boost)

    count(q, 1.0)
    q = q.normalize()
    if all(n == 1 for n in counts.values()):
        return q

    def boost(node: wq.Query) -> wq.Query:
        key = _word_key(node)
        if key is None:
            return node.apply(boost)
        n = counts.get((key, node.boost), 1)
        return node.with_boost(node.boost * n) if n > 1 else node

    return boost(q)


def _word_key(node: wq.Query) -> object | None:
    """What identifies ``node`` as one query word, or None if it is not one."""
    if isinstance(node, wq.Term):
        return (node.fieldname, node.text)
    if isinstance(node, CombinedTerm):
        return tuple((t.fieldname, t.text, t.boost) for t in node.subqueries)
    return None


def _all_nodes(q: wq.Query) -> Iterable[wq.Query]:
    yield q
    for child in q.children():
        yield from _all_nodes(child)


def _source_keys(q: wq.Query) -> frozenset[str] | None:
    """The source keys of a ``source:x`` term or an OR of them, else None."""
    if isinstance(q, wq.Term) and q.fieldname == "sources":
        return frozenset([q.text])
    if isinstance(q, wq.Or):
        keys: set[str] = set()
        for child in q.subqueries:
            sub = _source_keys(child)
            if sub is None:
                return None
            keys |= sub
        return frozenset(keys)
    return None


def _day(n: int | None, default: date) -> date:
    return date.fromordinal(n) if n else default


def _pull_filters(q: wq.Query, filters: Filters) -> tuple[wq.Query, Filters]:
    """Moves required top-level ``date:``/``source:`` clauses into filters.

    Only clauses that every hit must satisfy move (children of the top-level
    AND); a ``date:`` inside an OR stays in the query, where it still works,
    only more slowly.
    """
    children = list(q.subqueries) if isinstance(q, wq.And) else [q]
    keep: list[wq.Query] = []
    since, until = filters.since, filters.until
    require = list(filters.require)
    exclude = set(filters.exclude)
    for child in children:
        if isinstance(child, wq.NumericRange) and child.fieldname == "date":
            lo = _day(child.start, date.min)
            hi = _day(child.end, date.max)
            if child.startexcl and child.start:
                lo = date.fromordinal(child.start + 1)
            if child.endexcl and child.end:
                hi = date.fromordinal(child.end - 1)
            since = lo if since is None else max(since, lo)
            until = hi if until is None else min(until, hi)
            continue
        keys = _source_keys(child)
        if keys is not None:
            require.append(keys)
            continue
        if isinstance(child, wq.Not):
            neg = _source_keys(child.query)
            if neg is not None:
                exclude |= neg
                continue
        keep.append(child)
    if not keep:
        text_q: wq.Query = wq.Every()
    elif len(keep) == 1:
        text_q = keep[0]
    else:
        text_q = wq.And(keep)
    if isinstance(text_q, wq.Not):
        # "NOT x" alone means everything except x.
        text_q = wq.AndNot(wq.Every(), text_q.query)
    return text_q, Filters(since, until, tuple(require), frozenset(exclude), filters.arrived_after)


def option_filters(
    sources: Sequence[str] | None = None,
    exclude_sources: Sequence[str] | None = None,
    since: str | date | None = None,
    until: str | date | None = None,
) -> Filters:
    """Filters from the structured options; bad dates raise DateParseError."""
    lo = period(since)[0] if since not in (None, "") else None
    hi = period(until)[1] if until not in (None, "") else None
    require = (frozenset(source_key(s) for s in sources),) if sources else ()
    exclude = frozenset(source_key(s) for s in exclude_sources or ())
    return Filters(lo, hi, require, exclude)


def build_query(
    text: str,
    schema: Schema,
    *,
    sources: Sequence[str] | None = None,
    exclude_sources: Sequence[str] | None = None,
    since: str | date | None = None,
    until: str | date | None = None,
    any_words: bool = False,
    arrived_after: int | None = None,
) -> BuiltQuery:
    """Parses ``text`` with the options into a BuiltQuery (see module doc)."""
    if text is None or not str(text).strip():
        raise QueryError("empty query: give words to search for, or * for every article")
    text = str(text).strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long ({len(text)} characters; the limit is {MAX_QUERY_CHARS})")
    filters = option_filters(sources, exclude_sources, since, until)
    if arrived_after is not None:
        filters = dataclasses.replace(filters, arrived_after=arrived_after)
    warnings: list[str] = []

    if text == "*":
        return BuiltQuery(text, wq.Every(), filters, (), any_words)

    problem = syntax_problem(text)
    if problem:
        warnings.append(f"{problem}: searched the words as plain text")
        q = _plain_words_query(text, schema, any_words)
    else:
        try:
            q = _parser(schema, any_words).parse(text, normalize=False)
        except Exception as exc:  # Whoosh's parser has crashing corners ("NOT AND 0")
            q = error_query(exc)
        errors = [node.error for node in _all_nodes(q) if getattr(node, "error", None)]
        for err in errors:
            if isinstance(err, QueryError):
                raise QueryError(str(err))
        if errors:
            warnings.append(f"could not parse part of the query ({errors[0]}): searched as plain words")
            q = _plain_words_query(text, schema, any_words)
        else:
            q = _count_repeats(combine_fields(q))
    if q is wq.NullQuery or isinstance(q, wq.qcore._NullQuery):
        warnings.append("the query has no searchable words")
        return BuiltQuery(text, wq.NullQuery, filters, tuple(warnings), any_words)
    q, filters = _pull_filters(q, filters)
    return BuiltQuery(text, q, filters, tuple(warnings), any_words)


def check_sort(sort: str) -> str:
    if sort not in _SORTS:
        raise QueryError(f"unknown sort {sort!r}: use one of {', '.join(_SORTS)}")
    return sort

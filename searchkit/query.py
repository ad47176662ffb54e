"""From the user's text and options to Whoosh query objects.

``build_query`` parses once and returns everything a search runs on: the
scoring query and the filters, which the inline syntax (``date:``,
``source:``) and the structured options (``since``, ``sources``) both feed.
Filters never edit the user's text; they travel beside the query.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from whoosh import query as wq
from whoosh.fields import Schema

from . import proximity
from .dates import period
from .errors import QueryError
from .gazetteer import source_key
from .options import SearchOptions
from .querytext import describe, tree
from .ranking import DEFAULT as DEFAULT_RANKING
from .ranking import CombinedTerm, Ranking, combine_fields, word_query
from .schema import SEARCH_FIELDS, day_number
from .settings import SORTS

if TYPE_CHECKING:  # the parser loads only for queries the fast path leaves to it
    from whoosh.qparser import MultifieldParser

MAX_QUERY_CHARS = 2000
# Parentheses nested deeper than this are refused: nobody writes them, and
# Whoosh's parser recurses once per level (350 levels overflow the stack).
MAX_QUERY_DEPTH = 32
# A fuzzy word's edit distance is capped here (`production~8` would compare
# every indexed word at distance 8: a minute on 19,000 articles).
MAX_EDITS = 2
# The fields a query may name (``title:`` and ``source:`` are aliases).
QUERY_FIELDS = ("headline", "body", "summary", "date", "sources")
_ALIASES = {"sources": ["source"], "headline": ["title"]}
# ``lead:`` is a zone, not a field: the headline and the body's first
# paragraph (proximity.Lead).
_FIELD_NAMES = frozenset(QUERY_FIELDS) | {a for names in _ALIASES.values() for a in names} | {"lead"}
_FIELD_RE = re.compile(r"(?<![\w.\-])(\w+):")
# Plain words, or one quoted phrase of plain words: the queries that can be
# built without the Whoosh parser (see _fast_parse).
_PLAIN_RE = re.compile(r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)*")
_PHRASE_RE = re.compile(r'"([A-Za-z0-9]+(?: [A-Za-z0-9]+)+)"')
# Words the parser reads as syntax, not as words to search ("TO" in ranges).
OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE", "TO"})
_SORTS = SORTS  # the one definition is in settings


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

    def describe_query(self) -> str | None:
        """``describe(self.as_query())`` (the explain text's "as query"
        line), written without building the query objects first; None
        without restrictions (tests/test_query_path.py holds them equal)."""
        parts: list[str] = []
        if self.dated:
            lo, hi = self.day_bounds()
            parts.append(f"date:[{date.fromordinal(lo).isoformat()} TO {date.fromordinal(hi).isoformat()}]")
        for group in self.require:
            parts.append("(" + " OR ".join(f"sources:{k}" for k in sorted(group)) + ")")
        parts.extend(f"NOT sources:{k}" for k in sorted(self.exclude))
        if self.arrived_after is not None:
            parts.append(f"indexed_at:{{{self.arrived_after} TO …]")
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else "(" + " AND ".join(parts) + ")"

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
    # The options' filters alone, before the query's own source: and date:
    # were pulled into ``filters``: what a corrected spelling is built on.
    base_filters: Filters = field(default_factory=Filters)
    # How scores are weighed by age (``recency``, see recency.py), one line; "": not at all.
    recency: str = ""
    # The field boosts built into ``query`` (a corrected spelling is built with them too).
    ranking: Ranking = DEFAULT_RANKING

    @property
    def match_all(self) -> bool:
        return isinstance(self.query, wq.Every)

    def explain(self) -> str:
        lines = [f"query:   {describe(self.query)}", f"filters: {self.filters.describe()}"]
        fq = self.filters.describe_query()
        if fq is not None:
            lines.append(f"as query: {fq}")
        if self.recency:
            lines.append(f"recency: {self.recency}")
        lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)

    def as_dict(self) -> dict[str, object]:
        """What ``explain`` shows, as data (for ``--explain --format json``):
        the query tree, the resolved date window and the filters."""
        f = self.filters
        return {
            "text": self.text,
            "query": describe(self.query),
            "tree": tree(self.query),
            "any_words": self.any_words,
            "dates": {
                "since": f.since.isoformat() if f.since else None,
                "until": f.until.isoformat() if f.until else None,
            },
            "filters": {
                "sources_any_of": [sorted(g) for g in f.require],
                "exclude_sources": sorted(f.exclude),
                "arrived_after": f.arrived_after,
            },
            "recency": self.recency or None,
            "warnings": list(self.warnings),
        }


# Parsers are built once per schema and grouping: setting one up costs
# about as much as a query. The schema is kept beside its parser so that
# its id() cannot be reused while the entry lives.
_PARSERS: dict[tuple[int, bool, Ranking], tuple[Schema, MultifieldParser]] = {}


def _parser(schema: Schema, any_words: bool, ranking: Ranking) -> MultifieldParser:
    key = (id(schema), any_words, ranking)
    cached = _PARSERS.get(key)
    if cached is not None and cached[0] is schema:
        return cached[1]
    from whoosh.qparser import AndGroup, FieldAliasPlugin, FuzzyTermPlugin, MultifieldParser, OrGroup

    group = OrGroup if any_words else AndGroup
    # Only the fields a query may name: Whoosh then reads any other
    # "name:" as text (url:x, id:x) instead of failing on a stored field.
    visible = Schema(**{name: schema[name] for name in QUERY_FIELDS if name in schema})
    if SEARCH_FIELDS[0] in schema:
        visible.add("lead", schema[SEARCH_FIELDS[0]])  # its terms become proximity.Lead nodes
    parser = MultifieldParser(list(SEARCH_FIELDS), visible, fieldboosts=ranking.field_boosts(), group=group)
    # The operators' nodes build their scoring words from it (proximity.py).
    parser.ranking = ranking
    parser.add_plugin(FuzzyTermPlugin())
    parser.add_plugin(FieldAliasPlugin(_ALIASES))
    from .operator_syntax import parser_plugins

    for plugin in parser_plugins():
        parser.add_plugin(plugin)
    if len(_PARSERS) > 16:
        _PARSERS.clear()
    _PARSERS[key] = (schema, parser)
    return parser


# Per schema (by id, the schema kept beside its answer as for _PARSERS):
# whether its search fields analyze with news_analyzer, whose terms for a
# plain word FAST.form gives without Whoosh's token objects.
_STANDARD: dict[int, tuple[Schema, bool]] = {}


def _standard_analyzer(schema: Schema) -> bool:
    cached = _STANDARD.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    from .analysis import news_analyzer

    standard = all(name in schema and schema[name].analyzer == news_analyzer() for name in SEARCH_FIELDS)
    if len(_STANDARD) > 16:
        _STANDARD.clear()
    _STANDARD[id(schema)] = (schema, standard)
    return standard


def _fast_parse(text: str, schema: Schema, any_words: bool, ranking: Ranking) -> wq.Query | None:
    """The query Whoosh's parser would build for plain words or one quoted
    phrase of plain words, built directly (a test proves them equal); None
    for anything else, which goes to the parser."""
    phrase = _PHRASE_RE.fullmatch(text)
    if phrase is None and not _PLAIN_RE.fullmatch(text):
        return None
    words = (phrase.group(1) if phrase else text).split()
    if any(w in OPERATORS for w in words):
        return None
    terms = []
    if _standard_analyzer(schema):
        from .analysis import FAST

        # An ASCII letter-or-digit word is one token of news_analyzer: its
        # lowercased stem (FAST.form, the bulk writer's own cached forms).
        terms = [FAST.form(word)[1] for word in words]
    else:
        analyzed = schema[SEARCH_FIELDS[0]]
        for word in words:
            tokens = list(analyzed.process_text(word, mode="query"))
            if len(tokens) != 1:  # a stop word, or a word Whoosh splits: the parser decides
                return None
            terms.append(tokens[0])
    if phrase:
        return wq.Or([wq.Phrase(name, terms, boost=b) for name, b in ranking.field_boosts().items()])
    clauses = [word_query(t, ranking=ranking) for t in terms]
    if len(clauses) == 1:
        return clauses[0]
    joined = wq.Or(clauses) if any_words else wq.And(clauses)
    # Distinct words: normalize() would give the same tree back (no nesting
    # to flatten, no repeat to count), at a tenth of a query's build.
    return joined if len(set(terms)) == len(terms) else _count_repeats(joined)


def syntax_problem(text: str) -> str | None:
    """Why ``text`` is not valid query syntax, or None when it is.

    Raises QueryError for parentheses nested beyond MAX_QUERY_DEPTH.
    """
    if text.count('"') % 2:
        return "unbalanced quote"
    depth = 0
    in_quote = False
    for ch in text:
        if ch == '"':
            in_quote = not in_quote
        elif not in_quote and ch == "(":
            depth += 1
            if depth > MAX_QUERY_DEPTH:
                raise QueryError(f"parentheses nested more than {MAX_QUERY_DEPTH} deep (the limit)")
        elif not in_quote and ch == ")":
            depth -= 1
            if depth < 0:
                return "unbalanced parenthesis"
    return "unbalanced parenthesis" if depth else None


def _plain_words_query(text: str, schema: Schema, any_words: bool, ranking: Ranking) -> wq.Query:
    """Every word of ``text`` as a plain term, ignoring all syntax."""
    analyzed = schema[SEARCH_FIELDS[0]]  # the search fields share one analyzer
    clauses: list[wq.Query] = []
    for word in text.split():
        if word in OPERATORS:
            continue
        terms = list(analyzed.process_text(word, mode="query"))
        if len(terms) == 1:
            clauses.append(word_query(terms[0], ranking=ranking))
        elif terms:  # "x-band" analyzes to two tokens: keep them together
            clauses.append(wq.Or([wq.Phrase(name, terms, boost=b) for name, b in ranking.field_boosts().items()]))
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
        return frozenset([source_key(q.text)])
    if isinstance(q, wq.Phrase) and q.fieldname == "sources":
        # source:"Xinhua News Agency": the name as the --source option reads it.
        return frozenset([source_key(" ".join(q.words))])
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


def option_filters(options: SearchOptions) -> Filters:
    """Filters from the structured options; bad dates raise DateParseError."""
    since, until = options.since, options.until
    lo = period(since)[0] if since not in (None, "") else None
    hi = period(until)[1] if until not in (None, "") else None
    require = (frozenset(source_key(s) for s in options.sources),) if options.sources else ()
    exclude = frozenset(source_key(s) for s in options.exclude_sources)
    return Filters(lo, hi, require, exclude, options.arrived_after)


def build_query(
    text: str, schema: Schema, options: SearchOptions | None = None, ranking: Ranking = DEFAULT_RANKING
) -> BuiltQuery:
    """Parses ``text`` with the options into a BuiltQuery (see module doc);
    of the options, those in ``options.QUERY`` count; ``ranking``'s field
    boosts are built into the query."""
    if text is None or not str(text).strip():
        raise QueryError("empty query: give words to search for, or * for every article")
    text = str(text).strip()
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long ({len(text)} characters; the limit is {MAX_QUERY_CHARS})")
    options = options if options is not None else SearchOptions()
    return _build(text, schema, option_filters(options), options.any_words, ranking)


def rebuild(text: str, built: BuiltQuery, schema: Schema) -> BuiltQuery:
    """``text`` (a corrected spelling, say) under the options ``built`` was made with."""
    return _build(text.strip(), schema, built.base_filters, built.any_words, built.ranking)


def _build(text: str, schema: Schema, filters: Filters, any_words: bool, ranking: Ranking) -> BuiltQuery:
    base = filters
    warnings: list[str] = []

    if text == "*":
        _check_window(filters, warnings)
        return BuiltQuery(text, wq.Every(), filters, tuple(warnings), any_words, base, ranking=ranking)

    problem = syntax_problem(text)
    if problem:
        warnings.append(f"{problem}: searched the words as plain text")
        q = _plain_words_query(text, schema, any_words, ranking)
    else:
        fast = _fast_parse(text, schema, any_words, ranking)
        q = fast if fast is not None else _parse(text, schema, any_words, ranking, warnings)
    if q is wq.NullQuery or isinstance(q, wq.qcore._NullQuery):
        warnings.append("the query has no searchable words")
        return BuiltQuery(text, wq.NullQuery, filters, tuple(warnings), any_words, base, ranking=ranking)
    q, filters = _pull_filters(q, filters)
    _check_window(filters, warnings)
    return BuiltQuery(text, q, filters, tuple(warnings), any_words, base, ranking=ranking)


def _parse(text: str, schema: Schema, any_words: bool, ranking: Ranking, warnings: list[str]) -> wq.Query:
    """Whoosh's parser on valid syntax, with searchkit's checks around it."""
    for name in _unknown_fields(text):
        warnings.append(
            f"unknown field {name!r} (a query may name {', '.join(sorted(_FIELD_NAMES))}): "
            f"searched {name}: as part of the words"
        )
    if proximity.uses_operators(_outside_quotes(text)):
        # A phrase stays as a token (""), so that an operator beside it has a side.
        proximity.checks(re.sub(r'"[^"]*"', ' "" ', text), warnings)
    try:
        q = _parser(schema, any_words, ranking).parse(text, normalize=False)
    except RecursionError as exc:
        raise QueryError("query nested too deeply to read") from exc
    except Exception as exc:  # Whoosh's parser has crashing corners ("NOT AND 0")
        from whoosh.query.qcore import error_query

        q = error_query(exc)
    errors = [node.error for node in _all_nodes(q) if getattr(node, "error", None)]
    for err in errors:
        if isinstance(err, QueryError):
            raise QueryError(str(err))
    if errors:
        warnings.append(f"could not parse part of the query ({errors[0]}): searched as plain words")
        return _plain_words_query(text, schema, any_words, ranking)
    dangling = _dangling_operators(text)
    if dangling:
        names = ", ".join(dangling)
        warnings.append(f"{names} joins nothing on one side: left out of the query")
        q = _drop_words(q, {d.lower() for d in dangling} - set(_bare_tokens(text)))
    q = _cap_fuzzy(proximity.lead_query(q), warnings)
    return _count_repeats(combine_fields(q, ranking))


def _outside_quotes(text: str) -> str:
    return re.sub(r'"[^"]*"', " ", text)


def _unknown_fields(text: str) -> list[str]:
    found = []
    for name in _FIELD_RE.findall(_outside_quotes(text)):
        if name not in _FIELD_NAMES and name not in found:
            found.append(name)
    return found


_BINARY = frozenset({"AND", "OR", "ANDNOT", "ANDMAYBE"})


def _bare_tokens(text: str) -> list[str]:
    # A phrase stays a token (""): it is a side of the operator beside it.
    return re.findall(r"[()]|[^\s()]+", re.sub(r'"[^"]*"', ' "" ', text))


def _dangling_operators(text: str) -> list[str]:
    """Operators with nothing to join on one side ("radar AND", "OR x"),
    which Whoosh would silently search as words."""
    tokens = _bare_tokens(text)
    found: list[str] = []
    for i, tok in enumerate(tokens):
        if tok not in _BINARY and tok != "NOT":
            continue
        before = tokens[i - 1] if i else None
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        no_right = after is None or after == ")" or after in _BINARY
        no_left = before is None or before == "(" or before in _BINARY or before == "NOT"
        if ((tok == "NOT" and no_right) or (tok != "NOT" and (no_left or no_right))) and tok not in found:
            found.append(tok)
    return found


def _drop_words(q: wq.Query, words: set[str]) -> wq.Query:
    """``q`` without the query words ``words`` (dangling operators Whoosh
    took for words)."""
    if not words:
        return q

    def is_dropped(node: wq.Query) -> bool:
        if isinstance(node, CombinedTerm):
            return node.subqueries[0].text in words
        return isinstance(node, wq.Term) and node.fieldname in SEARCH_FIELDS and node.text in words

    def visit(node: wq.Query) -> wq.Query:
        if is_dropped(node):
            return wq.NullQuery
        if isinstance(node, (wq.And, wq.Or)) and not isinstance(node, CombinedTerm):
            subs = [visit(c) for c in node.subqueries]
            subs = [c for c in subs if c is not wq.NullQuery]
            if not subs:
                return wq.NullQuery
            return subs[0] if len(subs) == 1 else node.__class__(subs, boost=node.boost)
        return node

    return visit(q)


def _cap_fuzzy(q: wq.Query, warnings: list[str]) -> wq.Query:
    capped: list[str] = []

    def fix(node: wq.Query) -> wq.Query:
        if isinstance(node, wq.FuzzyTerm) and node.maxdist > MAX_EDITS:
            label = f"{node.text}~{node.maxdist}"
            if label not in capped:
                capped.append(label)
            return wq.FuzzyTerm(
                node.fieldname,
                node.text,
                boost=node.boost,
                maxdist=MAX_EDITS,
                prefixlength=node.prefixlength,
                constantscore=node.constantscore,
            )
        return node

    q = q.accept(fix)
    for label in capped:
        warnings.append(f"fuzzy word {label}: edit distance capped at {MAX_EDITS} (the limit)")
    return q


def _check_window(filters: Filters, warnings: list[str]) -> None:
    if filters.since and filters.until and filters.since > filters.until:
        warnings.append(f"the date window is reversed ({filters.since} is after {filters.until}): no article can match")


def check_sort(sort: str) -> str:
    if sort not in _SORTS:
        raise QueryError(f"unknown sort {sort!r}: use one of {', '.join(_SORTS)}")
    return sort

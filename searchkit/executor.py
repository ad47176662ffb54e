"""Running a built query on one searcher: match, fold copies, page, snippets.

Two paths give the same results: the vectorized engine (``engine.py``)
for the query shapes it evaluates, and Whoosh's matchers and collectors
for the rest. Both fold near-duplicates into the earliest matching copy,
page, make snippets and try a did-you-mean spelling when a query finds
little. The façade (``search.SearchIndex``) chooses the searcher; this
module never opens one.

The light path is the Whoosh path taken for speed: in a process that has
not loaded numpy (a cold ``searchkit search``), a query of plain words with
few postings is answered through Whoosh's matchers, whose reads of the
codec need no numpy (codec.ListValues, termfile's typed arrays), with its
copies folded and its snippets found by the matches' own ids and postings
(``light``). numpy's import (~45 ms) costs more than such a query's Python
matching; in a process that has it, the engine answers as before.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from whoosh import query as wq

from . import recency
from .errors import QueryError
from .lazy import lazy_module
from .neardup.fold import fold_copies, fold_grouped, fold_watched, oldest_key
from .options import SearchOptions
from .query import BuiltQuery, rebuild
from .ranking import CombinedTerm
from .results import Hit, Results, hit_from_stored
from .snippets import make_snippet, match_spans, occurrences, plan_for
from .spelling import SUGGEST_BELOW, frequent_words, suggest
from .tuning import DEFAULT, Tuning

if TYPE_CHECKING:
    from whoosh.searching import Searcher

    from .searcher_data import SearcherData

# Facets load with the first search that asks for them: analytics brings
# the analyst commands' types (searchkit.reports, ~3 ms of start-up).
analytics = lazy_module("searchkit.analytics")

Page = list[tuple[int, float]]
# The light path's budget: the postings (the words' document frequencies
# summed over fields) it may answer in one process. Measured on 19k
# articles, a cold search costs ~7 us more a posting this way (Whoosh's
# matchers, scoring, the collector, in Python) than through the engine once
# numpy is loaded: 0.16 s against 0.19 s at 3,800 postings, even near 7,500.
# So a one-search command under it is faster, and a long-lived process (the
# API in a loop, a server) spends at most ~30 ms this way before the engine
# takes over: about what numpy's import costs once (ski rental).
LIGHT_POSTINGS = 4000
_light_spent = 0  # postings the light path answered in this process


def run(
    searcher: Searcher, cache: SearcherData, built: BuiltQuery, options: SearchOptions, tuning: Tuning = DEFAULT
) -> Results:
    """One page of results of ``built`` under ``options`` (sort, limit, offset...)."""
    if light(searcher, built, options):
        return _run_whoosh(searcher, cache, built, options, tuning.fold_spare, engine=False)
    matched = _matches(cache, built)
    if matched is None:  # a query shape the engine leaves to Whoosh
        return _run_whoosh(searcher, cache, built, options, tuning.fold_spare)
    from .engine import by_date, top

    ids, scores, notes = matched
    copies: dict[int, int] = {}
    if not options.all_copies:
        keep, copies = fold_grouped(ids, cache.group_numbers(ids), cache.arrays.days)
        if copies:  # else every match is kept (fold_copies drops only what it counts): no copy of the arrays
            ids, scores = ids[keep], scores[keep]
    total = len(ids)
    wanted = options.offset + options.limit
    life = _half_life(built, options)
    if life is not None:
        scores = recency.weigh(cache.arrays, ids, scores, life)
    if options.sort == "relevance" and not built.match_all:
        chosen = top(ids, scores, wanted)
    else:
        chosen = by_date(ids, cache.arrays.days, newest=options.sort != "oldest", k=wanted)
    page = [(int(ids[i]), float(scores[i])) for i in chosen[options.offset : wanted]]
    counted = None
    if options.facets:
        counted = analytics.facet_counts(ids.tolist(), cache.days, cache.doc_sources, cache.source_names)
    return _results(searcher, cache, built, options, page, copies, total, counted, tuple(notes))


def light(searcher: Searcher, built: BuiltQuery, options: SearchOptions) -> bool:
    """Whether to take the light path (see the module's docstring): numpy
    not loaded, plain words joined by AND/OR, no filter, recency, facet or
    date order, and postings within what is left of LIGHT_POSTINGS, which
    a yes spends."""
    global _light_spent
    if numpy_loaded() or built.match_all or built.filters:
        return False
    if options.recency or options.facets or options.sort != "relevance":
        return False
    terms = _plain_terms(built.query)
    if not terms:
        return False
    reader = searcher.reader()
    postings = sum(reader.doc_frequency(field, text) for field, text in terms)
    if _light_spent + postings > LIGHT_POSTINGS:
        return False
    _light_spent += postings
    return True


def numpy_loaded() -> bool:
    """Whether this process has imported numpy (a seam for tests)."""
    return "numpy" in sys.modules


def _plain_terms(q: wq.Query) -> list[tuple[str, Any]] | None:
    """The (field, text) of every term of ``q`` when it holds nothing but
    terms, each word's fields (CombinedTerm) and AND/OR of those; else None."""
    if type(q) is wq.Term:
        return [(q.fieldname, q.text)]
    if type(q) in (CombinedTerm, wq.And, wq.Or):
        found: list[tuple[str, Any]] = []
        for child in q.children():
            terms = _plain_terms(child)
            if terms is None:
                return None
            found.extend(terms)
        return found
    return None


def _half_life(built: BuiltQuery, options: SearchOptions) -> str | None:
    """The recency half-life that reorders this search, if any: only
    relevance order weighs by age, and "*" is already newest first."""
    if options.recency and options.sort == "relevance" and not built.match_all:
        return options.recency
    return None


def _results(
    searcher: Searcher,
    cache: SearcherData,
    built: BuiltQuery,
    options: SearchOptions,
    page: Page,
    copies: dict[int, int],
    total: int,
    counted: Any,
    notes: tuple[str, ...] = (),
    engine: bool = True,
) -> Results:
    """The page as Results: hits with snippets, copy counts, and a spelling
    suggestion when the query found little."""
    scored = options.sort == "relevance" and not built.match_all
    found = hits(searcher, cache, built, page, scored=scored, copies=copies, engine=engine)
    suggestion = None
    if options.suggest_spelling and total < SUGGEST_BELOW and not built.match_all:
        suggestion = _suggestion(searcher, cache, built, total)
    return Results(
        query=built.text,
        total=total,
        hits=tuple(found),
        offset=options.offset,
        parsed=str(built.query),
        explain=built.explain(),
        warnings=built.warnings + notes,
        suggestion=suggestion,
        facets=counted,
    )


def _matches(cache: SearcherData, built: BuiltQuery) -> tuple[Any, Any, list[str]] | None:
    """Every docnum the query and filters match, with its score and any
    warnings, from the vectorized engine; None when the query holds a
    shape it lacks (the caller then runs Whoosh's matchers)."""
    from .engine import Unsupported, evaluate

    try:
        ids, scores, warnings = evaluate(cache.arrays, built.query)
    except Unsupported:
        return None
    keep = cache.mask(built.filters, ids)
    return (ids, scores, warnings) if keep is None else (ids[keep], scores[keep], warnings)


def _collect(
    searcher: Searcher, built: BuiltQuery, kwargs: dict[str, Any], allow: Any, mask: Any, watch: Mapping[int, str]
) -> tuple[Any, list[int]]:
    from .neardup.fold import WatchingFilter

    inner = searcher.collector(optimize=False, **kwargs)
    if hasattr(inner, "replace"):
        # Whoosh swaps in matchers that drop documents unable to reach the
        # current top-N score; that skips them from the count too.
        inner.replace = 0
    collector = WatchingFilter(inner, allow, mask, watch)
    searcher.search_with_collector(built.query, collector)
    results = collector.results()
    return results, collector.watched


def _run_whoosh(
    searcher: Searcher,
    cache: SearcherData,
    built: BuiltQuery,
    options: SearchOptions,
    fold_spare: int,
    engine: bool = True,
) -> Results:
    """The Whoosh path (its matchers and collectors), for query shapes
    the engine does not evaluate (engine.SUPPORTED lists those it does),
    and the light path (not ``engine``: copies and snippets found without
    the engine's arrays; the shapes ``light`` allows need nothing else)."""
    from whoosh import sorting

    allow = cache.filter_set(built.filters)
    wanted = options.offset + options.limit
    # A few rows to spare, so that folding copies out of the top rows
    # rarely leaves the page short and needs a second pass.
    kwargs: dict[str, Any] = {"limit": wanted + fold_spare}
    if options.sort == "newest":
        kwargs["sortedby"] = sorting.FieldFacet("date", reverse=True)
    elif options.sort == "oldest":
        kwargs["sortedby"] = sorting.TranslateFacet(oldest_key, sorting.FieldFacet("date"))
    elif built.match_all:
        # Every article scores the same: show the newest first rather
        # than in index order.
        kwargs["sortedby"] = sorting.FieldFacet("date", reverse=True)
    life = _half_life(built, options)
    if life is not None:
        # The decay can lift any match into the top rows: score them all.
        kwargs["limit"] = None
    keys, days = (cache.group_keys, cache.days) if engine else cache.light_folding()
    watch = {} if options.all_copies else keys
    results, watched = _collect(searcher, built, kwargs, allow, None, watch)
    drop, copies = fold_watched(watched, watch, days)
    rows = [(results.docnum(i), results.score(i)) for i in range(results.scored_length())]
    kept = [row for row in rows if row[0] not in drop]
    total = len(results) - len(drop)
    if kwargs["limit"] is not None and len(kept) < wanted and len(rows) == kwargs["limit"]:
        results, _ = _collect(searcher, built, kwargs, allow, drop, {})
        kept = [(results.docnum(i), results.score(i)) for i in range(results.scored_length())]
    if life is not None and kept:
        import numpy as np

        from .engine import top

        ids = np.asarray([d for d, _ in kept], dtype=np.int64)
        weighed = recency.weigh(cache.arrays, ids, np.asarray([s for _, s in kept], dtype=np.float64), life)
        kept = [(int(ids[i]), float(weighed[i])) for i in top(ids, weighed, wanted)]
    page = kept[options.offset : wanted]
    counted = None
    if options.facets:
        matched = (d for d in cache.matching(built, allow) if d not in drop)
        counted = analytics.facet_counts(matched, cache.days, cache.doc_sources, cache.source_names)
    return _results(searcher, cache, built, options, page, copies, total, counted, engine=engine)


def matched(cache: SearcherData, built: BuiltQuery, all_copies: bool) -> list[int]:
    """Every docnum the query and filters match, unscored, folded unless ``all_copies``."""
    found = _matches(cache, built)
    if found is not None:
        ids = found[0]
        if not all_copies:
            ids = ids[fold_copies(ids, cache.group_index, cache.arrays.days)[0]]
        return [int(d) for d in ids.tolist()]
    docs = list(cache.matching(built, cache.filter_set(built.filters)))
    if all_copies:
        return docs
    watch = cache.group_keys
    drop, _ = fold_watched([d for d in docs if d in watch], watch, cache.days)
    return [d for d in docs if d not in drop]


def hits(
    searcher: Searcher,
    cache: SearcherData | None,
    built: BuiltQuery,
    page: Page,
    scored: bool,
    copies: dict[int, int] | None = None,
    engine: bool = True,
) -> list[Hit]:
    """The page's docnums as hits, with snippets around the query's words
    and, from ``copies``, the number of near-duplicates each stands for;
    the words' places from the engine's arrays unless not ``engine`` (from
    the postings, through Whoosh's matchers)."""
    if not page:
        return []
    arrays = cache.arrays if cache is not None and engine else None
    read = cache.stored if cache is not None else searcher.stored_fields
    plan = plan_for(built.query, searcher.reader(), arrays)
    occ = occurrences(searcher, (d for d, _ in page), plan.words(), arrays)
    found = []
    for docnum, score in page:
        stored = read(docnum)
        snippet = make_snippet(stored.get("body", ""), match_spans(occ.get(docnum, {}), plan))
        found.append(
            hit_from_stored(
                stored,
                score=round(float(score), 4) if scored and score is not None else None,
                snippet=snippet.text,
                highlights=snippet.highlights,
                copies=copies.get(docnum, 0) if copies else 0,
            )
        )
    return found


def _suggestion(searcher: Searcher, cache: SearcherData, built: BuiltQuery, total: int) -> str | None:
    from .engine import QuickTerms

    # Near spellings come from the engine's bulk-read dictionary: Whoosh
    # compares every word of it in Python (0.5 s a word on 19k articles).
    corrected = suggest(QuickTerms(searcher.reader(), cache.arrays), built.text, frequent_words(cache.arrays))
    if not corrected or corrected == built.text:
        return None
    try:
        # Under the same options, so that a corrected source: name is the
        # filter it names (counted by the same rule as the total).
        fixed = rebuild(corrected, built, searcher.schema)
    except QueryError:
        return None
    found = len(matched(cache, fixed, all_copies=False))
    return corrected if found > total else None

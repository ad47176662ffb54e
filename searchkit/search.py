"""The Python API: ``SearchIndex`` and its plain, frozen results."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar, cast

from whoosh import query as wq

from . import saved, storage
from .analytics import PERIODS, Facets, Timeline, build_timeline, facet_counts
from .articles import Article
from .catalog import Catalog
from .collect import fold_copies
from .duplicates import Groups
from .errors import IndexCorruptError, NotFoundError, QueryError
from .filters import FilterCache
from .query import BuiltQuery, build_query, check_sort, rebuild
from .ranking import weighting, word_query
from .saved import SavedSearch
from .settings import DEFAULT_WAIT
from .snippets import make_snippet, match_spans, occurrences, plan_for
from .spelling import suggest

if TYPE_CHECKING:
    from whoosh.searching import Searcher

    from . import indexer

# Below this many hits a query "finds little", and did-you-mean is tried.
SUGGEST_BELOW = 3
MAX_LIMIT = 10_000
# Extra top rows collected in case folded copies must be removed from them.
FOLD_SPARE = 10
F = TypeVar("F", bound=Callable[..., Any])
# Tries at opening the committed generation while commits keep landing.
OPEN_ATTEMPTS = 20
# Key terms of an article that "similar" searches with.
SIMILAR_TERMS = 25


@dataclass(frozen=True)
class Hit:
    id: str
    headline: str
    date: date | None
    sources: tuple[str, ...]
    score: float | None
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    path: str | None
    copies: int = 0  # near-duplicates folded into this hit


@dataclass(frozen=True)
class Results:
    query: str
    total: int
    hits: tuple[Hit, ...]
    offset: int = 0
    parsed: str = ""
    explain: str = ""
    warnings: tuple[str, ...] = ()
    suggestion: str | None = None
    facets: Facets | None = None


@dataclass(frozen=True)
class Copy:
    id: str
    headline: str
    date: date | None
    sources: tuple[str, ...]
    path: str | None


@dataclass(frozen=True)
class DuplicateGroup:
    """An article and its near-duplicates; the leader is the earliest."""

    leader: Copy
    copies: tuple[Copy, ...]


@dataclass(frozen=True)
class Alert:
    search: SavedSearch
    results: Results


@dataclass(frozen=True)
class Stats:
    articles: int
    first_date: date | None
    last_date: date | None
    undated: int
    size_bytes: int
    top_sources: tuple[tuple[str, int], ...]
    last_update: str | None
    path: str = ""


def _key_terms(searcher: Searcher, text: str) -> list[tuple[str, float]]:
    """The article's most telling terms with weights (Whoosh's Bo1 model).

    Whoosh normalizes the weights by the best one and divides by zero when
    every weight is 0 (a word-less or headline-only article whose terms say
    nothing): such an article has no key terms.
    """
    try:
        return list(searcher.key_terms_from_text("body", text, numterms=SIMILAR_TERMS, normalize=True))
    except ZeroDivisionError:
        return []


def _day(value: int | None) -> date | None:
    return date.fromordinal(value) if value else None


def _collect(
    searcher: Searcher, built: BuiltQuery, kwargs: dict[str, Any], allow: Any, mask: Any, watch: dict[int, str]
) -> tuple[Any, list[int]]:
    from .collect import WatchingFilter

    inner = searcher.collector(optimize=False, **kwargs)
    if hasattr(inner, "replace"):
        # Whoosh swaps in matchers that drop documents unable to reach the
        # current top-N score; that skips them from the count too.
        inner.replace = 0
    collector = WatchingFilter(inner, allow, mask, watch)
    searcher.search_with_collector(built.query, collector)
    results = collector.results()
    return results, collector.watched


def _fold(watched: list[int], groups: dict[int, str], days: Any) -> tuple[set[int], dict[int, int]]:
    """Which matched copies to hide, and how many copies each kept hit stands for.

    Each group keeps its earliest matching article (undated last).
    """
    by_group: dict[str, list[int]] = {}
    for docnum in watched:
        by_group.setdefault(groups[docnum], []).append(docnum)
    drop: set[int] = set()
    copies: dict[int, int] = {}
    for members in by_group.values():
        if len(members) < 2:
            continue
        keep = min(members, key=lambda d: (_oldest_key(days[d]), d))
        copies[keep] = len(members) - 1
        drop.update(d for d in members if d != keep)
    return drop, copies


def _text_or_none(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def _oldest_key(value: int) -> int:
    # Undated articles (day 0) go after every dated one.
    return value or 2**32


def _retrying(method: F) -> F:
    """Runs a read again on the newer generation when a commit deleted a file
    under it: readers see the old or the new committed index, never an error."""

    @functools.wraps(method)
    def wrapper(self: SearchIndex, *args: Any, **kwargs: Any) -> Any:
        for attempt in range(OPEN_ATTEMPTS):
            gen = self._gen
            try:
                return method(self, *args, **kwargs)
            except OSError as exc:
                pinned = getattr(self._pin, "value", None) is not None
                if pinned:
                    raise  # the caller that pinned the generation retries as a whole
                if self._catalog().generation() == gen or attempt == OPEN_ATTEMPTS - 1:
                    raise storage.damaged(self.path, exc, self._catalog().meta("roots")) from exc
                with self._lock:
                    self.close_searcher()
        raise AssertionError("unreachable")

    return cast(F, wrapper)


class SearchIndex:
    """An index folder: ``update`` it from article files, ``search`` it.

    ``SearchIndex(path)`` opens an existing index and raises
    IndexMissingError when there is none; ``create=True`` lets ``update``
    create it.
    """

    def __init__(self, path: str | os.PathLike[str] = "index", create: bool = False) -> None:
        self.path = storage.check_dir(path)
        self._create = create
        self._cat: Catalog | None = None
        self._ix: Any = None
        self._gen: int | None = None
        self._searcher: Searcher | None = None
        self._filters: FilterCache | None = None
        self._lock = threading.RLock()
        self._pin = threading.local()
        if not create:
            self._cat = storage.open_catalog(self.path)

    # -- lifecycle -------------------------------------------------------
    def _catalog(self) -> Catalog:
        if self._cat is None:
            self._cat = storage.open_catalog(self.path)
        return self._cat

    def _index(self) -> Any:
        self._current()
        return self._ix

    def _current(self) -> tuple[Searcher, FilterCache]:
        """The searcher of the committed generation; reopened only when a
        commit has landed. Readers see the old or the new committed index,
        never a half-written one: a file deleted under an open is retried on
        the newer generation that deleted it."""
        pinned = getattr(self._pin, "value", None)
        if pinned is not None:
            return pinned
        with self._lock:
            cat = self._catalog()
            if self._searcher is not None and cat.generation() == self._gen:
                assert self._filters is not None
                return self._searcher, self._filters
            last: BaseException | None = None
            for _ in range(OPEN_ATTEMPTS):
                snap = cat.snapshot()
                try:
                    storage.check_segfiles(self.path, snap.segfiles)
                    ix = storage.PinnedIndex(storage.storage_for(self.path), snap.generation)
                    reader = ix.reader()
                except Exception as exc:  # Whoosh raises bare Exceptions, EOFError, pickle errors...
                    last = exc
                    if cat.generation() != snap.generation:
                        continue  # a commit landed and cleaned up the files we were opening
                    break
                from whoosh.searching import Searcher  # imported when first used: start-up time

                self.close_searcher()
                self._ix, self._gen = ix, snap.generation
                self._searcher = Searcher(reader, fromindex=ix, weighting=weighting())
                self._filters = FilterCache(self._searcher, self.path, Groups.from_links(snap.links, snap.days))
                return self._searcher, self._filters
            assert last is not None
            if isinstance(last, IndexCorruptError):
                raise IndexCorruptError(f"{last}: {storage.rebuild_hint(self.path, cat.meta('roots'))}") from last
            raise storage.damaged(self.path, last, cat.meta("roots")) from last

    @contextlib.contextmanager
    def _pinned(self) -> Iterator[int]:
        """Every read inside uses one generation (yielded), even if commits land."""
        pinned = self._current()
        self._pin.value = pinned
        try:
            assert self._gen is not None
            yield self._gen
        finally:
            self._pin.value = None

    def close_searcher(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
            self._filters = None

    def close(self) -> None:
        with self._lock:
            self.close_searcher()
            self._ix = None
            self._gen = None
            if self._cat is not None:
                self._cat.close()
                self._cat = None

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------
    def update(
        self,
        paths: Iterable[str | os.PathLike[str]],
        rebuild: bool = False,
        wait: float = DEFAULT_WAIT,
        progress: indexer.Progress | None = None,
        clock: indexer.Clock = time.monotonic,
    ) -> indexer.UpdateReport:
        """Indexes new and changed files under ``paths``; see indexer.update."""
        # Imported here: the readers it brings are dead weight for a search.
        from . import indexer

        if self._cat is None and not self._create:
            self._cat = storage.open_catalog(self.path)
        return indexer.update(self.path, list(paths), rebuild=rebuild, wait=wait, progress=progress, clock=clock)

    # -- reading ---------------------------------------------------------
    def build(self, text: str, **options: Any) -> BuiltQuery:
        """The query ``search`` would run, without running it."""
        return build_query(text, self._index().schema, **options)

    @_retrying
    def search(
        self,
        q: str,
        sources: Sequence[str] | None = None,
        exclude_sources: Sequence[str] | None = None,
        since: str | date | None = None,
        until: str | date | None = None,
        sort: str = "relevance",
        limit: int = 10,
        offset: int = 0,
        any_words: bool = False,
        suggest_spelling: bool = True,
        facets: bool = False,
        arrived_after: int | None = None,
        all_copies: bool = False,
    ) -> Results:
        """Runs a query; see the README for the query language and options.

        Near-duplicates (syndicated copies) are folded into the earliest
        matching copy, whose ``Hit.copies`` counts the rest, unless
        ``all_copies``. ``facets=True`` also counts every hit by source, year
        and month; ``arrived_after`` keeps articles first committed after that
        index generation (what alerts use).
        """
        check_sort(sort)
        if limit < 0 or offset < 0:
            raise QueryError("limit and offset must be zero or more")
        limit = min(limit, MAX_LIMIT)
        built = self.build(
            q,
            sources=sources,
            exclude_sources=exclude_sources,
            since=since,
            until=until,
            any_words=any_words,
            arrived_after=arrived_after,
        )
        return self._run(built, sort, limit, offset, suggest_spelling, facets, all_copies)

    def _run(
        self,
        built: BuiltQuery,
        sort: str,
        limit: int,
        offset: int,
        suggest_spelling: bool,
        facets: bool,
        all_copies: bool,
    ) -> Results:
        searcher, cache = self._current()
        matched = self._matches(cache, built)
        if matched is None:  # a query shape the engine leaves to Whoosh
            return self._run_whoosh(built, sort, limit, offset, suggest_spelling, facets, all_copies)
        from .engine import by_date, top

        ids, scores, notes = matched
        copies: dict[int, int] = {}
        if not all_copies:
            keep, copies = fold_copies(ids, cache.group_index, cache.arrays.days)
            ids, scores = ids[keep], scores[keep]
        total = len(ids)
        wanted = offset + limit
        if sort == "relevance" and not built.match_all:
            chosen = top(ids, scores, wanted)
        else:
            chosen = by_date(ids, cache.arrays.days, newest=sort != "oldest", k=wanted)
        page = [(int(ids[i]), float(scores[i])) for i in chosen[offset:wanted]]
        hits = self._hits(searcher, built, page, scored=sort == "relevance" and not built.match_all)
        if copies:
            hits = [dataclasses.replace(h, copies=copies.get(d, 0)) for h, (d, _) in zip(hits, page, strict=True)]
        suggestion = None
        if suggest_spelling and total < SUGGEST_BELOW and not built.match_all:
            suggestion = self._suggestion(searcher, built, total, cache)
        counted = None
        if facets:
            counted = facet_counts(ids.tolist(), cache.days, cache.doc_sources, cache.source_names)
        return Results(
            query=built.text,
            total=total,
            hits=tuple(hits),
            offset=offset,
            parsed=str(built.query),
            explain=built.explain(),
            warnings=built.warnings + tuple(notes),
            suggestion=suggestion,
            facets=counted,
        )

    @staticmethod
    def _matches(cache: FilterCache, built: BuiltQuery) -> tuple[Any, Any, list[str]] | None:
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

    def _run_whoosh(
        self,
        built: BuiltQuery,
        sort: str,
        limit: int,
        offset: int,
        suggest_spelling: bool,
        facets: bool,
        all_copies: bool,
    ) -> Results:
        """The Whoosh path (its matchers and collectors), for query shapes
        the engine does not evaluate (engine.SUPPORTED lists those it does)."""
        from whoosh import sorting

        searcher, cache = self._current()
        allow = cache.filter_set(built.filters)
        wanted = offset + limit
        # A few rows to spare, so that folding copies out of the top rows
        # rarely leaves the page short and needs a second pass.
        kwargs: dict[str, Any] = {"limit": wanted + FOLD_SPARE}
        if sort == "newest":
            kwargs["sortedby"] = sorting.FieldFacet("date", reverse=True)
        elif sort == "oldest":
            kwargs["sortedby"] = sorting.TranslateFacet(_oldest_key, sorting.FieldFacet("date"))
        elif built.match_all:
            # Every article scores the same: show the newest first rather
            # than in index order.
            kwargs["sortedby"] = sorting.FieldFacet("date", reverse=True)
        watch = {} if all_copies else cache.group_keys
        results, watched = _collect(searcher, built, kwargs, allow, None, watch)
        drop, copies = _fold(watched, watch, cache.days)
        rows = [(results.docnum(i), results.score(i)) for i in range(results.scored_length())]
        kept = [row for row in rows if row[0] not in drop]
        total = len(results) - len(drop)
        if len(kept) < wanted and len(rows) == kwargs["limit"]:
            results, _ = _collect(searcher, built, kwargs, allow, drop, {})
            kept = [(results.docnum(i), results.score(i)) for i in range(results.scored_length())]
        page = kept[offset:wanted]
        hits = self._hits(searcher, built, page, scored=sort == "relevance" and not built.match_all)
        if copies:
            hits = [dataclasses.replace(h, copies=copies.get(d, 0)) for h, (d, _) in zip(hits, page, strict=True)]
        suggestion = None
        if suggest_spelling and total < SUGGEST_BELOW and not built.match_all:
            suggestion = self._suggestion(searcher, built, total, cache)
        counted = None
        if facets:
            matched = (d for d in cache.matching(built, allow) if d not in drop)
            counted = facet_counts(matched, cache.days, cache.doc_sources, cache.source_names)
        return Results(
            query=built.text,
            total=total,
            hits=tuple(hits),
            offset=offset,
            parsed=str(built.query),
            explain=built.explain(),
            warnings=built.warnings,
            suggestion=suggestion,
            facets=counted,
        )

    @_retrying
    def timeline(
        self,
        q: str,
        by: str = "month",
        sources: Sequence[str] | None = None,
        exclude_sources: Sequence[str] | None = None,
        since: str | date | None = None,
        until: str | date | None = None,
        any_words: bool = False,
        all_copies: bool = False,
    ) -> Timeline:
        """Hits per week, month or year; each bucket also counts all articles
        of its period, so callers can show shares (``Bucket.share``).

        Counts the articles ``search`` counts: near-duplicates folded into
        one, unless ``all_copies``.
        """
        if by not in PERIODS:
            raise QueryError(f"unknown period {by!r}: use one of {', '.join(PERIODS)}")
        built = self.build(
            q, sources=sources, exclude_sources=exclude_sources, since=since, until=until, any_words=any_words
        )
        _searcher, cache = self._current()
        matched = self._matched(cache, built, all_copies)
        return build_timeline(built.text, by, matched, cache.days, cache.reader.all_doc_ids())

    def _matched(self, cache: FilterCache, built: BuiltQuery, all_copies: bool) -> list[int]:
        """Every docnum the query and filters match, unscored, folded unless ``all_copies``."""
        matched = self._matches(cache, built)
        if matched is not None:
            ids = matched[0]
            if not all_copies:
                ids = ids[fold_copies(ids, cache.group_index, cache.arrays.days)[0]]
            return [int(d) for d in ids.tolist()]
        docs = list(cache.matching(built, cache.filter_set(built.filters)))
        if all_copies:
            return docs
        watch = cache.group_keys
        drop, _ = _fold([d for d in docs if d in watch], watch, cache.days)
        return [d for d in docs if d not in drop]

    @_retrying
    def similar(self, article_id: str, limit: int = 10) -> Results:
        """The articles most like one article, over its headline and body.

        ``limit`` 0 gives the count only (as for ``search``).
        """
        if limit < 0:
            raise QueryError("limit must be zero or more")
        limit = min(limit, MAX_LIMIT)
        searcher, cache = self._current()
        docnum = self._docnum(searcher, article_id)
        stored = searcher.stored_fields(docnum)
        text = f"{stored.get('headline', '')}\n{stored.get('body', '')}"
        terms = _key_terms(searcher, text)
        clauses = [word_query(term, weight) for term, weight in terms]
        built = BuiltQuery(f"similar:{article_id}", wq.Or(clauses) if clauses else wq.NullQuery)
        if not clauses:
            return Results(query=built.text, total=0, hits=(), parsed=str(built.query))
        # Its own near-duplicates are the most similar of all, and useless here.
        mine = cache.group_index[docnum]
        from .engine import evaluate, top

        ids, scores, _ = evaluate(cache.arrays, built.query)
        keep = ids != docnum
        if mine >= 0:
            keep &= cache.group_index[ids] != mine
        ids, scores = ids[keep], scores[keep]
        chosen = top(ids, scores, limit)
        page = [(int(ids[i]), float(scores[i])) for i in chosen]
        return Results(
            query=built.text,
            total=len(page),
            hits=tuple(self._hits(searcher, built, page, scored=True)),
            parsed=str(built.query),
        )

    @_retrying
    def duplicates(self) -> list[DuplicateGroup]:
        """Every group of near-duplicates, earliest leader first."""
        searcher, cache = self._current()
        found = []
        for members in cache.groups.groups():
            copies = []
            for aid in members:
                docnum = searcher.document_number(id=aid)
                if docnum is None:
                    continue
                s = searcher.stored_fields(docnum)
                copies.append(
                    Copy(
                        aid,
                        s.get("headline", ""),
                        _day(s.get("date")),
                        tuple(s.get("source_names") or ()),
                        s.get("path"),
                    )
                )
            if len(copies) > 1:
                found.append(DuplicateGroup(copies[0], tuple(copies[1:])))
        return found

    # -- saved searches --------------------------------------------------
    def save_search(self, name: str, query: str, replace: bool = False, **options: Any) -> SavedSearch:
        """Saves a named search (an existing name only with ``replace``); the
        query is checked first. Alerts start from what is indexed now."""
        saved.check_name(name)
        with self._pinned() as gen:
            self.build(query, **options)  # refuse a search that could never run
        item = SavedSearch(
            name=name,
            query=query,
            sources=tuple(options.get("sources") or ()),
            exclude_sources=tuple(options.get("exclude_sources") or ()),
            since=_text_or_none(options.get("since")),
            until=_text_or_none(options.get("until")),
            any_words=bool(options.get("any_words")),
            seen_until=gen,
        )
        saved.add(self._catalog(), item, replace)
        return item

    def saved_searches(self) -> list[SavedSearch]:
        return sorted(saved.load(self._catalog()).values(), key=lambda s: s.name)

    def delete_saved(self, name: str) -> None:
        saved.delete(self._catalog(), name)

    @_retrying
    def alerts(self, limit: int = 50, mark_seen: bool = True) -> list[Alert]:
        """For each saved search, the articles committed since it was last checked.

        Every search runs on one generation G; an article is stamped with the
        generation that first committed it, so each reports those stamped
        after its mark and up to G, and its mark moves to G: nothing is
        reported twice or skipped, however index runs interleave.
        """
        found = []
        with self._pinned() as gen:
            for item in self.saved_searches():
                results = self.search(
                    item.query,
                    sort="newest",
                    limit=limit,
                    arrived_after=item.seen_until,
                    suggest_spelling=False,
                    **item.options(),
                )
                found.append(Alert(item, results))
        if mark_seen:
            saved.mark_seen(self._catalog(), {a.search.name: gen for a in found})
        return found

    def _hits(self, searcher: Searcher, built: BuiltQuery, page: list[tuple[int, float]], scored: bool) -> list[Hit]:
        if not page:
            return []
        arrays = self._filters.arrays if self._filters is not None else None
        plan = plan_for(built.query, searcher.reader(), arrays)
        occ = occurrences(searcher, (d for d, _ in page), plan.words(), arrays)
        hits = []
        for docnum, score in page:
            stored = searcher.stored_fields(docnum)
            body = stored.get("body", "")
            snippet = make_snippet(body, match_spans(occ.get(docnum, {}), plan))
            hits.append(
                Hit(
                    id=stored["id"],
                    headline=stored.get("headline", ""),
                    date=_day(stored.get("date")),
                    sources=tuple(stored.get("source_names") or ()),
                    score=round(float(score), 4) if scored and score is not None else None,
                    snippet=snippet.text,
                    highlights=snippet.highlights,
                    path=stored.get("path") or None,
                )
            )
        return hits

    def _suggestion(self, searcher: Searcher, built: BuiltQuery, total: int, cache: FilterCache) -> str | None:
        from .engine import QuickTerms

        # Near spellings come from the engine's bulk-read dictionary: Whoosh
        # compares every word of it in Python (0.5 s a word on 19k articles).
        corrected = suggest(QuickTerms(searcher.reader(), cache.arrays), built.text)
        if not corrected or corrected == built.text:
            return None
        try:
            # Under the same options, so that a corrected source: name is the
            # filter it names (counted by the same rule as the total).
            fixed = rebuild(corrected, built, searcher.schema)
        except QueryError:
            return None
        found = len(self._matched(cache, fixed, all_copies=False))
        return corrected if found > total else None

    @staticmethod
    def _docnum(searcher: Searcher, article_id: str) -> int:
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            raise NotFoundError(f"no article with id {article_id!r}")
        return docnum

    @_retrying
    def get(self, article_id: str) -> Article:
        searcher, _ = self._current()
        s = searcher.stored_fields(self._docnum(searcher, article_id))
        return Article(
            id=s["id"],
            headline=s.get("headline", ""),
            date=_day(s.get("date")),
            sources=tuple(s.get("source_names") or ()),
            body=s.get("body", ""),
            summary=s.get("summary", ""),
            path=s.get("path") or None,
            url=s.get("url"),
            publisher=s.get("publisher"),
        )

    @_retrying
    def __len__(self) -> int:
        searcher, _ = self._current()
        return searcher.doc_count()

    @_retrying
    def source_counts(self) -> list[tuple[str, int]]:
        """Each canonical source with the number of articles citing it,
        from the per-searcher postings (deleted documents excluded)."""
        _, cache = self._current()
        counts = [(name, len(cache.source_docs(frozenset([key])))) for key, name in cache.source_names.items()]
        return sorted(counts, key=lambda kv: (-kv[1], kv[0].casefold()))

    @_retrying
    def stats(self, top: int = 10) -> Stats:
        searcher, cache = self._current()
        reader = searcher.reader()
        days = [cache.days[d] for d in reader.all_doc_ids()]
        dated = [d for d in days if d]
        last_update = self._catalog().meta("last_update")
        return Stats(
            articles=len(days),
            first_date=_day(min(dated)) if dated else None,
            last_date=_day(max(dated)) if dated else None,
            undated=len(days) - len(dated),
            size_bytes=storage.disk_size(self.path),
            top_sources=tuple(self.source_counts()[:top]),
            last_update=last_update if isinstance(last_update, str) else None,
            path=str(self.path),
        )

"""The Python API: ``SearchIndex``, the façade over an index folder.

It opens the committed generation (reopened when a commit lands, retried
when one deletes files under a read), builds queries from SearchOptions
and hands them to ``executor``; the types it returns live in ``results``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from whoosh import query as wq

from . import executor, recency, storage
from .catalog import Catalog
from .errors import IndexCorruptError, NotFoundError, QueryError
from .lazy import lazy_module
from .neardup.groups import Groups
from .options import TIMELINE, SearchOptions
from .query import BuiltQuery, build_query, check_sort
from .ranking import DEFAULT as DEFAULT_RANKING
from .ranking import Ranking, word_query
from .results import (
    Article,
    Copy,
    DuplicateGroup,
    Hit,
    Results,
    article_from_stored,
    day,
)
from .searcher_data import SearcherData
from .settings import DEFAULT_WAIT, PERIODS
from .tuning import Tuning, current

if TYPE_CHECKING:
    from whoosh.searching import Searcher

    from . import indexer
    from .reports import Alert, Comparison, SavedSearch, SignificantTerms, Stats, Timeline

# The analyst commands' modules and types load on first use: a search
# builds none of them (reports' dataclasses are ~3 ms of start-up).
analytics = lazy_module("searchkit.analytics")
reports = lazy_module("searchkit.reports")
saved = lazy_module("searchkit.saved")

__all__ = ["Copy", "DuplicateGroup", "Hit", "Results", "SearchIndex"]

MAX_LIMIT = 10_000
F = TypeVar("F", bound=Callable[..., Any])
# Tries at opening the committed generation while commits keep landing.
OPEN_ATTEMPTS = 20
# Key terms of an article that "similar" searches with.
SIMILAR_TERMS = 25


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
    create it. ``tuning`` sets the knobs that trade speed for memory
    (tuning.Tuning), never what a search finds; ``ranking`` sets how
    matches are scored (ranking.Ranking: field boosts, K1, B; the default is
    what BENCHMARKS.md measured).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = "index",
        create: bool = False,
        tuning: Tuning | None = None,
        ranking: Ranking | None = None,
    ) -> None:
        self.path = storage.check_dir(path)
        self._create = create
        self.tuning = current(tuning)
        self.ranking = ranking if ranking is not None else DEFAULT_RANKING
        self._cat: Catalog | None = None
        self._ix: Any = None
        self._gen: int | None = None
        self._searcher: Searcher | None = None
        self._filters: SearcherData | None = None
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

    def _current(self) -> tuple[Searcher, SearcherData]:
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
                self._searcher = Searcher(reader, fromindex=ix, weighting=self.ranking.weighting())
                self._filters = SearcherData(self._searcher, self.path, Groups.from_links(snap.links, snap.days))
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

    def prepare(self) -> int | None:
        """Opens the committed generation now (returned) and lets go of the
        catalog's SQLite connection, which must not cross a fork: what
        searchkit.daemon does before forking its workers (each reopens the
        catalog, and so checks the generation, on its first read)."""
        with self._lock:
            self._current()
            if self._cat is not None:
                self._cat.close()
                self._cat = None
            return self._gen

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
        return indexer.update(
            self.path, list(paths), rebuild=rebuild, wait=wait, progress=progress, clock=clock, tuning=self.tuning
        )

    # -- reading ---------------------------------------------------------
    def build(self, text: str, options: SearchOptions | None = None, **keywords: Any) -> BuiltQuery:
        """The query ``search`` would run, without running it (the options
        that build a query count: options.QUERY)."""
        return self._build(text, SearchOptions.of(options, **keywords), *self._current())

    def _build(self, text: str, opts: SearchOptions, searcher: Searcher, cache: SearcherData) -> BuiltQuery:
        """``build`` on a searcher already at hand (one look at the
        catalog's generation a search, not one per step)."""
        # The searcher's schema: the index's own property reads the TOC file
        # again on every call (about 1 ms, a fifth of a query).
        built = build_query(text, searcher.schema, opts, self.ranking)
        if not opts.recency:
            return built
        life = recency.parse_half_life(opts.recency)
        line = recency.reference(cache.arrays).describe(life)
        if opts.sort != "relevance":
            line += f"; not applied: sorted {opts.sort} first"
        elif built.match_all:
            line += "; not applied: * lists the newest first"
        return dataclasses.replace(built, recency=line)

    @_retrying
    def search(self, q: str, options: SearchOptions | None = None, **keywords: Any) -> Results:
        """Runs a query; see the README for the query language, and
        ``SearchOptions`` for the options (given as one object, as keywords,
        or both: keywords change the object's values).

        Near-duplicates (syndicated copies) are folded into the earliest
        matching copy, whose ``Hit.copies`` counts the rest, unless
        ``all_copies``. ``facets=True`` also counts every hit by source, year
        and month; ``arrived_after`` keeps articles first committed after that
        index generation (what alerts use).
        """
        opts = SearchOptions.of(options, **keywords)
        check_sort(opts.sort)
        if opts.limit < 0 or opts.offset < 0:
            raise QueryError("limit and offset must be zero or more")
        if opts.limit > MAX_LIMIT:
            opts = SearchOptions.of(opts, limit=MAX_LIMIT)
        searcher, cache = self._current()
        built = self._build(q, opts, searcher, cache)
        return executor.run(searcher, cache, built, opts, self.tuning)

    @_retrying
    def timeline(self, q: str, by: str = "month", options: SearchOptions | None = None, **keywords: Any) -> Timeline:
        """Hits per week, month or year; each bucket also counts all articles
        of its period, so callers can show shares (``Bucket.share``).

        Counts the articles ``search`` counts: near-duplicates folded into
        one, unless ``all_copies``. Of the options, the filters and
        ``all_copies`` count (options.TIMELINE).
        """
        if by not in PERIODS:
            raise QueryError(f"unknown period {by!r}: use one of {', '.join(PERIODS)}")
        opts = SearchOptions.of(options, **keywords).only(TIMELINE)
        built = self.build(q, opts)
        _searcher, cache = self._current()
        matched = executor.matched(cache, built, opts.all_copies)
        return analytics.build_timeline(built.text, by, matched, cache.days, cache.reader.all_doc_ids())

    @_retrying
    def timelines(
        self, queries: Sequence[str], by: str = "month", options: SearchOptions | None = None, **keywords: Any
    ) -> Comparison:
        """Several queries' timelines over the same periods (``timeline
        --compare``), each counted as :meth:`timeline` counts it, under the
        same options; see analytics.build_comparison."""
        if by not in PERIODS:
            raise QueryError(f"unknown period {by!r}: use one of {', '.join(PERIODS)}")
        if not queries:
            raise QueryError("timelines needs at least one query")
        opts = SearchOptions.of(options, **keywords).only(TIMELINE)
        built = [self.build(q, opts) for q in queries]
        _searcher, cache = self._current()
        matched = [executor.matched(cache, b, opts.all_copies) for b in built]
        every = list(cache.reader.all_doc_ids())
        return analytics.build_comparison([b.text for b in built], by, matched, cache.days, every)

    @_retrying
    def terms(
        self,
        q: str,
        options: SearchOptions | None = None,
        limit: int | None = None,
        min_count: int | None = None,
        **keywords: Any,
    ) -> SignificantTerms:
        """The ``limit`` (default 25) most significant words of the query's
        result set against the whole index (JLH, as Elasticsearch's
        significant_text; see terms.py), best first, with each word's counts
        in both; a word must be in ``min_count`` (default 3) results. The
        result set is what :meth:`timeline` counts (the filters and
        ``all_copies`` count).
        """
        from . import terms  # numpy and the vocabulary load when first asked for
        from .neardup.fold import fold_copies

        limit = terms.DEFAULT_LIMIT if limit is None else limit
        min_count = terms.MIN_COUNT if min_count is None else min_count
        if limit < 0:
            raise QueryError("limit must be zero or more")
        if min_count < 1:
            raise QueryError(f"min_count must be at least 1, not {min_count}")
        opts = SearchOptions.of(options, **keywords).only(TIMELINE)
        built = self.build(q, opts)
        _searcher, cache = self._current()
        import numpy as np

        ids = np.asarray(executor.matched(cache, built, opts.all_copies), dtype=np.int64)
        vocab = terms.vocabulary(cache.arrays)
        background = None
        if not opts.all_copies:
            live = cache.arrays.live_ids

            def leaders() -> Any:
                return live[fold_copies(live, cache.group_index, cache.arrays.days)[0]]

            background = vocab.background_of("folded", leaders)
        return terms.significant(vocab, ids, built.text, background, limit, min_count, built.warnings)

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
        clauses = [word_query(term, weight, self.ranking) for term, weight in terms]
        built = BuiltQuery(
            f"similar:{article_id}", wq.Or(clauses) if clauses else wq.NullQuery, ranking=self.ranking
        )
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
            hits=tuple(executor.hits(searcher, cache, built, page, scored=True)),
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
                copies.append(Copy.of(article_from_stored(searcher.stored_fields(docnum))))
            if len(copies) > 1:
                found.append(DuplicateGroup(copies[0], tuple(copies[1:])))
        return found

    # -- saved searches --------------------------------------------------
    def save_search(
        self, name: str, query: str, replace: bool = False, options: SearchOptions | None = None, **keywords: Any
    ) -> SavedSearch:
        """Saves a named search (an existing name only with ``replace``) with
        its filters (options.SAVED); the query is checked first. Alerts
        start from what is indexed now."""
        saved.check_name(name)
        opts = SearchOptions.of(options, **keywords)
        with self._pinned() as gen:
            self.build(query, opts)  # refuse a search that could never run
        # Dates as text: a saved search keeps "7d" as "7d", and a date as its ISO form.
        since, until = (None if v in (None, "") else str(v) for v in (opts.since, opts.until))
        item = reports.SavedSearch(
            name=name, query=query, options=SearchOptions.of(opts, since=since, until=until), seen_until=gen
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
                    item.options,
                    sort="newest",
                    limit=limit,
                    arrived_after=item.seen_until,
                    suggest_spelling=False,
                )
                found.append(reports.Alert(item, results))
        if mark_seen:
            saved.mark_seen(self._catalog(), {a.search.name: gen for a in found})
        return found

    @staticmethod
    def _docnum(searcher: Searcher, article_id: str) -> int:
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            raise NotFoundError(f"no article with id {article_id!r}")
        return docnum

    @_retrying
    def get(self, article_id: str) -> Article:
        searcher, _ = self._current()
        return article_from_stored(searcher.stored_fields(self._docnum(searcher, article_id)))

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
        return reports.Stats(
            articles=len(days),
            first_date=day(min(dated)) if dated else None,
            last_date=day(max(dated)) if dated else None,
            undated=len(days) - len(dated),
            size_bytes=storage.disk_size(self.path),
            top_sources=tuple(self.source_counts()[:top]),
            last_update=last_update if isinstance(last_update, str) else None,
            path=str(self.path),
        )

"""Both cores: an article's per-article work in worker processes.

What an article needs before the writer can take it, and that depends on
nothing but its own text, is done here: the near-duplicate sketch, the
spelling words, the cut of its headline, body and summary into tokens
(:meth:`FastAnalyzer.cut`: distinct tokens and indexes into them, which the
writer then finds already done and maps to terms once per distinct token), and
the operators' sentence/paragraph boundaries and exact forms
(:func:`boundaries.index_fields`, the largest of these costs), the
record's digest, and, for a chunk, the stored fields as the segment will
hold them (pickled and compressed: :func:`stored_blob`). For
a file with many articles, chunks of them go to a process pool while the
main process writes the chunks before; the results come back in order, and
at most :data:`AHEAD` chunks are in flight, so memory stays bounded however
large the file (a JSON Lines file is parsed as its chunks are queued, so
the pool starts on the first chunk, not after the whole file). Whenever the
writer finds the pool's next chunk not back, it prepares the next chunk
itself instead of waiting and holds the result for its turn (at most
:data:`STEAL_AHEAD`): on 2 cores the one worker's share of an article is
larger than the writer's, so the writer would otherwise idle, and this
balances by itself on a loaded machine or with more workers.

Small runs (adding a few hundred articles) never start the pool: forking
costs more than it saves there. ``SEARCHKIT_WORKERS`` sets the number of
worker processes (0: none, everything in the main process; default: one
less than the CPUs, at least one).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import re
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import Any

from . import boundaries
from .analysis import FAST, Cut, Numbered
from .articles import Article, record_digest
from .neardup import sketches as duplicates
from .perdoc import STORED_LEVEL
from .schema import day_number

CHUNK = 250  # articles per task
AHEAD = 4  # tasks in flight
COMMIT_AHEAD = 16  # tasks in flight while the writer commits (Preparer.reserve)
MIN_ARTICLES = 2 * CHUNK  # fewer articles in a file than this: no pool

# The stored fields made ahead (stored_blob): the stamp they were made with,
# their names in order, and the pickled and compressed dict.
Stored = tuple[int, tuple[str, ...], bytes]
# (sketch, spelling words, the cuts of headline, body and summary, the
# operators' fields: boundaries.index_fields, the record's digest, the stored
# fields or None); the words and the exact forms as Numbered, and the stored
# fields made, when a chunk was prepared
Prepared = tuple[tuple[int, ...], "str | Numbered", tuple[Cut | None, ...], dict[str, object], str, "Stored | None"]
# A stamp guess for an article as its chunk is queued, and how many articles
# the writer takes before it (see Preparer.prepared).
StampGuess = Callable[[Article, int], int]
# The writer's cut of a keyword field's value (bulkwriter._SPACE_SPLIT, a test keeps them one).
SPACE_SPLIT = re.compile(r"[^ \t\r\n]+")


def default_workers() -> int:
    env = os.environ.get("SEARCHKIT_WORKERS")
    if env is not None and env.strip().isdigit():
        return int(env)
    return max(1, (os.cpu_count() or 2) - 1)


def prepare(article: Article) -> Prepared:
    """One article's text-only work (the same in a worker and in the main process)."""
    headline, body, summary = article.headline, article.body, article.summary
    cuts = tuple(FAST.cut(t) if t else None for t in (headline, body, summary))
    # After the cuts: the vocabulary and the operators' fields find them in FAST's recent cuts.
    words = " ".join(FAST.vocabulary(headline, body))
    operators = boundaries.index_fields(headline, body, cuts[1])
    return duplicates.sketch(body), words, cuts, operators, record_digest(article), None


def stored_fields(article: Article, digest: str, stamp: int) -> dict[str, object]:
    """The article's stored fields as the bulk writer keeps them for the
    index's schema: its stored fields in name order, None left out
    (indexer._document takes them from here; a test holds the two equal)."""
    sf: dict[str, object] = {
        "body": article.body,
        "date": day_number(article.date) if article.date else 0,
        "digest": digest,
        "headline": article.headline,
        "id": article.id,
        "indexed_at": stamp,
        "path": article.path or "",
    }
    if article.publisher:
        sf["publisher"] = article.publisher
    sf["source_names"] = list(article.sources)
    sf["summary"] = article.summary
    if article.url:
        sf["url"] = article.url
    return sf


_KEYS: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple per set of names: pickled once a chunk


def stored_blob(article: Article, digest: str, stamp: int) -> Stored:
    """The stored fields as the segment's stored column holds them (Whoosh's
    ``PickleColumn(CompressedBytesColumn())``: pickle protocol 2, then zlib),
    made where the article is prepared, so the main process neither pickles
    nor compresses them. Valid only for the same id, path and stamp: the
    writer checks the names, the indexer the rest (see indexer.sync_file)."""
    sf = stored_fields(article, digest, stamp)
    keys = tuple(sf)
    return stamp, _KEYS.setdefault(keys, keys), zlib.compress(pickle.dumps(sf, 2), STORED_LEVEL)


def _prepare_chunk(articles: list[Article], stamps: list[int] | None = None) -> list[Prepared]:
    """The chunk's articles prepared, their terms numbered (:class:`Numbered`):
    one vocabulary for the text fields' terms, one for the spelling words'
    and exact forms' tokens (the writer's "text" and "keyword" tables); with
    ``stamps`` (one an article), their stored fields made too."""
    text: dict[str, int] = {}
    keyword: dict[str, int] = {}
    text_vocab: list[str] = []
    keyword_vocab: list[str] = []

    def number(terms: list[str], vocab: dict[str, int], listed: list[str]) -> Numbered:
        ids = array("i")
        for t in terms:
            i = vocab.get(t)
            if i is None:
                i = vocab[t] = len(listed)
                listed.append(t)
            ids.append(i)
        return Numbered(listed, ids)

    out: list[Prepared] = []
    for k, a in enumerate(articles):
        sk, words, cuts, operators, digest, _ = prepare(a)
        numbered = tuple(
            None if c is None else (number(c[0], text, text_vocab), c[1], c[2], c[3])  # type: ignore[arg-type]
            for c in cuts
        )
        exact = operators.get("exact")
        if isinstance(exact, str):
            operators = {**operators, "exact": number(SPACE_SPLIT.findall(exact), keyword, keyword_vocab)}
        assert isinstance(words, str)
        stored = None if stamps is None else stored_blob(a, digest, stamps[k])
        spelling = number(SPACE_SPLIT.findall(words), keyword, keyword_vocab)
        out.append((sk, spelling, numbered, operators, digest, stored))
    return out


def as_written(prepared: Prepared) -> Prepared:
    """``prepared`` with its Numbered parts as :func:`prepare` gives them
    (the terms lists, the words and exact forms as space-joined strings), and
    no stored fields."""
    sk, words, cuts, operators, digest, _ = prepared
    plain_cuts = tuple(
        None if c is None else (c[0].terms() if isinstance(c[0], Numbered) else c[0], c[1], c[2], c[3]) for c in cuts
    )
    exact = operators.get("exact")
    if isinstance(exact, Numbered):
        operators = {**operators, "exact": " ".join(exact.terms())}
    plain_words = " ".join(words.terms()) if isinstance(words, Numbered) else words
    return sk, plain_words, plain_cuts, operators, digest, None


def use(article: Article, prepared: Prepared) -> None:
    """Hands a worker's cuts to this process's analyzer, for the writer."""
    for text, cut in zip((article.headline, article.body, article.summary), prepared[2], strict=True):
        if cut is not None:
            FAST.prime(text, cut)


STEAL_AHEAD = 4  # chunks prepared here ahead of their turn while the pool's was not ready


class _Pending:
    """One queued chunk: in the pool (``task``), or prepared here (``done``)."""

    __slots__ = ("done", "task")

    def __init__(self, task: Any, done: list[Prepared] | None = None) -> None:
        self.task = task
        self.done = done


class Preparer:
    """Prepares articles, in a lazily started process pool when it pays."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = default_workers() if workers is None else workers
        self._pool: Any = None
        self._reserve: Callable[[int], None] | None = None  # the running prepared()'s, see reserve()

    def prepared(self, articles: Iterable[Article], stamp: StampGuess | None = None) -> Iterator[Prepared]:
        """Each article prepared, in order. ``articles`` is read as chunks
        are queued (a streamed file is parsed while the pool prepares what
        came before). ``stamp(article, offset)`` gives the stamp an article
        will most likely be written with, ``offset`` articles after the next
        one the writer takes, asked as its chunk is queued: a chunk then also
        makes the stored fields (when the guess is wrong the writer makes
        them itself)."""
        source = iter(articles)
        head = [] if self.workers <= 0 else list(islice(source, MIN_ARTICLES))
        if len(head) < MIN_ARTICLES:
            for a in chain(head, source):  # no pool: every article here
                yield prepare(a)
            return
        if self._pool is None:
            # fork: the workers need nothing but this module, already imported.
            self._pool = multiprocessing.get_context("fork").Pool(self.workers)
        source = chain(head, source)
        queued = 0  # articles queued so far
        handed = 0  # articles yielded so far
        # In order: a task in the pool, or a chunk this process took to
        # prepare itself (see steal) rather than wait for the pool.
        pending: deque[_Pending] = deque()

        def queue_next(here: bool = False) -> bool:
            nonlocal queued
            chunk = list(islice(source, CHUNK))
            if not chunk:
                return False
            at, queued = queued, queued + len(chunk)
            stamps = None if stamp is None else [stamp(a, at + k - handed) for k, a in enumerate(chunk)]
            if here:
                pending.append(_Pending(None, _prepare_chunk(chunk, stamps)))
            else:
                pending.append(_Pending(self._pool.apply_async(_prepare_chunk, (chunk, stamps))))
            return True

        def in_pool() -> int:
            return sum(1 for entry in pending if entry.task is not None)

        def fill() -> None:
            # Keep AHEAD tasks in the pool; chunks taken here do not count.
            while in_pool() < AHEAD and queue_next():
                pass

        def reserve(tasks: int) -> None:
            while in_pool() < tasks and queue_next():
                pass

        def steal() -> bool:
            """While the pool's next chunk is not ready: the next chunk
            prepared here instead of waiting, its result held for its turn.
            False when there is none left, or STEAL_AHEAD are held."""
            held = sum(1 for entry in pending if entry.task is None)
            return held < STEAL_AHEAD and queue_next(here=True)

        self._reserve = reserve
        try:
            fill()
            while pending:
                first = pending[0]
                if first.task is not None:
                    while not first.task.ready() and steal():
                        pass
                    first.done = first.task.get()
                done = first.done
                assert done is not None
                pending.popleft()
                fill()
                for p in done:
                    handed += 1
                    yield p
        finally:
            self._reserve = None

    def reserve(self, tasks: int = COMMIT_AHEAD) -> None:
        """Before the writer commits mid-file: up to ``tasks`` chunks queued
        in the pool, so the workers go on preparing while this process
        commits (the commit has the main process to itself, and with only
        AHEAD chunks queued the pool would soon idle)."""
        if self._reserve is not None:
            self._reserve(tasks)

    def beside(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
        """``fn(*args)`` in the pool, when there is one: its pending result
        (the writer's last commit, see bulkwriter.BulkWriter.beside)."""
        return None if self._pool is None else self._pool.apply_async(fn, args)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

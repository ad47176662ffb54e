"""Both cores: an article's per-article work in worker processes.

What an article needs before the writer can take it, and that depends on
nothing but its own text, is done here: the near-duplicate sketch, the
spelling words, the cut of its headline, body and summary into tokens
(:meth:`FastAnalyzer.cut`: distinct tokens and indexes into them, which the
writer then finds already done and maps to terms once per distinct token), and
the operators' sentence/paragraph boundaries and exact forms
(:func:`boundaries.index_fields`, the largest of these costs), and the
record's digest. For
a file with many articles, chunks of them go to a process pool while the
main process writes the chunks before; the results come back in order, and
at most :data:`AHEAD` chunks are in flight, so memory stays bounded however
large the file. The main process prepares a part of the chunks itself, a
part that grows each time it finds the worker's next chunk not back and
shrinks each time it is (:class:`_Share`): on 2 cores the one worker's share
of an article is larger than the writer's, and a loaded machine slows
either.

Small runs (adding a few hundred articles) never start the pool: forking
costs more than it saves there. ``SEARCHKIT_WORKERS`` sets the number of
worker processes (0: none, everything in the main process; default: one
less than the CPUs, at least one).
"""

from __future__ import annotations

import multiprocessing
import os
import re
from array import array
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

from . import boundaries
from .analysis import FAST, Cut, Numbered
from .articles import Article, record_digest
from .neardup import sketches as duplicates

CHUNK = 250  # articles per task
AHEAD = 4  # tasks in flight
MIN_ARTICLES = 2 * CHUNK  # fewer articles in a file than this: no pool

# (sketch, spelling words, the cuts of headline, body and summary, the
# operators' fields: boundaries.index_fields, the record's digest); the words
# and the exact forms as Numbered when a chunk was prepared
Prepared = tuple[tuple[int, ...], "str | Numbered", tuple[Cut | None, ...], dict[str, object], str]
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
    return duplicates.sketch(body), words, cuts, operators, record_digest(article)


def _prepare_chunk(articles: list[Article]) -> list[Prepared]:
    """The chunk's articles prepared, their terms numbered (:class:`Numbered`):
    one vocabulary for the text fields' terms, one for the spelling words'
    and exact forms' tokens (the writer's "text" and "keyword" tables)."""
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
    for a in articles:
        sk, words, cuts, operators, digest = prepare(a)
        numbered = tuple(
            None if c is None else (number(c[0], text, text_vocab), c[1], c[2], c[3])  # type: ignore[arg-type]
            for c in cuts
        )
        exact = operators.get("exact")
        if isinstance(exact, str):
            operators = {**operators, "exact": number(SPACE_SPLIT.findall(exact), keyword, keyword_vocab)}
        assert isinstance(words, str)
        out.append((sk, number(SPACE_SPLIT.findall(words), keyword, keyword_vocab), numbered, operators, digest))
    return out


def as_written(prepared: Prepared) -> Prepared:
    """``prepared`` with its Numbered parts as :func:`prepare` gives them
    (the terms lists, the words and exact forms as space-joined strings)."""
    sk, words, cuts, operators, digest = prepared
    plain_cuts = tuple(
        None if c is None else (c[0].terms() if isinstance(c[0], Numbered) else c[0], c[1], c[2], c[3]) for c in cuts
    )
    exact = operators.get("exact")
    if isinstance(exact, Numbered):
        operators = {**operators, "exact": " ".join(exact.terms())}
    plain_words = " ".join(words.terms()) if isinstance(words, Numbered) else words
    return sk, plain_words, plain_cuts, operators, digest


def use(article: Article, prepared: Prepared) -> None:
    """Hands a worker's cuts to this process's analyzer, for the writer."""
    for text, cut in zip((article.headline, article.body, article.summary), prepared[2], strict=True):
        if cut is not None:
            FAST.prime(text, cut)


class _Share:
    """The part of the chunks the main process prepares itself.

    On 2 cores the one worker's share of an article (sketch, cuts,
    boundaries, digest: about 1 ms) is larger than the writer's, so a writer
    that only waits for the worker idles a third of the run. Each time the
    writer finds the worker's next chunk not ready, this process takes a
    larger part of the chunks still to be queued; each time it is ready, a
    smaller part. The decision is made when a chunk is queued, so results
    stay in order and no chunk is prepared twice.
    """

    STEP_UP = 0.04
    STEP_DOWN = 0.01
    MOST = 0.5

    def __init__(self) -> None:
        self.part = 0.0
        self._credit = 0.0

    def observe(self, waited: bool) -> None:
        step = self.STEP_UP if waited else -self.STEP_DOWN
        self.part = min(self.MOST, max(0.0, self.part + step))

    def local_next(self) -> bool:
        self._credit += self.part
        if self._credit >= 1.0:
            self._credit -= 1.0
            return True
        return False


class Preparer:
    """Prepares articles, in a lazily started process pool when it pays."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = default_workers() if workers is None else workers
        self._pool: Any = None

    def prepared(self, articles: Sequence[Article]) -> Iterator[Prepared]:
        if self.workers <= 0 or len(articles) < MIN_ARTICLES:
            for a in articles:
                yield prepare(a)
            return
        if self._pool is None:
            # fork: the workers need nothing but this module, already imported.
            self._pool = multiprocessing.get_context("fork").Pool(self.workers)
        chunks = (list(articles[i : i + CHUNK]) for i in range(0, len(articles), CHUNK))
        share = _Share()
        # In order: a task in the pool, or a chunk this process prepares
        # itself when it comes to it. Which chunks stay here is decided as
        # they are queued, by the share the waits so far call for, so the
        # pool never holds a chunk this process then wants.
        pending: deque[tuple[Any, list[Article] | None]] = deque()

        def queue_next() -> bool:
            chunk = next(chunks, None)
            if chunk is None:
                return False
            if share.local_next():
                pending.append((None, chunk))
            else:
                pending.append((self._pool.apply_async(_prepare_chunk, (chunk,)), None))
            return True

        def fill() -> None:
            # Keep AHEAD tasks in the pool; chunks kept here do not count.
            while sum(1 for task, _ in pending if task is not None) < AHEAD and queue_next():
                pass

        fill()
        while pending:
            task, chunk = pending.popleft()
            if task is None:
                assert chunk is not None
                done = _prepare_chunk(chunk)
            else:
                share.observe(waited=not task.ready())
                done = task.get()
            fill()
            yield from done

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

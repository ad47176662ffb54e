"""One index folder for every request; one SearchIndex per concurrent call.

Whoosh 2.7's segment readers ``seek`` and then ``read`` one shared file
object, so two threads searching the same searcher at once read from each
other's positions: eight threads on one SearchIndex, unlocked, raised zlib,
unpickling and TermNotFound errors and returned wrong hits within a second.
So a SearchIndex is never used by two threads at once: the pool lends each
call one of its own, opening another (up to ``size``) when every one is
busy. Each SearchIndex reopens its searcher by itself when a commit lands
(it compares the catalog's generation on every call), so the live reopen
needs nothing here. What the members share is the index folder, the OS's
page cache of its files and the catalog database; each has its own Whoosh
searcher and its own per-searcher caches (filters, term arrays), the memory
cost of a member. In one process the GIL still runs one thread's Python at
a time; ``searchkit serve --workers`` is what uses more cores (server.py).

Each call's time waiting for a free member and inside the library is kept
in a context variable (each request runs in its own copy of the context, so
one request never sees another's), for the response's Server-Timing
header: the load benchmark reads it to compare a response with the library
call it made, measured in the same process at the same moment.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from ..search import SearchIndex

T = TypeVar("T")
_TIMING: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar("searchkit_timing", default=None)
# Searchers per process. One: in one process the GIL runs one search at a
# time anyway, and benchmarks/web_load.py measured 2 per worker no faster
# under 8 clients (BENCHMARKS.md) for ~25 MB more per worker at 19,000
# stories; each member also reads its own caches on its first call. More
# than one lets a quick request overtake a slow one in the same process.
DEFAULT_SIZE = 1


class SharedIndex:
    """SearchIndex objects over one folder, lent to one thread at a time."""

    def __init__(self, index: SearchIndex, size: int = DEFAULT_SIZE) -> None:
        if size < 1:
            raise ValueError("a pool needs at least one SearchIndex")
        self.path = index.path
        self.size = size
        self._idle = [index]
        self._opened: list[SearchIndex] = []  # members this pool opened (and closes)
        self._members = 1
        self._free = threading.Condition()

    def _take(self) -> SearchIndex:
        with self._free:
            while not self._idle and self._members >= self.size:
                self._free.wait()
            if self._idle:
                return self._idle.pop()
            self._members += 1
        try:
            index = SearchIndex(self.path, create=False)
        except BaseException:
            with self._free:
                self._members -= 1
                self._free.notify()
            raise
        with self._free:
            self._opened.append(index)
        return index

    def _give(self, index: SearchIndex) -> None:
        with self._free:
            self._idle.append(index)  # last in, first out: the warmest member serves next
            self._free.notify()

    def call(self, work: Callable[[SearchIndex], T]) -> T:
        """Runs ``work(index)`` on a SearchIndex no other thread is using."""
        asked = time.perf_counter()
        index = self._take()
        started = time.perf_counter()
        try:
            return work(index)
        finally:
            self._give(index)
            _TIMING.set((started - asked, time.perf_counter() - started))

    def close(self) -> None:
        """Closes the members this pool opened (the caller's index is the caller's)."""
        with self._free:
            opened, self._opened = self._opened, []
            self._idle = [ix for ix in self._idle if ix not in opened]
            self._members -= len(opened)
        for index in opened:
            index.close()

    @staticmethod
    def server_timing() -> dict[str, str]:
        """This request's last call as a Server-Timing header (none before a call)."""
        timing = _TIMING.get()
        if timing is None:
            return {}
        waited, worked = timing
        return {"Server-Timing": f'wait;dur={waited * 1000:.2f};desc="free searcher", index;dur={worked * 1000:.2f}'}

"""One open index for every request, one library call at a time.

Whoosh 2.7's segment readers ``seek`` and then ``read`` one shared file
object, so two threads searching the same searcher at once read from each
other's positions: eight threads on one SearchIndex, unlocked, raised zlib,
unpickling and TermNotFound errors and returned wrong hits within a second
(tests/test_web.py's concurrency test fails without this lock). The lock
costs no throughput threads could have had: searching is pure Python, and
the GIL runs one thread at a time anyway. Templates render outside the lock.

Each call's time waiting for the lock and inside the library is kept in a
context variable (each request runs in its own copy of the context, so one
request never sees another's), for the response's Server-Timing header: the load benchmark reads
it to compare a response with the library call it made, measured in the
same process at the same moment.
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


class SharedIndex:
    """A SearchIndex shared by the server's worker threads."""

    def __init__(self, index: SearchIndex) -> None:
        self._index = index
        self._lock = threading.Lock()

    def call(self, work: Callable[[SearchIndex], T]) -> T:
        """Runs ``work(index)`` while no other thread uses the index."""
        asked = time.perf_counter()
        with self._lock:
            started = time.perf_counter()
            try:
                return work(self._index)
            finally:
                _TIMING.set((started - asked, time.perf_counter() - started))

    @staticmethod
    def server_timing() -> dict[str, str]:
        """This request's last call as a Server-Timing header (none before a call)."""
        timing = _TIMING.get()
        if timing is None:
            return {}
        waited, worked = timing
        return {"Server-Timing": f'wait;dur={waited * 1000:.2f};desc="index lock", index;dur={worked * 1000:.2f}'}

"""One open index for every request, one library call at a time.

Whoosh 2.7's segment readers ``seek`` and then ``read`` one shared file
object, so two threads searching the same searcher at once read from each
other's positions: eight threads on one SearchIndex, unlocked, raised zlib,
unpickling and TermNotFound errors and returned wrong hits within a second
(see the web section of BENCHMARKS.md). The lock costs no throughput that
threads could have had: searching is pure Python, and the GIL runs one
thread at a time anyway. Templates render outside the lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from ..search import SearchIndex

T = TypeVar("T")


class SharedIndex:
    """A SearchIndex shared by the server's worker threads."""

    def __init__(self, index: SearchIndex) -> None:
        self._index = index
        self._lock = threading.Lock()

    def call(self, work: Callable[[SearchIndex], T]) -> T:
        """Runs ``work(index)`` while no other thread uses the index."""
        with self._lock:
            return work(self._index)

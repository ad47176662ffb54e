"""Fixes to Whoosh 2.7.4 (frozen since 2016), applied when searchkit loads.

Each fix replaces one small private method with a behaviour-preserving
version; tests/test_whoosh_fixes.py checks the behaviour stays the same.
``apply`` also gives the segment reader searchkit.postings' fast-path
attributes (None on segments of other codecs).
"""

from __future__ import annotations

import functools
from typing import Any

from whoosh.codec import whoosh3


def _cached_reader(self: Any, fieldname: str, column: Any) -> Any:
    # Whoosh caches a field's length-column reader but not its absence, so
    # for a field without lengths (keywords, ids, our spelling words) every
    # posting written or scored asks the filesystem again whether the column
    # file exists: a stat per posting, about a third of the time a segment
    # flush spends writing postings. A segment's files never change, so the
    # absence is cached too.
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
        return reader


class _FastPath:
    """A segment reader attribute: searchkit.postings' fast path on segments
    the searchkit codec wrote, None on any other. Imports postings (and so
    numpy) only when first used, so that starting a command does not."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, leaf: Any, owner: Any = None) -> Any:
        if leaf is None:
            return self
        if not getattr(type(getattr(leaf, "_codec", None)), "searchkit_codec", False):
            return None
        from . import postings

        return functools.partial(getattr(postings, self.name), leaf)


def apply() -> None:
    from whoosh.reading import SegmentReader

    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    # The searchkit codec's whole-array reads, as reader attributes.
    for name in ("searchkit_term_postings", "searchkit_term_positions", "searchkit_term_chars"):
        setattr(SegmentReader, name, _FastPath(name))

"""Fixes to Whoosh 2.7.4 (frozen since 2016), applied when searchkit loads.

Each fix replaces one small private method with a behaviour-preserving
version; tests/test_whoosh_fixes.py checks the behaviour stays the same.
``apply`` also gives the segment reader searchkit.postings' fast-path
attributes (None on segments of other codecs).
"""

from __future__ import annotations

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


def apply() -> None:
    from whoosh.reading import SegmentReader

    from . import postings  # here, not at the top: postings imports the codec

    whoosh3.W3PerDocReader._cached_reader = _cached_reader
    # The searchkit codec's whole-array reads, as reader attributes.
    postings.install(SegmentReader)

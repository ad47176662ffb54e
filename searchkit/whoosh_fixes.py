"""Fixes to Whoosh 2.7.4 (frozen since 2016), applied when searchkit loads.

Each fix replaces one small private method with a behaviour-preserving
version; tests/test_whoosh_fixes.py checks the behaviour stays the same.
``apply`` also gives the segment reader searchkit.postings' fast-path
attributes (None on segments of other codecs).
"""

from __future__ import annotations

import functools
import itertools
import struct
from array import array
from typing import Any

from whoosh import columns
from whoosh.codec import whoosh3

# Whoosh's own method, kept for tests/test_whoosh_fixes.py to compare with.
WHOOSH_VAR_BYTES_OFFSETS = columns.VarBytesColumn.Reader._read_offsets_and_lengths


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


def _var_bytes_offsets_and_lengths(self: Any) -> None:
    # Whoosh's own, but for the offsets of a column that did not store
    # them: Whoosh derives them from the lengths in a Python loop, an append
    # per document (~1 ms for each segment of 10,000 articles), paid for the
    # id column and each stored-fields column a command opens. The same
    # offsets (``array("L")``, each the sum of the lengths before it) by one
    # running sum at C speed.
    dbfile = self._dbfile
    lastbyte = self._basepos + self._length - 1
    doccount = self._doccount
    lens_code = chr(dbfile.get_byte(lastbyte))
    offsets = None
    if lens_code == "X":
        self.had_stored_offsets = True
        lens_code = chr(dbfile.get_byte(lastbyte - 2))
        offsets_code = chr(dbfile.get_byte(lastbyte - 1))
        offsetstart = (lastbyte - 2) - doccount * struct.calcsize(offsets_code)
        offsets = dbfile.get_array(offsetstart, offsets_code, doccount)
        lastbyte = offsetstart
    lenstart = lastbyte - struct.calcsize(lens_code) * doccount
    lengths = dbfile.get_array(lenstart, lens_code, doccount)
    if offsets is None:
        offsets = array("L", itertools.accumulate(lengths, initial=0))
        del offsets[-1]  # the end of the last value, which Whoosh does not keep
    self._offsets = offsets
    self._lengths = lengths


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
    columns.VarBytesColumn.Reader._read_offsets_and_lengths = _var_bytes_offsets_and_lengths
    # The searchkit codec's whole-array reads, as reader attributes.
    for name in ("searchkit_term_postings", "searchkit_term_positions", "searchkit_term_chars"):
        setattr(SegmentReader, name, _FastPath(name))

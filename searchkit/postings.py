"""A term's postings in one segment as whole numpy arrays.

This is the seam between the storage engine and the vectorized query
evaluator: the evaluator asks for arrays and never walks Whoosh matchers
itself. The functions here read any Whoosh segment through its matcher
(correct, but one Python step per posting); for a segment the searchkit
codec wrote they decode its typed-array blocks with ``numpy.frombuffer``
instead (:func:`searchkit.codec.read_postings`), reached through the reader
attributes ``searchkit_term_postings``/``_positions``/``_chars`` that
``whoosh_fixes.apply`` gives Whoosh's segment reader (None on other
segments), and
``generic_*`` keeps the matcher path callable on its own.

Contract (both paths must give identical answers, proven by a test):

- ``term_postings(leaf, field, text)``: segment-local document numbers
  (``int32``, strictly ascending, deleted documents *included*: callers mask
  deletions) and weights (``float32``, the term frequency Whoosh would
  score, boosts included), or two empty arrays when the term is absent.
- ``term_positions(leaf, field, text, docs)``: for each document number in
  ``docs`` (ascending, a subset of the term's postings), the term's word
  positions as an ``int32`` array, in the same order as ``docs``.
- ``term_chars(leaf, field, text, docs)``: likewise, ``(start, end)``
  character offsets as an ``int32`` array of shape ``(n, 2)``.

``text`` is the term as Whoosh stores it (``str`` for text fields).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from whoosh.reading import TermNotFound

from . import codec

_EMPTY_IDS = np.zeros(0, dtype=np.int32)
_EMPTY_WEIGHTS = np.zeros(0, dtype=np.float32)


def searchkit_term_postings(leaf: Any, fieldname: str, text: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """The fast path, as whoosh_fixes gives it to segment readers of the codec."""
    return _fast_postings(leaf, fieldname, text)


def searchkit_term_positions(leaf: Any, fieldname: str, text: Any, docs: np.ndarray) -> list[np.ndarray] | None:
    return _fast_values(leaf, fieldname, text, docs, "positions")


def searchkit_term_chars(leaf: Any, fieldname: str, text: Any, docs: np.ndarray) -> list[np.ndarray] | None:
    return _fast_values(leaf, fieldname, text, docs, "chars")


def _fast_terminfo(leaf: Any, fieldname: str, text: Any) -> Any | None:
    """The term's info in a segment the searchkit codec wrote, ``False``
    when the term is absent, None when its postings are not in blocks."""
    try:
        terminfo = leaf.term_info(fieldname, text)
    except TermNotFound:
        return False
    return None if terminfo.is_inlined() else terminfo


def _fast_postings(leaf: Any, fieldname: str, text: Any) -> tuple[np.ndarray, np.ndarray] | None:
    terminfo = _fast_terminfo(leaf, fieldname, text)
    if terminfo is None:
        return None
    if terminfo is False:
        return _EMPTY_IDS, _EMPTY_WEIGHTS
    return codec.read_postings(leaf._terms._postfile, terminfo)


def _fast_values(leaf: Any, fieldname: str, text: Any, docs: np.ndarray, what: str) -> list[np.ndarray] | None:
    terminfo = _fast_terminfo(leaf, fieldname, text)
    if terminfo is None:
        return None
    fmt = leaf.schema[fieldname].format
    kind = codec.value_kind(fmt)
    wanted = (codec.V_CHARS,) if what == "chars" else (codec.V_POSITIONS, codec.V_CHARS)
    if kind not in wanted:
        return None  # the generic path raises what Whoosh raises for a format without them
    if terminfo is False:
        empty = np.zeros(0, dtype=np.int32) if what == "positions" else np.zeros((0, 2), dtype=np.int32)
        return [empty for _ in docs]
    return codec.read_values(leaf._terms._postfile, terminfo, fmt, docs, what)


def _matcher(leaf: Any, fieldname: str, text: Any) -> Any | None:
    if (fieldname, text) not in leaf:
        return None
    return leaf.postings(fieldname, text)


def term_postings(leaf: Any, fieldname: str, text: Any) -> tuple[np.ndarray, np.ndarray]:
    fast = getattr(leaf, "searchkit_term_postings", None)
    found = fast(fieldname, text) if fast is not None else None
    return found if found is not None else generic_term_postings(leaf, fieldname, text)


def generic_term_postings(leaf: Any, fieldname: str, text: Any) -> tuple[np.ndarray, np.ndarray]:
    """:func:`term_postings` through Whoosh's matcher, for a segment of any codec."""
    m = _matcher(leaf, fieldname, text)
    if m is None:
        return _EMPTY_IDS, _EMPTY_WEIGHTS
    ids: list[int] = []
    weights: list[float] = []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return np.asarray(ids, dtype=np.int32), np.asarray(weights, dtype=np.float32)


def _values(leaf: Any, fieldname: str, text: Any, docs: np.ndarray, kind: str) -> list[Any]:
    m = _matcher(leaf, fieldname, text)
    out: list[Any] = []
    if m is None:
        return [np.zeros(0, dtype=np.int32) for _ in docs]
    for doc in docs.tolist():
        if m.is_active() and m.id() < doc:
            m.skip_to(doc)
        if m.is_active() and m.id() == doc:
            out.append(m.value_as(kind))
        else:
            out.append(None)
    return out


def term_positions(leaf: Any, fieldname: str, text: Any, docs: np.ndarray) -> list[np.ndarray]:
    fast = getattr(leaf, "searchkit_term_positions", None)
    found = fast(fieldname, text, docs) if fast is not None else None
    return found if found is not None else generic_term_positions(leaf, fieldname, text, docs)


def generic_term_positions(leaf: Any, fieldname: str, text: Any, docs: np.ndarray) -> list[np.ndarray]:
    return [
        np.asarray(v if v is not None else (), dtype=np.int32)
        for v in _values(leaf, fieldname, text, docs, "positions")
    ]


def term_chars(leaf: Any, fieldname: str, text: Any, docs: np.ndarray) -> list[np.ndarray]:
    fast = getattr(leaf, "searchkit_term_chars", None)
    found = fast(fieldname, text, docs) if fast is not None else None
    return found if found is not None else generic_term_chars(leaf, fieldname, text, docs)


def generic_term_chars(leaf: Any, fieldname: str, text: Any, docs: np.ndarray) -> list[np.ndarray]:
    out = []
    for v in _values(leaf, fieldname, text, docs, "characters"):
        # Whoosh gives (position, start, end) triples for a Characters format.
        arr = np.asarray(v if v is not None else (), dtype=np.int32).reshape(-1, 3)
        out.append(np.ascontiguousarray(arr[:, 1:]))
    return out

"""What the analyst's operators need recorded at index time, per article.

* ``boundaries``: where the body's sentences and paragraphs start, as body
  token positions (the positions the postings hold: the body counts its own
  tokens from 0, possessives dropped). ``/s``, ``/p`` and ``lead:`` map a
  match's position to its sentence or paragraph with one ``searchsorted``;
  the positions themselves are untouched, so phrases are unaffected.
* ``exact``: the case-preserving forms (NFKC) of the tokens that hold a
  capital letter, once each, for ``=WORD`` (``=START`` is the treaty,
  ``=Turkey`` the country). 6.6% of the 19k Reuters index; keeping only
  words with two or more capitals would cost 2.9% and lose ``=Turkey``
  (BENCHMARKS.md).

Paragraphs are what the readers make them: separated by blank lines
(``articles.py`` joins them with "\\n\\n"). Sentences come from
:func:`sentence_starts`, the one sentence splitter of the operators.
"""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING

from .analysis import FAST, POSSESSIVE_TERM, Cut, Numbered, normalize
from .lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
else:
    # numpy loads with the first article cut: an index run that finds no
    # change (it imports this module through the indexer) never pays it.
    np = lazy_module("numpy", keep=True)  # np.* is read a dozen times an article

# Words that end in a full stop without ending a sentence ("Dr. Arbatov",
# "Gen. Smith", "Nov. 11", "No. 2"). Dotted acronyms ("U.S.", "U.N.") and
# single initials ("J. Smith") are recognised by their shape instead.
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof gen lt col maj capt cpt sgt cpl pvt adm cmdr cdr brig gov sen rep rev hon amb
    st jr sr inc corp co ltd bros no nos vs etc al approx dept est fig ft mt
    jan feb mar apr jun jul aug sep sept oct nov dec
    """.split()
)
_OPENERS = "\"'“‘([-—"
# A sentence may end at . ! or ?, with closing quotes or brackets, before
# whitespace; a paragraph break always ends one. The stops are spelt
# "[.!?][.!?]*", not "[.!?]+" (the same matches): a pattern that opens
# with a character set lets the regex engine skip to the next stop in C,
# where a repeat makes it try a match at every character (9 against 4 µs
# a Reuters story). The lookahead reads, without consuming it (so the
# matches stay the same), the character after any opening marks: the one
# whose case decides.
_CANDIDATE = re.compile(r"[.!?][.!?]*[\"'”’)\]]*\s+(?=[" + "".join(map(re.escape, _OPENERS)) + r"]*(.?))", re.DOTALL)
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
# Capital letters a word needs for its exact form to be kept (see above).
EXACT_CAPITALS = 1
_TO_LAST_SPACE = re.compile(r".*\s", re.DOTALL)
# The last whitespace followed by a non-space (scan_origin), looked for in
# the characters before a position: far enough back to pass most words.
_TO_ORIGIN = re.compile(r".*\s(?=\S)", re.DOTALL)
_ORIGIN_REACH = 64


def _abbreviation(text: str, stop: int) -> bool:
    """Whether the full stop at ``text[stop]`` ends an abbreviation."""
    # The word ending at the stop: what follows the last whitespace of the
    # 40 characters before it (one greedy match backing off from the stop;
    # a search for r"\S+\Z" tried every start and cost three times as much).
    lo = max(0, stop - 40)
    space = _TO_LAST_SPACE.match(text, lo, stop + 1)
    word = text[space.end() if space is not None else lo : stop + 1]
    if not word:
        return False
    word = word.rstrip(".").lstrip(_OPENERS)
    if not word:
        return False
    if "." in word:  # U.S., U.N., a.m.
        return True
    if len(word) == 1 and word.isalpha():  # an initial
        return True
    return word.lower() in ABBREVIATIONS


def paragraph_starts(text: str, until: int | None = None, after: int = 0) -> list[int]:
    """Character offsets where the second and later paragraphs begin (with
    ``until``, those up to the first one after it; with ``after``, those
    after it: see sentence_starts)."""
    found = []
    for m in _PARAGRAPH.finditer(text, after):
        if m.end() < len(text):
            found.append(m.end())
            if until is not None and m.end() > until:
                break
    return found


def scan_origin(text: str, at: int, floor: int = 0) -> int:
    """A position at or before ``at`` (and not before ``floor``, itself 0 or
    a sentence start) from which sentence_starts' ``after`` may scan: one
    that follows whitespace and holds none, else ``floor``.

    Why such a position is safe: every match of the two patterns the
    splitter scans for (a stop, closing marks, whitespace; a paragraph
    break) ends in whitespace, so none can cover both the whitespace
    before the origin and the non-space at it. A match that begins before
    the origin therefore ends at or before it, and a scan begun there finds
    the same matches after it as the scan of the whole text; whether a
    match starts a sentence reads only the text around it. The starts
    after the origin are the same, and every start is such a position.
    """
    lo = max(floor, at - _ORIGIN_REACH)
    m = _TO_ORIGIN.match(text, lo, at + 1)
    return m.end() if m is not None else floor


def sentence_starts(text: str, until: int | None = None, after: int = 0) -> list[int]:
    """Character offsets where the second and later sentences begin.

    A sentence ends at ., ! or ? (then any closing quotes or brackets) and
    whitespace, when what follows does not start in lower case and the full
    stop does not end an abbreviation, an initial or a dotted acronym ("the
    U.S. Senate"); and at every paragraph break.

    With ``until``, the text is scanned only as far as needed for the
    starts up to ``until`` and the first one after it: exactly that prefix
    of the whole list (a snippet never shows what follows its last match).

    With ``after`` (0, or a position from :func:`scan_origin`), the text
    is scanned from there: exactly the whole list's starts after ``after``
    (with ``until``, up to the first one after ``until``).
    """
    size = len(text)
    paras = paragraph_starts(text, until, after)
    breaks = set(paras)
    found = []  # ascending: each match ends after the one before
    for m in _CANDIDATE.finditer(text, after):
        nxt = m.end()
        if nxt >= size:
            break
        # A stop before a paragraph break needs no test (the break starts a
        # sentence there anyway): most of a news story's last stops.
        if nxt not in breaks:
            if not _opens_sentence(text, m):
                continue
            found.append(nxt)
        if until is not None and nxt > until:
            break
    if paras:
        found = sorted(breaks.union(found))
    if until is not None:
        beyond = bisect.bisect_right(found, until)
        found = found[: beyond + 1]
    return found


def _opens_sentence(text: str, m: re.Match[str]) -> bool:
    """Whether the candidate ``m`` (a stop, closing marks, whitespace; not at
    the text's end) ends a sentence: what follows is not in lower case and
    a full stop does not end an abbreviation."""
    if m.group(1).islower():
        return False
    begin = m.start()
    return text[begin] != "." or not _abbreviation(text, begin)  # the candidate opens with a full stop


def sentence_around(text: str, point: int, floor: int = 0) -> tuple[int, int]:
    """The sentence holding ``point`` as (start, next start): the last start
    of ``sentence_starts(text)`` at or before ``point`` (``floor`` if none
    is after ``floor``) and the first after it (``len(text)`` if none).
    ``floor``: 0 or a sentence start at or before ``point``.

    Only the text near the point is read: from an origin (scan_origin) a
    little before it to the next start, moving the origin back while no
    start lies between it and the point. Paragraph breaks are found first;
    the candidate stops are then tested from the point outwards, the one
    nearest each side first, and only those nearer than the breaks (a
    stop's test reads only the text around it).
    """
    origin = scan_origin(text, point - _LOOK_BACK, floor)
    start, end = _starts_near(text, origin, point)
    reach = _LOOK_BACK
    while start is None and origin > floor:
        # Nothing starts between the origin and the point: the last start
        # before the origin, from an origin further back.
        reach *= 4
        earlier = scan_origin(text, origin - reach, floor)
        start, _ = _starts_near(text, earlier, origin)
        origin = earlier
    return (floor if start is None else start), end


def _starts_near(text: str, origin: int, point: int) -> tuple[int | None, int]:
    """The last sentence start in (origin, point] (None if none) and the
    first after ``point`` (``len(text)`` if none); ``origin`` as for
    sentence_starts' ``after``."""
    size = len(text)
    last = None
    following = size
    for m in _PARAGRAPH.finditer(text, origin):
        at = m.end()
        if at >= size:
            break
        if at > point:
            following = at
            break
        last = at
    before = []  # candidates ending in (last, point], tested from the last back
    for m in _CANDIDATE.finditer(text, origin):
        at = m.end()
        if at <= point:
            if last is None or at > last:
                before.append(m)
            continue
        if at >= following:
            break
        if _opens_sentence(text, m):
            following = at
            break
    for m in reversed(before):
        if _opens_sentence(text, m):
            return m.end(), following
    return last, following


# How far before a point its sentence's start is first looked for (most
# Reuters sentences are shorter; a longer one costs another scan).
_LOOK_BACK = 200


def token_starts(text: str, cut: Cut | None = None) -> np.ndarray:
    """The start character of each of ``text``'s tokens at its position
    (the bulk writer's cut: possessives are cut and then dropped).
    ``cut``: ``FAST.cut(text)`` if the caller has it (its piece lengths are
    the split's, as an array, and it marks the possessives)."""
    if cut is not None:
        terms, index, plens, possessives = cut
        if len(plens) < 2:
            return np.zeros(0, dtype=np.int64)
        lens = np.frombuffer(plens, dtype=np.int32).astype(np.int64)
        ends = np.cumsum(lens)
        starts = (ends - lens)[1::2]
        if not possessives:
            return starts
        listed = terms.terms() if isinstance(terms, Numbered) else terms
        kept = np.fromiter((t != POSSESSIVE_TERM for t in listed), dtype=np.bool_, count=len(listed))
        return starts[kept[np.frombuffer(index, dtype=np.int32)]]
    parts = FAST.split(text)
    if len(parts) < 2:
        return np.zeros(0, dtype=np.int64)
    lens = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    ends = np.cumsum(lens)
    starts = (ends - lens)[1::2]
    if "'" not in text and "’" not in text:
        return starts  # no possessive to drop (the common case: no per-token step)
    toks = parts[1::2]
    # A possessive is the only token starting with an apostrophe (analysis.py).
    keep = np.fromiter((t[0] not in "'’" for t in toks), dtype=bool, count=len(toks))
    return starts[keep]


def positions_of(text: str, offsets: list[int], starts: np.ndarray | None = None) -> list[int]:
    """Token positions where the pieces starting at ``offsets`` begin:
    the number of tokens before each, without 0 and without repeats
    (``starts``: ``token_starts(text)`` if the caller has it)."""
    if starts is None:
        starts = token_starts(text)
    if not offsets or not len(starts):
        return []
    at = np.unique(np.searchsorted(starts, np.asarray(offsets, dtype=np.int64), side="left"))
    return [int(p) for p in at if 0 < p < len(starts)]


def encode(sentences: list[int], paragraphs: list[int]) -> bytes:
    """Packed as: width byte (2 or 4), sentence count, then both lists."""
    values = [len(sentences), *sentences, *paragraphs]
    width = 2 if max(values) < 2**16 else 4
    return bytes([width]) + np.asarray(values, dtype="<u2" if width == 2 else "<u4").tobytes()


def decode(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(sentence starts, paragraph starts) from :func:`encode`'s bytes."""
    if not data:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    values = np.frombuffer(data, dtype="<u2" if data[0] == 2 else "<u4", offset=1).astype(np.int64)
    n = int(values[0])
    return values[1 : 1 + n], values[1 + n :]


def boundaries(body: str, cut: Cut | None = None) -> bytes:
    """The body's sentence and paragraph starts as token positions, packed
    (``cut``: the body's ``FAST.cut``, if the caller has it)."""
    paras = paragraph_starts(body)
    starts = token_starts(body, cut)  # once for both lists: the largest cost of an article here
    return encode(positions_of(body, sentence_starts(body), starts), positions_of(body, paras, starts))


def capitals(word: str) -> int:
    return sum(map(str.isupper, word))


def exact_forms(*texts: str) -> str:
    """The texts' tokens with at least EXACT_CAPITALS capital letters, as
    written (NFKC), once each, space-separated (the ``exact`` field)."""
    toks: set[str] = set()
    for text in texts:
        toks.update(FAST.split(text)[1::2])  # distinct first: the tests below run once a token
    found = [t for t in toks if not t.islower() and t[0] not in "'’"]
    return " ".join(sorted(f for f in map(normalize, found) if capitals(f) >= EXACT_CAPITALS))


def index_fields(headline: str, body: str, body_cut: Cut | None = None) -> dict[str, object]:
    """The fields the operators read, for the writer's document
    (``body_cut``: the body's ``FAST.cut``, if the caller has it)."""
    return {"bounds": boundaries(body, body_cut), "exact": exact_forms(headline, body)}

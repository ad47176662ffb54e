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
# A sentence may end at . ! or ?, with closing quotes or brackets, before
# whitespace; a paragraph break always ends one.
_CANDIDATE = re.compile(r"[.!?]+[\"'”’)\]]*\s+")
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
# Capital letters a word needs for its exact form to be kept (see above).
EXACT_CAPITALS = 1
_OPENERS = "\"'“‘([-—"
_TO_LAST_SPACE = re.compile(r".*\s", re.DOTALL)


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


def paragraph_starts(text: str, until: int | None = None) -> list[int]:
    """Character offsets where the second and later paragraphs begin (with
    ``until``, those up to the first one after it: see sentence_starts)."""
    found = []
    for m in _PARAGRAPH.finditer(text):
        if m.end() < len(text):
            found.append(m.end())
            if until is not None and m.end() > until:
                break
    return found


def sentence_starts(text: str, until: int | None = None) -> list[int]:
    """Character offsets where the second and later sentences begin.

    A sentence ends at ., ! or ? (then any closing quotes or brackets) and
    whitespace, when what follows does not start in lower case and the full
    stop does not end an abbreviation, an initial or a dotted acronym ("the
    U.S. Senate"); and at every paragraph break.

    With ``until``, the text is scanned only as far as needed for the
    starts up to ``until`` and the first one after it: exactly that prefix
    of the whole list (a snippet never shows what follows its last match).
    """
    starts = set(paragraph_starts(text, until))
    size = len(text)
    for m in _CANDIDATE.finditer(text):
        nxt = m.end()
        if nxt >= size:
            break
        at = nxt
        while at < size and text[at] in _OPENERS:
            at += 1
        if at < size and text[at].islower():
            continue
        begin = m.start()
        if text[begin] == "." and _abbreviation(text, begin):  # the candidate opens with a full stop
            continue
        starts.add(nxt)
        if until is not None and nxt > until:
            break
    found = sorted(starts)
    if until is not None:
        beyond = bisect.bisect_right(found, until)
        found = found[: beyond + 1]
    return found


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

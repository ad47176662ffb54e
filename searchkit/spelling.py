"""Did-you-mean from the index's own unstemmed vocabulary.

Whoosh's corrector works on stemmed terms ("missil") and ranks candidates
poorly; searchkit keeps an unstemmed ``words`` field and ranks candidates
by edit distance, then by how often the index uses them. Real articles
carry typos too (the seed says "North Koran"), so a word seen only once is
treated as a possible misspelling and is never offered as a correction.
"""

from __future__ import annotations

import re

from whoosh.reading import IndexReader

from .analysis import word_analyzer
from .query import OPERATORS

FIELD = "words"
# A candidate must be used by at least this many articles, and by this many
# times more articles than the word it replaces.
MIN_CANDIDATE_FREQ = 2
DOMINANCE = 3
_WORD_RE = re.compile(r"(?<![\w:])([^\W\d_][\w'’]*)(?![\w:])")


_WORDS = word_analyzer()


def vocabulary(text: str) -> str:
    """The distinct words of ``text`` as the query side reads them
    (:func:`word_analyzer`), for the ``words`` field (a space-separated
    keyword list). Numbers, single letters and "u.s." are left out: they are
    never worth correcting, and "2013" must not become a suggestion for "2031".
    """
    return " ".join({w for w in (t.text for t in _WORDS(text)) if w.isalpha() and len(w) > 1})


def _frequency(reader: IndexReader, word: str) -> int:
    return reader.doc_frequency(FIELD, word) if (FIELD, word) in reader else 0


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment distance (a swap of neighbours costs 1)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def correct_word(reader: IndexReader, word: str) -> str | None:
    """A better-attested spelling of ``word``, or None."""
    own = _frequency(reader, word)
    if own >= MIN_CANDIDATE_FREQ or len(word) < 4:
        return None
    maxdist = 1 if len(word) <= 5 else 2
    best: tuple[int, float, str] | None = None
    for candidate in reader.terms_within(FIELD, word, maxdist, prefix=1):
        if candidate == word:
            continue
        freq = reader.doc_frequency(FIELD, candidate)
        if freq < max(MIN_CANDIDATE_FREQ, DOMINANCE * own):
            continue
        key = (edit_distance(word, candidate, maxdist), -freq, candidate)
        if best is None or key < best:
            best = key
    return best[2] if best else None


def suggest(reader: IndexReader, text: str) -> str | None:
    """The query text with misspelt words replaced, or None if none are."""
    analyzer = _WORDS
    changed = False
    pieces: list[str] = []
    last = 0
    for m in _WORD_RE.finditer(text):
        raw = m.group(1)
        if raw in OPERATORS:
            continue
        tokens = [t.text for t in analyzer(raw)]
        if len(tokens) != 1:
            continue
        fixed = correct_word(reader, tokens[0])
        if fixed:
            pieces += [text[last : m.start(1)], fixed]
            last = m.end(1)
            changed = True
    if not changed:
        return None
    pieces.append(text[last:])
    return "".join(pieces)

"""Did-you-mean from the index's own unstemmed vocabulary.

Whoosh's corrector works on stemmed terms ("missil") and ranks candidates
poorly; searchkit keeps an unstemmed ``words`` field and ranks candidates
by edit distance, then by how often the index uses them.

What counts is relative frequency (``required``): a word the index never
uses takes any attested spelling; a word used by a few articles (fewer
than OFTEN) is replaced by a spelling used by DOMINANCE times as many; a
word used by more (up to SUGGEST_BELOW hits) only by one a single edit
away used by STRONG_DOMINANCE times as many, so that its own hits are few
against the candidate's. Real articles repeat typos ("missle" is in five Reuters
stories, "seperately" in three, "North Koran" in the seed), so an absolute
minimum count would leave them uncorrected, while a real word used by a
handful of articles ("string" beside "strong") is ruled out only by its
count. benchmarks/spelling_eval.py measures both sides: right corrections
of real misspellings, and suggestions made for correctly spelt words. The
caller (the search) only offers a suggestion that finds more than the
query did.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from whoosh.reading import IndexReader

from .analysis import word_analyzer
from .gazetteer import source_key
from .query import OPERATORS
from .schema import as_text

FIELD = "words"
# Below this many hits a query "finds little", and the search (executor.py)
# tries did-you-mean: a word with more is one the archive really uses.
SUGGEST_BELOW = 10
# A correction must be used by this many times more articles than the word
# it replaces ("clearly more frequent")...
DOMINANCE = 3
# ...and by STRONG_DOMINANCE times more, one edit away, when the word itself
# is used by OFTEN articles or more: a typo repeated by several stories is
# nearly always one slip ("missle", "occured"), while two edits from a rare
# real word reach common ones ("balloon" -> "billion").
OFTEN = 3
STRONG_DOMINANCE = 10
# Shorter words have too many neighbours at distance 1 to guess from; a
# three-letter word is corrected only when the index never uses it ("teh").
MIN_LENGTH = 4
MIN_LENGTH_UNSEEN = 3
# A word, not after a field name ("source:") and not part of a wildcard or
# fuzzy term ("telemet*", "missle~"): those are asked for as typed.
_WORD_RE = re.compile(r"(?<![\w:*?])([^\W\d_][\w'’]*)(?![\w:*?~])")
# A source:value in the query, quoted or one word.
_SOURCE_RE = re.compile(r'(?<![\w])source:(?:"([^"]+)"|([\w.\'-]+))', re.IGNORECASE)


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


def required(own: int) -> int:
    """The articles a correction must be used by, for a word used by ``own``."""
    if own == 0:
        return 1
    return own * (DOMINANCE if own < OFTEN else STRONG_DOMINANCE)


def one_edit(a: str, b: str, transpositions: bool) -> bool:
    """Whether ``a`` and ``b`` are at most one edit apart: Levenshtein, or
    with ``transpositions`` also a swap of neighbours (the distances the
    engine's ``words_within`` measures, for k=1)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if la == lb:
        i = 0
        while a[i] == b[i]:
            i += 1
        if a[i + 1 :] == b[i + 1 :]:
            return True
        return transpositions and i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]
    if la > lb:
        a, b, la, lb = b, a, lb, la
    if lb - la != 1:
        return False
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


class FrequentWords:
    """The ``words`` field's words that FLOOR or more articles use, by first
    letter and length, most used first (built once per searcher).

    A word the archive already uses OFTEN times or more is corrected only
    by one at least ``required(OFTEN)`` (FLOOR) articles use, one edit away
    with the same first letter: those few words can be checked one by one
    (a few µs) where the engine's ``words_within`` compares the whole
    dictionary's slice for that letter (tens of µs of array steps a word,
    most of a did-you-mean check that finds nothing). ``near`` gives the
    candidates the engine would give (same frequencies, same distance), or
    None when more than MAX_CHECKS would need checking.
    """

    FLOOR = OFTEN * STRONG_DOMINANCE
    MAX_CHECKS = 96

    def __init__(self, frequencies: dict[str, int]) -> None:
        buckets: dict[tuple[str, int], list[tuple[int, str]]] = {}
        for word, n in frequencies.items():
            if n >= self.FLOOR and word:
                buckets.setdefault((word[0], len(word)), []).append((-n, word))
        self._buckets = {key: [(-m, w) for m, w in sorted(rows)] for key, rows in buckets.items()}

    def near(self, word: str, min_frequency: int, transpositions: bool) -> list[str] | None:
        """The words within one edit of ``word`` (same first letter) that
        ``min_frequency`` or more articles use; None beyond MAX_CHECKS."""
        if min_frequency < self.FLOOR or not word:
            return None
        rows = [self._buckets.get((word[0], n), ()) for n in (len(word) - 1, len(word), len(word) + 1)]
        checks = 0
        found: list[str] = []
        for bucket in rows:
            for n, candidate in bucket:
                if n < min_frequency:
                    break
                checks += 1
                if checks > self.MAX_CHECKS:
                    return None
                if one_edit(word, candidate, transpositions):
                    found.append(candidate)
        return found


def frequent_words(arrays: Any) -> FrequentWords | None:
    """The searcher's FrequentWords (built on first use), or None when the
    engine cannot read the field's dictionary in bulk."""

    def build(arrays: Any) -> FrequentWords | None:
        freqs = arrays.frequencies(FIELD)
        return None if freqs is None else FrequentWords(freqs)

    found: FrequentWords | None = arrays.derived("spelling:frequent-words", build)
    return found


def correct_word(reader: IndexReader, word: str, frequent: FrequentWords | None = None) -> str | None:
    """A clearly more frequent spelling of ``word`` within edit distance, or None.

    The nearest candidate wins, the more frequent of equally near ones.
    ``frequent`` (the searcher's FrequentWords) finds the candidates of a
    word the archive uses often without the engine's dictionary scan."""
    if len(word) < MIN_LENGTH_UNSEEN:
        return None
    own = _frequency(reader, word)
    if len(word) < MIN_LENGTH and own:
        return None
    maxdist = 1 if len(word) <= 5 or own >= OFTEN else 2
    best: tuple[int, int, str] | None = None
    found = (
        frequent.near(word, required(own), not reader.is_atomic())
        if frequent is not None and maxdist == 1
        else None
    )
    if found is None:
        # The engine's reader can leave out the words too rare to be taken.
        within = getattr(reader, "frequent_terms_within", None)
        found = (
            within(FIELD, word, maxdist, 1, required(own))
            if within is not None
            else reader.terms_within(FIELD, word, maxdist, prefix=1)
        )
    for candidate in found:
        if candidate == word:
            continue
        freq = reader.doc_frequency(FIELD, candidate)
        if freq < required(own):
            continue
        key = (edit_distance(word, candidate, maxdist), -freq, candidate)
        if best is None or key < best:
            best = key
    return best[2] if best else None


# Words too common in agency names to say that two names are alike.
_GENERIC = frozenset("agency news press service the of and radio tv television daily times post".split())


def _likeness(wanted: str, known: str) -> float:
    # difflib only here (source names alike): not on every search's start-up.
    import difflib

    whole = difflib.SequenceMatcher(None, wanted, known).ratio()
    words = [
        difflib.SequenceMatcher(None, w, k).ratio()
        for w in wanted.split()
        for k in known.split()
        if w not in _GENERIC and k not in _GENERIC and min(len(w), len(k)) >= 3
    ]
    return max([whole, *(r for r in words if r >= 0.75)])


def near_names(name: str, known: Iterable[str], limit: int = 3) -> list[str]:
    """The ``known`` names nearest to ``name`` (case-insensitive): close in
    spelling as a whole, or one distinctive word close to one of theirs
    ("Xinhau News" -> "Xinhua"; a shared "News" does not count)."""
    wanted = " ".join(name.casefold().split())
    scored = sorted((-_likeness(wanted, k.casefold()), k) for k in set(known))
    return [k for score, k in scored if -score >= 0.6][:limit]


def _source_fix(reader: IndexReader, value: str) -> str | None:
    known = {as_text(t) for t in reader.lexicon("sources")} if "sources" in reader.schema else set()
    if not known or source_key(value) in known:
        return None
    near = near_names(value, known, limit=1)
    return near[0] if near else None


def _fix_sources(reader: IndexReader, text: str) -> tuple[str, bool]:
    changed = False

    def fix(m: re.Match[str]) -> str:
        nonlocal changed
        fixed = _source_fix(reader, m.group(1) or m.group(2))
        if fixed is None:
            return m.group(0)
        changed = True
        return f'source:"{fixed}"' if " " in fixed else f"source:{fixed}"

    return _SOURCE_RE.sub(fix, text), changed


def _cased_like(raw: str, fixed: str) -> str:
    if raw.isupper() and len(raw) > 1:
        return fixed.upper()
    return fixed[:1].upper() + fixed[1:] if raw[:1].isupper() else fixed


def suggest(reader: IndexReader, text: str, frequent: FrequentWords | None = None) -> str | None:
    """The query text with misspelt words and source names replaced, or
    None if nothing is (``frequent``: see correct_word)."""
    analyzer = _WORDS
    text, changed = _fix_sources(reader, text)
    pieces: list[str] = []
    last = 0
    for m in _WORD_RE.finditer(text):
        raw = m.group(1)
        if raw in OPERATORS or _in_source(text, m.start(1)):
            continue
        # An ASCII word of letters is one token, lowercased (the analyzer's
        # other steps change only other characters); the rest go through it.
        tokens = [raw.lower()] if raw.isascii() and raw.isalpha() else [t.text for t in analyzer(raw)]
        if len(tokens) != 1:
            continue
        fixed = correct_word(reader, tokens[0], frequent)
        if fixed:
            pieces += [text[last : m.start(1)], _cased_like(raw, fixed)]
            last = m.end(1)
            changed = True
    if not changed:
        return None
    pieces.append(text[last:])
    return "".join(pieces)


def _in_source(text: str, at: int) -> bool:
    """Whether position ``at`` is inside a ``source:"..."`` value."""
    return any(m.start() < at < m.end() for m in _SOURCE_RE.finditer(text))

"""The one analyzer pipeline, used both to index text and to parse queries.

Composed Whoosh-style (``Tokenizer | Filter | ...``) from module-level
classes, because Whoosh pickles the schema, analyzers included, into the
index: a closure or lambda here would make the index unreadable.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from whoosh.analysis import Composable, Filter, LowercaseFilter, StemFilter, Token, Tokenizer

# Alternatives, tried left to right at each position:
#  acr  - dotted acronyms ("U.S.", "U.N.") stay one token with their dots,
#         "u.s.": without the dots "US" would stem together with "use";
#  poss - a possessive "'s" is dropped rather than indexed as a stray "s";
#  word - any run of word characters.  Punctuation inside compounds
#         ("X-band", "AN/TPY-2", "intelligence-sharing") separates parts that
#         keep consecutive positions, so the query parser turns `tpy-2` into
#         the phrase "tpy 2", which matches inside "AN/TPY-2".
_TOKEN_RE = re.compile(
    r"(?P<acr>(?:[^\W\d_]\.){2,})(?![^\W\d_])"
    r"|(?P<poss>['’][sS])\b"
    r"|(?P<word>\w+)"
)


class NewsTokenizer(Tokenizer):
    """Splits news text into word parts; see ``_TOKEN_RE`` for the rules."""

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            t.original = t.text = value
            t.boost = 1.0
            if positions:
                t.pos = start_pos
            if chars:
                t.startchar = start_char
                t.endchar = start_char + len(value)
            yield t
            return
        pos = start_pos
        for match in _TOKEN_RE.finditer(value):
            kind = match.lastgroup
            if kind == "poss":
                continue
            text = match.group(0)
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if keeporiginal:
                t.original = t.text
            if positions:
                t.pos = pos
            if chars:
                t.startchar = start_char + match.start()
                t.endchar = start_char + match.end()
            pos += 1
            yield t


@lru_cache(maxsize=65536)
def fold_accents(word: str) -> str:
    """Strips diacritics from Latin letters only ("Müller" -> "muller").

    Only marks on Latin base letters are dropped: folding Cyrillic "й" to "и"
    or Greek tonos would merge distinct letters of those alphabets.
    """
    if word.isascii():
        return word
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.combining(ch) and out and _is_latin(out[-1]):
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _is_latin(ch: str) -> bool:
    return ch.isascii() or unicodedata.name(ch, "").startswith("LATIN")


class AccentFoldFilter(Filter):
    """Applies :func:`fold_accents` to every token."""

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__)

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            if not t.text.isascii():
                t.text = fold_accents(t.text)
            yield t


def word_analyzer() -> Composable:
    """Tokens as the reader wrote them, only lowercased and accent-folded.

    No stopword removal: dropping "of" and "the" would break phrases such as
    "state of the union". Used for the spelling vocabulary.
    """
    return NewsTokenizer() | LowercaseFilter() | AccentFoldFilter()


def news_analyzer() -> Composable:
    """The searchable form of a word: :func:`word_analyzer` plus English stemming."""
    return word_analyzer() | StemFilter(cachesize=100_000)


def analyze(text: str, analyzer: Composable | None = None) -> list[str]:
    """The terms an analyzer produces for ``text`` (handy for tests and snippets)."""
    analyzer = analyzer or news_analyzer()
    return [t.text for t in analyzer(text)]

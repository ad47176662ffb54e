"""The one analyzer pipeline, used both to index text and to parse queries.

Composed Whoosh-style (``Tokenizer | Filter | ...``) from module-level
classes, because Whoosh pickles the schema, analyzers included, into the
index: a closure or lambda here would make the index unreadable.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Iterator
from functools import cache, lru_cache
from itertools import accumulate

from whoosh.analysis import Composable, Filter, LowercaseFilter, StemFilter, Token, Tokenizer
from whoosh.lang.porter import stem as porter_stem

from .unicode_marks import char_class

# Combining marks belong to the word they follow (see unicode_marks).
_MARKS = char_class()
# Alternatives, tried left to right at each position:
#  acr  - dotted acronyms ("U.S.", "U.N.") stay one token with their dots,
#         "u.s.": without the dots "US" would stem together with "use";
#  poss - a possessive "'s" is dropped rather than indexed as a stray "s";
#  word - any run of word characters and the combining marks after them
#         (NFD "Київ", Devanagari vowel signs).  Punctuation inside compounds
#         ("X-band", "AN/TPY-2", "intelligence-sharing") separates parts that
#         keep consecutive positions, so the query parser turns `tpy-2` into
#         the phrase "tpy 2", which matches inside "AN/TPY-2".
_ACR = r"(?:[^\W\d_][" + _MARKS + r"]*\.){2,}(?![^\W\d_])"
_POSS = r"['’][sS]\b"
_WORD = r"\w[\w" + _MARKS + r"]*"
# Both expressions are compiled on first use (~1 ms each, for the marks'
# class): a plain one-word search (``search radar``) uses neither, and
# every command's start-up imports this module through the schema.


@cache
def _token_re() -> re.Pattern[str]:
    return re.compile(f"(?P<acr>{_ACR})|(?P<poss>{_POSS})|(?P<word>{_WORD})")


# The same alternatives as one capturing group, for re.split: the pieces
# alternate gap, token, gap, ..., so every offset follows from the pieces'
# lengths without a Python step per match. A possessive is told apart by
# its first character: no other token starts with an apostrophe.
@cache
def _split_re() -> re.Pattern[str]:
    return re.compile(f"({_ACR}|{_POSS}|{_WORD})")


POSSESSIVES = ("'s", "'S", "’s", "’S")

# A text as the bulk writer takes it (FastAnalyzer.cut): the terms of its
# distinct tokens as written (a possessive's is POSSESSIVE_TERM), each
# token's index into them, the lengths of the gap/token pieces (for
# character offsets), and how many of the tokens are possessives (dropped
# from the postings). Terms, not tokens: a worker that cuts the text stems
# it too, so the writer's process maps a term to its number and never
# analyses a token itself.
Cut = tuple["list[str] | Numbered", "array[int]", "array[int]", int]
# No token gives it: tokens are runs of word characters and apostrophes.
POSSESSIVE_TERM = "\x00"


class Numbered:
    """A document's terms as numbers into a vocabulary its chunk of
    articles shares (prepare.py numbers a worker's chunk): the writer maps
    the vocabulary to its own term numbers once a chunk, not each term of
    each document (a dictionary look-up, 640 ns a term in a 19k run's main
    process, 12% of its CPU). ``vocab`` is one list for the whole chunk, so
    pickling sends each term once."""

    __slots__ = ("ids", "vocab")

    def __init__(self, vocab: list[str], ids: array[int]) -> None:
        self.vocab = vocab
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def terms(self) -> list[str]:
        vocab = self.vocab
        return [vocab[i] for i in self.ids]

    def __reduce__(self) -> tuple[type[Numbered], tuple[list[str], array[int]]]:
        return Numbered, (self.vocab, self.ids)  # __slots__: pickled by its two parts


class NewsTokenizer(Tokenizer):
    """Splits news text into word parts; see ``_token_re`` for the rules."""

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
        for match in _token_re().finditer(value):
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
def normalize(word: str) -> str:
    """Unicode compatibility form (NFKC) of one token.

    Canonically equivalent spellings (NFD and NFC "Київ") and compatibility
    variants (the "ﬁ" ligature, fullwidth "ＮＡＴＯ") become one term. Applied
    per token, not to the whole text, so character offsets still point into
    the text as stored and snippets highlight the exact original.
    """
    return word if word.isascii() else unicodedata.normalize("NFKC", word)


class _NonAsciiWordFilter(Filter):
    """Maps every non-ASCII token through ``apply`` (ASCII words pass as they are).

    Subclasses are module-level classes, not instances with a function: Whoosh
    pickles analyzers into the index by class path.
    """

    @staticmethod
    def apply(word: str) -> str:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return other.__class__ is self.__class__

    def __hash__(self) -> int:
        return hash(self.__class__)

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        apply = self.apply
        for t in tokens:
            if not t.text.isascii():
                t.text = apply(t.text)
            yield t


class NormalizeFilter(_NonAsciiWordFilter):
    """Applies :func:`normalize` to every token."""

    apply = staticmethod(normalize)


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


class AccentFoldFilter(_NonAsciiWordFilter):
    """Applies :func:`fold_accents` to every token."""

    apply = staticmethod(fold_accents)


def word_analyzer() -> Composable:
    """Tokens as the reader wrote them, only lowercased and accent-folded.

    No stopword removal: dropping "of" and "the" would break phrases such as
    "state of the union". Used for the spelling vocabulary.
    """
    return NewsTokenizer() | NormalizeFilter() | LowercaseFilter() | AccentFoldFilter()


def news_analyzer() -> Composable:
    """The searchable form of a word: :func:`word_analyzer` plus English stemming."""
    return word_analyzer() | StemFilter(cachesize=100_000)


def _word_form(token: str) -> str:
    # NormalizeFilter, LowercaseFilter, AccentFoldFilter: word_analyzer's chain.
    if token.isascii():
        return token.lower()
    return fold_accents(normalize(token).lower())


class FastAnalyzer:
    """:func:`news_analyzer` without Whoosh's token objects, for bulk indexing.

    The same regex, the same per-token functions in the same order, and
    Whoosh's own Porter stemmer, with one dictionary from a token as written
    to its (word, stem) pair instead of a generator step and three filter
    calls per token. tests/test_analysis.py asserts token-for-token equality
    with :func:`news_analyzer` (and :func:`word_analyzer`) on the real corpora.
    """

    def __init__(self) -> None:
        self._forms: dict[str, tuple[str, str]] = {}
        self._words: dict[str, str] = {}
        # The last few texts cut: the indexer takes the spelling words of a
        # headline and body just before the writer analyses the same strings.
        self._recent: dict[str, list[str]] = {}
        self._cuts: dict[str, Cut] = {}  # cuts made in a worker, for the writer

    def _form(self, token: str) -> tuple[str, str]:
        word = _word_form(token)
        form = (word, porter_stem(word))
        if len(self._forms) < 2_000_000:  # bounded: a corpus of random strings must not exhaust memory
            self._forms[token] = form
        return form

    def prime(self, text: str, cut: Cut) -> None:
        """Records ``cut(text)`` done elsewhere (a worker process, see prepare.py)."""
        if len(self._cuts) >= 8:
            self._cuts.clear()
        self._cuts[text] = cut

    def cut(self, text: str) -> Cut:
        """``text``'s tokens for the bulk writer: each distinct token's term
        once (so the writer maps a term to its number once per document) and
        the token sequence as indexes into them; built from :meth:`split`."""
        # Taken once: kept, three an article, they would fill the few slots
        # and a clear would drop the cuts of the article being written.
        found = self._cuts.pop(text, None)
        if found is not None:
            return found
        parts = self.split(text)
        toks = parts[1::2]
        distinct = list(dict.fromkeys(toks))
        where = {t: i for i, t in enumerate(distinct)}
        possessives = 0
        forms = self._forms
        terms = [(forms.get(t) or self._form(t))[1] for t in distinct]
        if "'" in text or "’" in text:
            marks = where.keys() & set(POSSESSIVES)
            possessives = sum(map(toks.count, marks))
            for t in marks:
                terms[where[t]] = POSSESSIVE_TERM
        return terms, array("i", map(where.__getitem__, toks)), array("i", map(len, parts)), possessives

    def form(self, token: str) -> tuple[str, str]:
        """(word, stem) of one token as :func:`word_analyzer` and :func:`news_analyzer` give them."""
        return self._forms.get(token) or self._form(token)

    def split(self, text: str) -> list[str]:
        """Gap, token, gap, ..., gap: ``text`` cut at its tokens (possessives included)."""
        parts = self._recent.get(text)
        if parts is None:
            if len(self._recent) >= 8:
                self._recent.clear()
            parts = self._recent[text] = _split_re().split(text)
        return parts

    def tokens(self, text: str) -> tuple[list[str], list[str], list[int], list[int]]:
        """(stems, words, start chars, end chars) of ``text``'s tokens, in order.

        Built the way the bulk writer builds them: pieces from :meth:`split`,
        offsets from the running sum of the pieces' lengths, possessives dropped.
        """
        parts = _split_re().split(text)
        ends = list(accumulate(map(len, parts)))
        toks = parts[1::2]
        tok_ends = ends[1::2]
        form = self.form
        stems: list[str] = []
        words: list[str] = []
        starts: list[int] = []
        out_ends: list[int] = []
        for tok, end in zip(toks, tok_ends, strict=True):
            if tok in POSSESSIVES:
                continue
            word, stem = form(tok)
            words.append(word)
            stems.append(stem)
            starts.append(end - len(tok))
            out_ends.append(end)
        return stems, words, starts, out_ends

    def vocabulary(self, *texts: str) -> set[str]:
        """:func:`searchkit.spelling.vocabulary`'s word set of the texts joined
        by newlines (a test proves them equal): no token spans a newline, so
        the texts are cut one by one, and the writer reuses the cuts."""
        toks: set[str] = set()
        for text in texts:
            toks.update(self.split(text)[1::2])
        # Token -> its word if spelling keeps it, else "".
        words = self._words
        for tok in toks.difference(words):
            word = self.form(tok)[0]
            words[tok] = word if word.isalpha() and len(word) > 1 else ""
        found = set(map(words.__getitem__, toks))
        found.discard("")
        return found


def analyze(text: str, analyzer: Composable | None = None) -> list[str]:
    """The terms an analyzer produces for ``text`` (handy for tests and snippets)."""
    analyzer = analyzer or news_analyzer()
    return [t.text for t in analyzer(text)]


# One per process, so the token cache lives as long as the process.
FAST = FastAnalyzer()

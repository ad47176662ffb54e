"""Snippets as data: the text shown for a hit and where its matches are.

Match positions come from the character offsets stored in the body's
postings (``chars=True``), not from re-analysing each hit. Only what the
query asked for is highlighted: the words of a phrase query only where the
phrase occurs, and nothing under NOT. Rendering (ANSI, JSON) is the
caller's business.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from whoosh import query as wq

from .schema import as_text

if TYPE_CHECKING:
    from whoosh.matching import Matcher
    from whoosh.reading import IndexReader
    from whoosh.searching import Searcher

    from .engine import Arrays

SNIPPET_CHARS = 240
MAX_FRAGMENTS = 3
MAX_EXPANSIONS = 64
ELLIPSIS = "…"
FIELD = "body"

Span = tuple[int, int]


@dataclass(frozen=True)
class Snippet:
    text: str
    highlights: tuple[Span, ...] = ()

    def parts(self) -> Iterator[tuple[str, bool]]:
        """The text in order, as (piece, is_match) pairs."""
        last = 0
        for start, end in self.highlights:
            yield self.text[last:start], False
            yield self.text[start:end], True
            last = end
        yield self.text[last:], False

    def highlighted(self, before: str, after: str) -> str:
        """The text with each highlight wrapped in ``before``/``after``."""
        return "".join(f"{before}{piece}{after}" if hit else piece for piece, hit in self.parts())


@dataclass(frozen=True)
class MatchPlan:
    """What to highlight in the body, derived once from the query."""

    terms: frozenset[str] = frozenset()
    phrases: tuple[tuple[tuple[str, ...], int], ...] = ()

    def words(self) -> set[str]:
        found = set(self.terms)
        for words, _ in self.phrases:
            found.update(words)
        return found


def plan_for(q: wq.Query, reader: IndexReader, arrays: Arrays | None = None) -> MatchPlan:
    """What to highlight for ``q``; wildcard and fuzzy words expand as the
    engine expanded them when ``arrays`` is given (no second expansion)."""
    terms: set[str] = set()
    phrases: list[tuple[tuple[str, ...], int]] = []

    def visit(node: wq.Query) -> None:
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.AndNot):
            visit(node.a)
            return
        if isinstance(node, wq.Phrase):
            if node.fieldname == FIELD and node.words:
                phrases.append((tuple(as_text(w) for w in node.words), max(node.slop, 1)))
            return
        if isinstance(node, wq.Term):
            if node.fieldname == FIELD:
                terms.add(as_text(node.text))
            return
        if isinstance(node, wq.MultiTerm):
            if getattr(node, "fieldname", None) == FIELD:
                expanded = arrays.expansion(node)[0] if arrays is not None else node._btexts(reader)
                for i, btext in enumerate(expanded):
                    if i >= MAX_EXPANSIONS:
                        break
                    terms.add(as_text(btext))
            return
        for child in node.children():
            visit(child)

    visit(q)
    return MatchPlan(frozenset(terms), tuple(phrases))


Occurrences = dict[str, list[tuple[int, int, int]]]  # term -> [(pos, start, end)]


def occurrences(
    searcher: Searcher, docnums: Iterable[int], words: set[str], arrays: Arrays | None = None
) -> dict[int, Occurrences]:
    """Stored (position, start, end) of each word in each doc's body.

    From the engine's decoded postings when ``arrays`` has them (the query
    just read them); otherwise one posting cursor per word walks the docs in
    order, so the cost is a few skips per hit instead of tokenizing every
    hit's text again.
    """
    wanted = sorted(set(docnums))
    found: dict[int, Occurrences] = {d: {} for d in wanted}
    reader = searcher.reader()
    for word in words:
        if arrays is not None:
            chars = arrays.characters(FIELD, word, wanted)
            if chars is not None:
                for docnum, triples in chars.items():
                    found[docnum][word] = triples
                continue
        if (FIELD, word) not in reader:
            continue
        matcher = reader.postings(FIELD, word)
        for docnum in aligned(matcher, wanted):
            found[docnum][word] = matcher.value_as("characters")
    return found


def aligned(matcher: Matcher, docnums: Iterable[int]) -> Iterator[int]:
    """Those of ``docnums`` (ascending) the matcher matches, leaving the
    matcher on each as it is yielded so its value can be read."""
    for docnum in docnums:
        if not matcher.is_active():
            return
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
            if not matcher.is_active():
                return
        if matcher.id() == docnum:
            yield docnum


def match_spans(occ: Occurrences, plan: MatchPlan) -> list[tuple[int, int, str]]:
    """Character spans to highlight, each tagged with what it matched."""
    spans: list[tuple[int, int, str]] = []
    for term in plan.terms:
        spans.extend((s, e, term) for _, s, e in occ.get(term, ()))
    for words, slop in plan.phrases:
        spans.extend(_phrase_spans(occ, words, slop))
    spans.sort()
    return spans


def _phrase_spans(occ: Occurrences, words: Sequence[str], slop: int) -> list[tuple[int, int, str]]:
    lists = [occ.get(w) for w in words]
    if not all(lists):
        return []
    by_pos = [{pos: (s, e) for pos, s, e in lst} for lst in lists]  # type: ignore[union-attr]
    label = " ".join(words)
    out: list[tuple[int, int, str]] = []
    for pos, start, end in lists[0]:  # type: ignore[union-attr]
        chain = [(start, end)]
        prev = pos
        for table in by_pos[1:]:
            nxt = next((p for p in range(prev + 1, prev + slop + 1) if p in table), None)
            if nxt is None:
                break
            chain.append(table[nxt])
            prev = nxt
        else:
            if slop == 1:
                out.append((chain[0][0], chain[-1][1], label))
            else:
                out.extend((s, e, label) for s, e in chain)
    return out


def sentences(text: str, upto: int | None = None) -> list[Span]:
    """The text's sentences as spans, cut where the index cuts them
    (``boundaries.sentence_starts``, the one sentence splitter: "U.S." and
    "Dr." end no sentence), without the whitespace between them; with
    ``upto``, only the first ones, up to the sentence holding that position
    (a prefix of the whole list)."""
    from .boundaries import sentence_starts  # numpy: loaded only when snippets are made

    found = sentence_starts(text, upto)
    if upto is not None and found and found[-1] > upto:
        # Only the starts up to the first after ``upto`` were scanned: what
        # follows that one is unknown, and needed only when every sentence
        # so far is blank (a text opening with blank lines).
        spans = _spans(text, [0, *found], upto)
        if spans:
            return spans
        found = sentence_starts(text)
    return _spans(text, [0, *found, len(text)], upto)


def sentences_at(text: str, points: Sequence[int]) -> list[Span] | None:
    """The sentences holding ``points`` (ascending character offsets, each on
    a non-space), once each and in order: the members of ``sentences(text)``
    that hold a point, found without splitting the rest of the text
    (boundaries.sentence_around). None when a point is not on a non-space
    of the text (the caller then splits the whole text).

    A point's sentence holds a non-space (the point), so it is not blank:
    it is the one of ``sentences`` whose first non-space is at or before
    the point, cut the same way (blanks stripped at both ends).
    """
    from .boundaries import sentence_around

    size = len(text)
    found: list[Span] = []
    floor = 0  # 0 or a sentence start: the sentences still to find begin there or later
    i, count = 0, len(points)
    while i < count:
        point = points[i]
        if not floor <= point < size or text[point].isspace():
            return None
        start, end = sentence_around(text, point, floor)
        found.append(_stripped(text, start, end))
        while i < count and points[i] < end:
            i += 1
        floor = end
    return found


def _spans(text: str, starts: list[int], upto: int | None) -> list[Span]:
    spans: list[Span] = []
    for start, nxt in itertools.pairwise(starts):
        lead, end = _stripped(text, start, nxt)
        if end > lead:
            spans.append((lead, end))
        if upto is not None and spans and nxt > upto:
            break
    return spans


def _stripped(text: str, start: int, end: int) -> Span:
    """``text[start:end]`` without the whitespace at either end, as a span
    (empty when it is all whitespace)."""
    while end > start and text[end - 1].isspace():
        end -= 1
    while start < end and text[start].isspace():
        start += 1
    return start, end


def _last_space(text: str, lo: int, hi: int) -> int:
    """The last whitespace of ``text[lo:hi]`` (any kind: a line break is a word
    boundary too), or -1."""
    for i in range(min(hi, len(text)) - 1, lo - 1, -1):
        if text[i].isspace():
            return i
    return -1


def _word_cut_left(text: str, at: int, floor: int) -> int:
    if at <= floor:
        return floor
    space = _last_space(text, floor, at + 1)
    return space + 1 if space >= floor else at


def _word_cut_right(text: str, at: int, floor: int, ceiling: int) -> int:
    """Moves a cut back to the end of the last whole word before ``at``."""
    if at >= ceiling:
        return ceiling
    if text[at : at + 1].isspace():
        return at
    space = _last_space(text, floor, at)
    return space if space > floor else at


def _window(text: str, sent: Span, focus: Span, budget: int) -> Span:
    """The part of a sentence, at most ``budget`` chars, centred on ``focus``."""
    s_start, s_end = sent
    if s_end - s_start <= budget:
        return sent
    room = max(budget - (focus[1] - focus[0]), 0)
    start = max(s_start, focus[0] - room // 3)
    end = min(s_end, start + budget)
    start = max(s_start, end - budget)
    start = _word_cut_left(text, start, s_start) if start > s_start else s_start
    # Moving the start back to a word's beginning widens the window: the end
    # follows it, so that it is cut at a word boundary and not by the budget.
    end = min(s_end, start + budget)
    end = _word_cut_right(text, end, start, s_end) if end < s_end else s_end
    if end - start > budget:  # no space to cut at: cut mid-word rather than overflow
        end = start + budget
    return start, end


def make_snippet(text: str, spans: Sequence[tuple[int, int, str]], budget: int = SNIPPET_CHARS) -> Snippet:
    """Up to three fragments, best first, ~``budget`` characters in all."""
    if not text:
        return Snippet("")
    # Only the sentences holding a match are ranked and shown (and the
    # first, when nothing matched).
    found = sentences_at(text, [s for s, _, _ in spans]) if spans else None
    sents = found if found is not None else sentences(text, max(s for s, _, _ in spans) if spans else 0)
    if not sents:
        return Snippet("")
    if not spans:
        start, end = _window(text, sents[0], (sents[0][0], sents[0][0]), budget)
        frag = text[start:end]
        return Snippet(frag + (ELLIPSIS if end < sents[0][1] else ""))

    starts = [s for s, _ in sents]
    per_sentence: dict[int, list[tuple[int, int, str]]] = {}
    for span in spans:
        idx = max(bisect.bisect_right(starts, span[0]) - 1, 0)
        per_sentence.setdefault(idx, []).append(span)

    def score(idx: int) -> tuple[int, int, int]:
        hits = per_sentence[idx]
        return (len({label for _, _, label in hits}), len(hits), -idx)

    ranked = sorted(per_sentence, key=score, reverse=True)[:MAX_FRAGMENTS]
    pieces: list[str] = []
    highlights: list[Span] = []
    used = 0
    for idx in ranked:
        remaining = budget - used
        if remaining < 40 and pieces:
            break
        hits = per_sentence[idx]
        start, end = _window(text, sents[idx], (hits[0][0], hits[0][1]), remaining)
        # A cut at the front is already marked by the separator between fragments.
        prefix = ELLIPSIS if start > sents[idx][0] and not pieces else ""
        suffix = ELLIPSIS if end < sents[idx][1] else ""
        if pieces:
            pieces.append(" " + ELLIPSIS + " ")
        offset = sum(len(p) for p in pieces) + len(prefix)
        pieces.append(prefix + text[start:end] + suffix)
        last_end = -1
        for s, e, _ in hits:
            s, e = max(s, start), min(e, end)
            if s < e and s >= last_end:
                highlights.append((offset + s - start, offset + e - start))
                last_end = e
        used += end - start
    return Snippet("".join(pieces), tuple(highlights))

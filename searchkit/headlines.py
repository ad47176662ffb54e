"""Where a headline matches the query: character spans to highlight.

Body snippets get their spans from the postings (snippets.py); headlines
are short, so they are analysed again here with the index's own analyzer
(the same stemming), and each token is tested against the headline clauses
of the query. Only what the query asked for is marked: nothing under NOT,
a phrase only where all of its words follow each other.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from fnmatch import fnmatchcase

from whoosh import query as wq

from .analysis import news_analyzer
from .schema import HEADLINE, as_text
from .spelling import edit_distance

Span = tuple[int, int]
_ANALYZER = news_analyzer()


class HeadlineMatcher:
    """The headline clauses of one query, to mark any number of headlines."""

    def __init__(self, q: wq.Query) -> None:
        self.tests: list[Callable[[str], bool]] = []
        self.phrases: list[tuple[str, ...]] = []
        self._visit(q)

    def _visit(self, node: wq.Query) -> None:
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.AndNot):
            self._visit(node.a)
            return
        if getattr(node, "fieldname", None) == HEADLINE:
            self._leaf(node)
            return
        for child in node.children():
            self._visit(child)

    def _leaf(self, node: wq.Query) -> None:
        if isinstance(node, wq.Phrase):
            words = tuple(as_text(w) for w in node.words)
            if len(words) == 1:
                self.tests.append(words[0].__eq__)
            elif words:
                self.phrases.append(words)
        elif isinstance(node, wq.FuzzyTerm):
            text, dist, prefix = as_text(node.text), node.maxdist, node.prefixlength
            self.tests.append(lambda t: t[:prefix] == text[:prefix] and edit_distance(t, text, dist) <= dist)
        elif isinstance(node, wq.Prefix):
            text = as_text(node.text)
            self.tests.append(lambda t: t.startswith(text))
        elif isinstance(node, wq.Wildcard):
            pattern = as_text(node.text)
            self.tests.append(lambda t: fnmatchcase(t, pattern))
        elif isinstance(node, wq.Term):
            text = as_text(node.text)
            self.tests.append(text.__eq__)

    def __bool__(self) -> bool:
        return bool(self.tests or self.phrases)

    def spans(self, headline: str) -> tuple[Span, ...]:
        if not self or not headline:
            return ()
        tokens = [(t.text, t.startchar, t.endchar) for t in _ANALYZER(headline, chars=True, mode="index")]
        found: set[Span] = {(s, e) for text, s, e in tokens if any(test(text) for test in self.tests)}
        words = [text for text, _, _ in tokens]
        for phrase in self.phrases:
            n = len(phrase)
            for i in range(len(words) - n + 1):
                if tuple(words[i : i + n]) == phrase:
                    found.add((tokens[i][1], tokens[i + n - 1][2]))
        return _merge(found)


def _merge(spans: Iterable[Span]) -> tuple[Span, ...]:
    out: list[Span] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return tuple(out)

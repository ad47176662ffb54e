"""The bulk writer's cut of a text (FastAnalyzer.cut) holds exactly the
Whoosh analyzer's tokens, positions and character offsets."""

from __future__ import annotations

from itertools import accumulate

from searchkit.analysis import FAST, POSSESSIVE_TERM, POSSESSIVES, FastAnalyzer, news_analyzer
from tests.test_analysis import _corpus_texts


def _from_cut(analyzer: FastAnalyzer, text: str) -> list[tuple[str, int, int, int]]:
    """What the writer makes of a cut: terms, positions and offsets, possessives dropped."""
    terms, index, plens, possessives = analyzer.cut(text)
    toks = [terms[i] for i in index]
    assert len(plens) == 2 * len(toks) + 1 and sum(plens) == len(text)
    assert possessives == toks.count(POSSESSIVE_TERM) == sum(t in POSSESSIVES for t in analyzer.split(text)[1::2])
    ends = list(accumulate(plens))[1::2]
    out = []
    for term, plen, end in zip(toks, plens[1::2], ends, strict=True):
        if term == POSSESSIVE_TERM:
            continue
        out.append((term, len(out), end - plen, end))
    return out


def test_cut_gives_the_whoosh_analyzers_tokens() -> None:
    stemmed = news_analyzer()
    total = 0
    for text in _corpus_texts():
        whoosh = [(t.text, t.pos, t.startchar, t.endchar) for t in stemmed(text, positions=True, chars=True)]
        for analyzer in (FastAnalyzer(), FAST):
            assert _from_cut(analyzer, text) == whoosh
        total += len(whoosh)
    assert total > 60_000


def test_a_primed_cut_is_the_one_taken() -> None:
    fast = FastAnalyzer()
    text = "Japan's radar, the radar's range"
    cut = fast.cut(text)
    # Each distinct token's term: "Japan" and "radar" stemmed, both "'s" the possessive's marker.
    assert cut[0] == ["japan", POSSESSIVE_TERM, "radar", "the", "rang"] and list(cut[1]) == [0, 1, 2, 3, 2, 1, 4]
    assert cut[3] == 2
    fast.prime(text, cut)
    assert fast.cut(text) is cut
    assert fast.cut(text) is not cut and fast.cut(text) == cut  # taken once, then made again


def test_primed_cuts_survive_many_articles() -> None:
    """The writer takes each article's three cuts right after they are primed:
    none is made again in the main process (a clear of the cache dropped some)."""
    fast = FastAnalyzer()
    for i in range(50):
        texts = [f"headline {i}", f"body {i} text", f"summary {i}"]
        cuts = [fast.cut(t) for t in texts]
        for t, c in zip(texts, cuts, strict=True):
            fast.prime(t, c)
        assert all(fast.cut(t) is c for t, c in zip(texts, cuts, strict=True))

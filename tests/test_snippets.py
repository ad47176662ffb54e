from __future__ import annotations

import pytest

from searchkit import SearchIndex
from searchkit.snippets import SNIPPET_CHARS, Snippet, make_snippet, sentences

from .conftest import SEED_ID


def _marked(hit_snippet: str, highlights: tuple[tuple[int, int], ...]) -> list[str]:
    return [hit_snippet[s:e] for s, e in highlights]


def test_phrase_highlights_only_the_phrase(ix: SearchIndex) -> None:
    hit = ix.search('"missile defense"', sources=["kyodo"], until="2013-10-30").hits[0]
    words = _marked(hit.snippet, hit.highlights)
    assert words and all(w.lower() == "missile defense" for w in words)
    # "missile" alone occurs in that article too, and is not highlighted.
    assert "missiles" in hit.snippet.lower() or "missile" in hit.snippet.lower()


def test_compound_word_highlighted_whole(ix: SearchIndex) -> None:
    hit = ix.search('"intelligence-sharing agreement"').hits[0]
    assert _marked(hit.snippet, hit.highlights) == ["intelligence-sharing agreement"]


def test_single_words_highlighted_in_every_form(ix: SearchIndex) -> None:
    hit = ix.search("radar", sources=["kyodo"], since="2013-10-31").hits[0]
    assert hit.id == SEED_ID
    marked = _marked(hit.snippet, hit.highlights)
    assert marked and {m.lower() for m in marked} == {"radar"}


def test_not_terms_are_not_highlighted(ix: SearchIndex) -> None:
    hit = ix.search("radar NOT geneva").hits[0]
    assert all(m.lower() == "radar" for m in _marked(hit.snippet, hit.highlights))


def test_snippet_size_and_fragments(ix: SearchIndex) -> None:
    for hit in ix.search("missile OR radar OR korea OR japan", limit=20).hits:
        assert len(hit.snippet) <= SNIPPET_CHARS + 12  # separators and ellipses
        assert hit.snippet.count(" … ") <= 2  # at most three fragments


def test_headline_only_match_gets_first_sentence(ix: SearchIndex) -> None:
    hit = ix.search("headline:launches").hits[0]
    assert hit.id == "07_xinhua_satellite"
    assert hit.snippet.startswith("China launched a new early warning satellite on Sunday")
    assert hit.highlights == ()


def test_snippet_cuts_at_word_boundaries() -> None:
    text = ("word " * 100).strip() + ". Target here. " + ("more " * 100).strip() + "."
    spans = [(text.index("Target"), text.index("Target") + 6, "target")]
    snip = make_snippet(text, spans)
    assert snip.text.startswith("Target here.")
    long_sentence = "alpha " * 30 + "needle " + "omega " * 60
    snip = make_snippet(long_sentence, [(180, 186, "needle")])
    assert len(snip.text) <= SNIPPET_CHARS + 2
    inner = snip.text.strip("…")
    assert all(part in {"alpha", "needle", "omega"} for part in inner.split())
    assert snip.text[snip.highlights[0][0] : snip.highlights[0][1]] == "needle"


def test_best_fragment_first() -> None:
    text = "One radar here. Nothing. Radar and missile together here. End."
    r1 = text.index("radar")
    r2 = text.index("Radar")
    m = text.index("missile")
    snip = make_snippet(text, [(r1, r1 + 5, "radar"), (r2, r2 + 5, "radar"), (m, m + 7, "missil")])
    assert snip.text.startswith("Radar and missile together here.")


def test_highlighted_rendering() -> None:
    snip = Snippet("a radar b", ((2, 7),))
    assert snip.highlighted("[", "]") == "a [radar] b"


def test_sentences() -> None:
    assert sentences("One. Two! Three?\n\nFour") == [(0, 4), (5, 9), (10, 16), (18, 22)]


def test_fragments_of_a_long_sentence_start_and_end_at_word_boundaries() -> None:
    # One sentence far over the budget, words of many lengths, a line break
    # inside: wherever the match falls, the fragment is cut between words
    # (the start used to move back to a word while the end stayed put, and
    # the budget then cut the last word in two).
    words = [("w" * (1 + (i * 7) % 11)) + str(i) for i in range(120)]
    text = " ".join(words[:60]) + "\n" + " ".join(words[60:]) + "."
    for i in range(0, 120, 3):
        at = text.index(words[i] + " ") if i < 119 else text.index(words[i])
        snippet = make_snippet(text, [(at, at + len(words[i]), words[i])], budget=80)
        fragment = snippet.text.strip("…").strip()
        assert len(fragment) <= 80
        first, last = fragment.split()[0], fragment.split()[-1].rstrip(".")
        assert first in words and last in words, (i, fragment)


def test_sentences_up_to_a_position_are_a_prefix_of_all() -> None:
    text = "\n\nOne. Two! Three?\n\nFour. Five six.  Seven"
    whole = sentences(text)
    for upto in range(len(text) + 1):
        part = sentences(text, upto)
        assert part == whole[: len(part)] and part
        assert any(s <= upto < e for s, e in part) or upto >= part[-1][1] or upto < part[0][0]
        # Every sentence starting at or before the position is there.
        assert [s for s in whole if s[0] <= upto] == [s for s in part if s[0] <= upto]


@pytest.mark.parametrize(
    "text",
    [
        "The U.S. Senate voted. Then Dr. Arbatov spoke, J. Smith said.",
        'He said "no." Talks ended.\n\nA new paragraph (with a bracket.) Last one',
        "  Leading space. and lower case goes on. Done!  ",
    ],
)
def test_snippet_sentences_are_the_index_s_sentences(text: str) -> None:
    # One sentence splitter (boundaries.py) for /s at index time and for
    # snippets: a sentence a snippet shows is a sentence /s matched within.
    from searchkit.boundaries import sentence_starts


    spans = sentences(text)
    starts = sentence_starts(text)
    assert len(spans) == len(starts) + 1
    for (start, end), nxt in zip(spans[1:], starts, strict=True):
        assert start == nxt and end > start and not text[end - 1].isspace()
    assert sentences(text, upto=0) == spans[:1]


def test_sentence_starts_until_a_position_are_a_prefix_of_all() -> None:
    """The scan a snippet makes (up to its last match) gives the starts up
    to that position and the first one after it, as the whole scan does."""
    import random

    from searchkit.boundaries import sentence_starts

    rng = random.Random(5)
    pieces = ["U.S.", "Dr.", "the", "The", "A", ".", "!", "?", " ", "\n", "\n\n", '"', "(", ")", "x.", "end.", "no"]
    for _ in range(300):
        text = "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randrange(0, 25)))
        whole = sentence_starts(text)
        spans = sentences(text)
        for until in range(0, len(text) + 1, 3):
            beyond = [s for s in whole if s > until][:1]
            assert sentence_starts(text, until) == [s for s in whole if s <= until] + beyond, (text, until)
            part = sentences(text, until)
            assert part == spans[: len(part)], (text, until)

from __future__ import annotations

import pickle

import pytest

from searchkit.analysis import analyze, fold_accents, news_analyzer, word_analyzer


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("X-band radar", ["x", "band", "radar"]),
        ("AN/TPY-2", ["an", "tpy", "2"]),
        ("U.S. forces", ["u.s.", "forces"]),
        ("Japan's radar", ["japan", "radar"]),
        ("state of the union", ["state", "of", "the", "union"]),
        ("Müller São Paulo", ["muller", "sao", "paulo"]),
    ],
)
def test_word_analyzer(text: str, terms: list[str]) -> None:
    assert analyze(text, word_analyzer()) == terms


def test_acronym_does_not_meet_use() -> None:
    assert analyze("U.S.") == analyze("u.s.") != analyze("use")


def test_stemming() -> None:
    assert analyze("missiles defense", news_analyzer()) == analyze("missile defenses", news_analyzer())


def test_accent_folding_leaves_other_alphabets_alone() -> None:
    assert fold_accents("café") == "cafe"
    assert fold_accents("йод") == "йод"  # й is a letter of its own in Cyrillic
    assert fold_accents("Ελλάδα") == "Ελλάδα"


def test_analyzer_pickles() -> None:
    # Whoosh pickles the schema, analyzers included, into the index.
    analyzer = pickle.loads(pickle.dumps(news_analyzer()))
    assert analyze("X-band", analyzer) == ["x", "band"]


def test_positions_and_chars() -> None:
    tokens = [
        (t.text, t.pos, t.startchar, t.endchar) for t in word_analyzer()("the X-band, U.S.", positions=True, chars=True)
    ]
    assert tokens == [("the", 0, 0, 3), ("x", 1, 4, 5), ("band", 2, 6, 10), ("u.s.", 3, 12, 16)]

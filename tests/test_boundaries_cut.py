"""The operators' fields computed from a worker's cut (prepare.py) are the
ones computed from the text alone."""

from __future__ import annotations

from searchkit import boundaries
from searchkit.analysis import FastAnalyzer
from tests.test_analysis import _corpus_texts


def test_token_starts_from_the_cut_are_the_texts() -> None:
    fast = FastAnalyzer()
    with_possessives = 0
    for text in _corpus_texts():
        cut = fast.cut(text)
        with_possessives += cut[3] > 0
        assert boundaries.token_starts(text, cut).tolist() == boundaries.token_starts(text).tolist()
        assert boundaries.boundaries(text, cut) == boundaries.boundaries(text)
    assert with_possessives > 10  # the possessives' branch ran


def test_a_possessive_is_no_token_start() -> None:
    text = "Japan's radar, the radar’s range"
    cut = FastAnalyzer().cut(text)
    assert boundaries.token_starts(text, cut).tolist() == [0, 8, 15, 19, 27] == boundaries.token_starts(text).tolist()


def test_exact_forms_once_each_sorted() -> None:
    assert boundaries.exact_forms("NATO and Nato", "NATO's ＮＡＴＯ nato 1987") == "NATO NATO Nato"

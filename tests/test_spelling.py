"""Did-you-mean's rule (searchkit/spelling.py) for a misspelling the archive
itself repeats: corrected when a clearly more frequent word lies one edit
away, never when the evidence is thin. The shipped corpus and Reuters
cases are in test_output.py; benchmarks/spelling_eval.py measures the rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit.cli import cli
from searchkit.spelling import SUGGEST_BELOW, required

# Each word of the corpus and the articles using it: "missle" (3) beside
# "missile" (30 = 10 x 3), "radr" (3) beside "radar" (29: just short of
# 10 x), "balloon" (3) two edits from "billion" (40).
USES = {"missile": range(0, 30), "missle": range(30, 33), "radar": range(0, 29), "radr": range(33, 36),
        "billion": range(0, 40), "balloon": range(36, 39)}


@pytest.fixture(scope="module")
def repeated_typos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("typos")
    rows = []
    for i in range(40):
        words = " and ".join(w for w, used in USES.items() if i in used)
        rows.append({"id": f"a{i:02d}", "headline": f"Report {i}", "date": f"2014-01-{i % 28 + 1:02d}",
                     "body": f"The ministry said {words} figures were published."})
    (where / "typos.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = CliRunner().invoke(cli, ["-i", str(where / "ix"), "index", str(where / "typos.jsonl")])
    assert result.exit_code == 0, result.output
    return where / "ix"


def search(index: Path, query: str) -> str:
    result = CliRunner().invoke(cli, ["-i", str(index), "search", query, "--limit", "1"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_misspelling_three_articles_repeat_is_corrected_to_a_word_ten_times_as_used(repeated_typos: Path) -> None:
    assert search(repeated_typos, "missle") == (
        "3 results (showing 1–1)\n"
        "\n"
        "1. Report 30\n"
        "   2014-01-03 · a30\n"
        "   The ministry said missle and billion figures were published.\n"
        "\n"
        "Did you mean: missile\n"
    )


def test_no_correction_on_thin_evidence(repeated_typos: Path) -> None:
    # 29 articles against 3 is under 10 x; "billion" is two edits from "balloon".
    assert search(repeated_typos, "radr") == (
        "3 results (showing 1–1)\n"
        "\n"
        "1. Report 33\n"
        "   2014-01-06 · a33\n"
        "   The ministry said radr and billion figures were published.\n"
    )
    assert search(repeated_typos, "balloon").endswith("   The ministry said billion and balloon figures were published.\n")


def test_the_dominance_asked_grows_with_the_words_own_use() -> None:
    # Any spelling for an unused word, 3 x for one used once or twice, 10 x beyond.
    assert [required(n) for n in range(SUGGEST_BELOW)] == [1, 3, 6, 30, 40, 50, 60, 70, 80, 90]


def _levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def test_one_edit_is_distance_at_most_one() -> None:
    import itertools

    from searchkit.spelling import edit_distance, one_edit

    words = ["".join(p) for n in range(5) for p in itertools.product("abc", repeat=n)]
    for a, b in itertools.product(words, repeat=2):
        assert one_edit(a, b, transpositions=True) == (edit_distance(a, b) <= 1), (a, b)
        assert one_edit(a, b, transpositions=False) == (_levenshtein(a, b) <= 1), (a, b)


def test_frequent_words_find_what_a_scan_of_every_word_finds() -> None:
    import random

    from searchkit.spelling import FrequentWords, edit_distance

    rng = random.Random(3)
    letters = "abcde"
    freqs = {
        "".join(rng.choice(letters) for _ in range(rng.randint(1, 6))): rng.choice([1, 5, 29, 30, 31, 60, 300, 900])
        for _ in range(3000)
    }
    frequent = FrequentWords(freqs)
    assert frequent.near("abc", 29, True) is None  # below the floor: the engine's to find
    assert frequent.near("abcde", 30, True) is None  # too many to check one by one
    frequent.MAX_CHECKS = 10_000  # every candidate checked: compare them all
    for word in [*list(freqs)[:300], "abcab", "eeee", "a"]:
        for least in (30, 31, 61, 900, 901):
            for swaps in (True, False):
                distance = edit_distance if swaps else _levenshtein
                expected = sorted(
                    w
                    for w, n in freqs.items()
                    if w[0] == word[0] and n >= least and abs(len(w) - len(word)) <= 1 and distance(word, w) <= 1
                )
                assert sorted(frequent.near(word, least, swaps) or []) == expected, (word, least)


def test_frequent_words_answer_without_the_engines_scan(repeated_typos: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from searchkit import SearchIndex
    from searchkit.engine import QuickTerms

    with SearchIndex(repeated_typos) as ix:
        assert ix.search("missle").suggestion == "missile"

        def refuse(*args: object) -> None:
            raise AssertionError("the engine scanned the dictionary")

        monkeypatch.setattr(QuickTerms, "frequent_terms_within", refuse)
        # "missle": 3 articles, so only a word 30 use, one edit away, corrects it.
        assert ix.search("missle").suggestion == "missile"


def test_ascii_words_are_their_own_lowercase_token() -> None:
    from searchkit.spelling import _WORDS

    for raw in ["Missle", "RADAR", "x", "Geneva", "tHe"]:
        assert [t.text for t in _WORDS(raw)] == [raw.lower()]

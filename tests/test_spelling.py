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

"""Golden files: every tests/data/*.txt beside its *.expected.json."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest

from searchkit import Article, ArticleError, load_article, parse_article
from searchkit.articles import read_file

from .conftest import DATA, SEED_ID, shared_path

GOLDEN = sorted(DATA.glob("*.txt"))


def as_dict(article: Article) -> dict[str, object]:
    return {
        "id": article.id,
        "headline": article.headline,
        "date": article.date.isoformat() if article.date else None,
        "sources": list(article.sources),
        "body": article.body,
        "summary": article.summary,
    }


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden(path: Path) -> None:
    expected = json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))
    assert as_dict(load_article(path)) == expected


def test_seed_fields() -> None:
    article = load_article(DATA.parent.parent / "corpus" / f"{SEED_ID}.txt")
    assert article.id == SEED_ID
    assert article.date == date(2013, 10, 31)
    assert article.sources == ("Kyodo News", "RIA Novosti")
    assert "October 31, 2013" not in article.body
    assert article.body.count("\n\n") == 8  # nine paragraphs kept apart


def test_parse_article_is_pure() -> None:
    text = "Headline\n\nBody, Kyodo reported.\n\n2013-10-31\nAbout\n\nSummary."
    article = parse_article(text, "x/y/z.txt")
    assert article.id == "z"
    assert (article.headline, article.body, article.summary) == ("Headline", "Body, Kyodo reported.", "Summary.")
    assert article.date == date(2013, 10, 31)
    assert article.sources == ("Kyodo News",)
    # Nothing but the text and the path goes in: a second parse is equal.
    assert parse_article(text, "x/y/z.txt") == article


def test_cp1252_is_decoded_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("Caf\xe9 Talks\n\nThe caf\xe9 talks ended.\n".encode("cp1252"))
    read = read_file(path)
    assert read.loaded[0].article.headline == "Café Talks"
    assert "not UTF-8: decoded as cp1252" in read.loaded[0].warnings


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\n ", "empty file"),
        (b"\x00\x01\x02binary", "binary file"),
        (b"Head\n\n\x81\x8d\x8f\x90\x9d", "undecodable bytes"),
    ],
)
def test_bad_files(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ArticleError, match=reason):
        load_article(path)
    assert reason in read_file(path).skipped[0].reason


def test_huge_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(30 * 1024 * 1024)
    with pytest.raises(ArticleError, match="file too large"):
        load_article(path)


def test_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    with pytest.raises(ArticleError, match="symlink loop"):
        load_article(tmp_path / "a.txt")


def test_dvids_stories() -> None:
    folder = shared_path("corpora", "dvids")
    with (folder / "manifest.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 56
    for row in rows:
        article = load_article(folder / "corpus" / f"{row['id']}.txt")
        assert article.id == row["id"]
        assert article.headline == " ".join(row["title"].split())
        assert article.date is None  # DVIDS files carry no date line
        assert article.summary == ""
        assert len(article.body) > 200
        assert not article.body.startswith(article.headline)

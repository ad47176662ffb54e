"""Recency weighting, significant terms and compared timelines (issue 19).

Each figure is checked against one computed here independently: decay
factors from dates by hand, JLH from counts taken from the articles' own
texts, series from per-query timelines.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from searchkit import QueryError, SearchIndex
from searchkit.analytics import build_comparison, build_timeline
from searchkit.postings import term_postings
from searchkit.recency import HalfLife, Reference, factors, parse_half_life
from searchkit.terms import STOPWORDS, Vocabulary, _dictionary, field_postings, jlh

# -- the half-life parser ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("90d", 90.0),
        ("12w", 84.0),
        ("6m", 365.2425 / 2),
        ("2y", 2 * 365.2425),
        ("1.5y", 1.5 * 365.2425),
        ("90 days", 90.0),
        ("1 week", 7.0),
        (" 3M ", 3 * 365.2425 / 12),
    ],
)
def test_half_life_units(text: str, days: float) -> None:
    assert parse_half_life(text).days == pytest.approx(days)


def test_twelve_months_are_a_year() -> None:
    assert parse_half_life("12m").days == pytest.approx(parse_half_life("1y").days)


@pytest.mark.parametrize("text", ["", "90", "d", "90q", "ninety days", "-3d", "3d4", "1e3d"])
def test_half_life_refused_with_its_value(text: str) -> None:
    with pytest.raises(QueryError) as err:
        parse_half_life(text)
    assert str(err.value) == f"recency must be a half-life such as 90d, 12w, 6m or 2y, not {text!r}"


@pytest.mark.parametrize("text", ["0d", "0.0y", "1001y"])
def test_half_life_out_of_range(text: str) -> None:
    with pytest.raises(QueryError) as err:
        parse_half_life(text)
    assert str(err.value) == f"recency half-life must be more than 0 days and at most 1000 years, not {text!r}"


# -- the decay -----------------------------------------------------------------


def _day(text: str) -> int:
    return date.fromisoformat(text).toordinal()


def test_decay_halves_per_half_life_from_the_newest_article() -> None:
    newest, oldest = _day("1987-10-20"), _day("1987-02-26")
    reference = Reference.of(np.array([oldest, newest, 0, _day("1987-05-01")]))
    assert reference == Reference(newest, oldest)
    days = np.array([newest, newest - 90, newest - 180, newest - 45, 0])
    got = factors(days, reference, HalfLife("90d", 90.0))
    # An undated article weighs as the oldest does: 236 days before the newest.
    expected = [1.0, 0.5, 0.25, 2**-0.5, 0.5 ** (236 / 90)]
    assert got.tolist() == pytest.approx(expected)
    assert newest - oldest == 236


def test_decay_without_dated_articles_changes_nothing() -> None:
    reference = Reference.of(np.array([0, 0]))
    assert reference == Reference(None, None)
    assert factors(np.array([0, 0]), reference, HalfLife("1y", 365.2425)).tolist() == [1.0, 1.0]
    assert "no article is dated" in reference.describe(HalfLife("1y", 365.2425))


# -- JLH -------------------------------------------------------------------------


def test_jlh_as_elasticsearch_defines_it() -> None:
    # The reference's example: "H5N1" in 4 of 100 results, 5 of 10 million articles.
    fg_pct, bg_pct = 4 / 100, 5 / 10_000_000
    assert jlh(np.array([4]), 100, np.array([5]), 10_000_000)[0] == pytest.approx((fg_pct - bg_pct) * fg_pct / bg_pct)
    # No rise in share: 0; a background count of 0 counts as 1.
    assert jlh(np.array([1, 2, 3]), 10, np.array([10, 20, 0]), 100).tolist() == pytest.approx(
        [0.0, 0.0, (0.3 - 0.01) * 30]
    )
    assert jlh(np.array([1]), 0, np.array([1]), 10).tolist() == [0.0]


# -- the vocabulary's counts ---------------------------------------------------------


def test_field_postings_equal_the_contract_reader(ix: SearchIndex) -> None:
    _, cache = ix._current()
    for leaf, _ in cache.arrays.leaves:
        texts, counts, ids = field_postings(leaf, "words")
        assert len(texts) == len(counts) and int(counts.sum()) == len(ids)
        at = 0
        for btext, n in zip(texts, counts.tolist(), strict=True):
            assert ids[at : at + n].tolist() == term_postings(leaf, "words", btext)[0].tolist(), btext
            at += n


@pytest.mark.parametrize("codec", ["searchkit", "w3"])
def test_field_postings_of_many_blocks_and_of_whooshs_codec(tmp_path: Path, codec: str) -> None:
    from whoosh import index as whoosh_index
    from whoosh.codec.whoosh3 import W3Codec

    from searchkit.bulkwriter import BulkWriter
    from searchkit.codec import SearchkitCodec
    from searchkit.schema import build_schema
    from searchkit.storage import INDEX_NAME

    from .conftest import write_library

    w3ix = whoosh_index.create_in(str(tmp_path), build_schema(), indexname=INDEX_NAME)
    # Blocks of 2 postings: every word of three articles or more spans several.
    writer = (
        BulkWriter(w3ix, codec=SearchkitCodec(blocklimit=2)) if codec == "searchkit" else w3ix.writer(codec=W3Codec())
    )
    write_library(writer)
    with w3ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            texts, counts, ids = field_postings(leaf, "words")
            assert texts == list(leaf.lexicon("words")) and max(counts.tolist()) >= 5
            at = 0
            for btext, n in zip(texts, counts.tolist(), strict=True):
                assert ids[at : at + n].tolist() == term_postings(leaf, "words", btext)[0].tolist(), btext
                at += n
            if codec == "searchkit":
                expected = [
                    (b, ti.doc_frequency(), -1 if ti.is_inlined() else ti.extent()[0])  # -1: held by the dictionary
                    for b, ti in leaf.iter_field("words")
                ]
                assert [entry[:3] for entry in _dictionary(leaf, "words")] == expected


def test_vocabulary_rows_are_each_articles_words(ix: SearchIndex) -> None:
    from searchkit.spelling import vocabulary

    searcher, cache = ix._current()
    vocab = Vocabulary(cache.arrays)
    assert not STOPWORDS & set(vocab.words)
    assert vocab.words == sorted(vocab.words)
    for docnum in cache.arrays.live_ids.tolist():
        stored = searcher.stored_fields(docnum)
        words = set(vocabulary(f"{stored['headline']}\n{stored['body']}").split()) - STOPWORDS
        assert {vocab.words[i] for i in vocab.row(docnum).tolist()} == words, stored["id"]


# -- compared timelines ----------------------------------------------------------------


def test_comparison_puts_every_series_on_the_same_periods() -> None:
    days = [_day(d) for d in ("1987-01-05", "1987-03-02", "1987-03-20", "1987-06-01", "1987-07-09")] + [0]
    every = range(len(days))
    cmp = build_comparison(["a", "b", "c"], "month", [[0, 2], [3, 5], []], days, every)
    assert [t.query for t in cmp.series] == ["a", "b", "c"]
    periods = [b.period for b in cmp.periods]
    # January (a's first) to June (b's last); February and May have no articles.
    assert periods == ["1987-01", "1987-03", "1987-06"]
    assert all([b.period for b in t.buckets] == periods for t in cmp.series)
    assert [b.hits for b in cmp.series[0].buckets] == [1, 1, 0]
    assert [b.hits for b in cmp.series[1].buckets] == [0, 0, 1]
    assert [b.hits for b in cmp.series[2].buckets] == [0, 0, 0]
    assert [b.articles for b in cmp.series[2].buckets] == [1, 2, 1]
    assert [(t.undated, t.total) for t in cmp.series] == [(0, 2), (1, 2), (0, 0)]
    # Each series counts what its own timeline counts, inside the shared periods.
    alone = build_timeline("a", "month", [0, 2], days, every)
    assert [(b.period, b.hits, b.articles) for b in alone.buckets] == [
        (b.period, b.hits, b.articles) for b in cmp.series[0].buckets if b.hits or b.period <= "1987-03"
    ]


def test_comparison_without_dated_hits() -> None:
    cmp = build_comparison(["a", "b"], "year", [[1], []], [_day("1987-01-05"), 0], range(2))
    assert cmp.periods == () and [(t.undated, t.total) for t in cmp.series] == [(1, 1), (0, 0)]


# -- recency through the API, CLI and web ---------------------------------------------


def _expected_recency(ix: SearchIndex, q: str, days: float, **options: object) -> list[tuple[str, float]]:
    """The recency order computed from the plain search's scores and the
    hits' dates: score x 0.5^(age / half-life), age from the index's newest
    article, an undated hit as old as the oldest."""
    stats = ix.stats()
    assert stats.first_date and stats.last_date
    newest, oldest = stats.last_date.toordinal(), stats.first_date.toordinal()
    plain = ix.search(q, limit=50, **options)  # type: ignore[arg-type]
    weighed = []
    for hit in plain.hits:
        assert hit.score is not None
        age = newest - (hit.date.toordinal() if hit.date else oldest)
        weighed.append((hit.id, hit.score * 0.5 ** (age / days)))
    return sorted(weighed, key=lambda pair: -pair[1])


@pytest.mark.parametrize(
    ("q", "half_life", "days", "options"),
    [
        ("missile", "20y", 20 * 365.2425, {}),
        ("missile", "10y", 10 * 365.2425, {"exclude_sources": ["kyodo"]}),
        ("missile defense", "26w", 26 * 7, {}),
        ("radar OR satellite", "60m", 5 * 365.2425, {}),
    ],
)
def test_recency_order_recomputed_from_scores_and_dates(
    ix: SearchIndex, q: str, half_life: str, days: float, options: dict[str, object]
) -> None:
    expected = _expected_recency(ix, q, days, **options)
    found = ix.search(q, limit=50, recency=half_life, **options)  # type: ignore[arg-type]
    assert [h.id for h in found.hits] == [i for i, _ in expected]
    assert [h.score for h in found.hits] == pytest.approx([s for _, s in expected], abs=1e-4)
    # Neither the plain order nor the date order: the test can tell them apart.
    assert [h.id for h in found.hits] != [h.id for h in ix.search(q, limit=50, **options).hits]  # type: ignore[arg-type]


def test_recency_changes_order_only(ix: SearchIndex) -> None:
    plain = ix.search("missile", limit=50, facets=True)
    weighed = ix.search("missile", limit=50, facets=True, recency="1y")
    assert weighed.total == plain.total and weighed.facets == plain.facets
    assert sorted(h.id for h in weighed.hits) == sorted(h.id for h in plain.hits)
    for sort in ("newest", "oldest"):
        assert ix.search("missile", sort=sort, recency="1y").hits == ix.search("missile", sort=sort).hits
    # The undated article weighs as the oldest one (04, 1987-01-27): the same factor.
    by_id = {h.id: h.score for h in ix.search("missile", limit=50, recency="20y").hits}
    plain_by_id = {h.id: h.score for h in plain.hits}
    factor = by_id["04_reuters_union"] / plain_by_id["04_reuters_union"]
    assert by_id["05_undated_interceptor"] / plain_by_id["05_undated_interceptor"] == pytest.approx(factor, rel=2e-3)


def test_recency_same_on_the_whoosh_path(ix: SearchIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    from searchkit import executor

    engine = ix.search("missile", limit=5, offset=1, recency="20y")
    monkeypatch.setattr(executor, "_matches", lambda cache, built: None)
    whoosh = ix.search("missile", limit=5, offset=1, recency="20y")
    assert [(h.id, h.score) for h in whoosh.hits] == [(h.id, h.score) for h in engine.hits]
    assert whoosh.total == engine.total


def test_recency_explained(ix: SearchIndex) -> None:
    line = (
        "recency: score × 0.5^(age / 2y (730.5 days)), age in days before 2013-12-03 (the newest article); "
        "undated articles as old as the oldest (1987-01-27)"
    )
    assert line in ix.build("missile", recency="2y").explain().splitlines()
    assert ix.build("missile", recency="90d").as_dict()["recency"].startswith("score × 0.5^(age / 90 days)")
    assert ix.build("missile", recency="2y", sort="newest").explain().endswith("; not applied: sorted newest first")
    assert ix.build("missile").as_dict()["recency"] is None
    assert ix.search("missile", recency="2y").explain.splitlines()[-1] == line


def test_recency_errors(ix: SearchIndex, library_dir: Path) -> None:
    from click.testing import CliRunner
    from starlette.testclient import TestClient

    from searchkit.cli import cli
    from searchkit.web import create_app

    with pytest.raises(QueryError, match=r"^recency must be a half-life such as 90d, 12w, 6m or 2y, not 'soon'$"):
        ix.search("missile", recency="soon")
    result = CliRunner().invoke(cli, ["-i", str(library_dir), "search", "missile", "--recency", "soon"])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "Error: Invalid value for '--recency': recency must be a half-life such as 90d, 12w, 6m or 2y, not 'soon'"
    )
    web = TestClient(create_app(ix), base_url="http://localhost")
    response = web.get("/api/search", params={"q": "missile", "recency": "0d"})
    assert response.status_code == 400
    assert response.json() == {"error": "recency half-life must be more than 0 days and at most 1000 years, not '0d'"}


def test_recency_on_the_search_page(ix: SearchIndex) -> None:
    from starlette.testclient import TestClient

    from searchkit.web import create_app

    web = TestClient(create_app(ix), base_url="http://localhost")
    page = web.get("/", params={"q": "missile", "recency": "20y"}).text
    assert 'name="recency" value="20y"' in page
    # The page lists the hits in the API's order, and its links keep the weighting.
    first = ix.search("missile", recency="20y").hits[0]
    assert page.index(first.id) < page.index(ix.search("missile").hits[0].id)
    assert "recency=20y" in page


# -- significant terms, recomputed from the articles' texts ------------------------------


def _text_words(ix: SearchIndex, article_id: str) -> set[str]:
    """An article's counted words, from its text with a regex of our own:
    runs of letters, lowercased, two or more, not stopwords."""
    article = ix.get(article_id)
    words = re.findall(r"[^\W\d_]+", f"{article.headline}\n{article.body}".lower())
    return {w for w in words if len(w) > 1} - STOPWORDS


def _expected_terms(
    ix: SearchIndex, q: str, min_count: int, limit: int, **options: object
) -> list[tuple[str, int, int, float]]:
    fg_ids = [h.id for h in ix.search(q, limit=1000, **options).hits]  # type: ignore[arg-type]
    all_copies = bool(options.get("all_copies"))
    bg_ids = [h.id for h in ix.search("*", limit=1000, all_copies=all_copies).hits]
    fg = Counter(w for i in fg_ids for w in _text_words(ix, i))
    bg = Counter(w for i in bg_ids for w in _text_words(ix, i))
    rows = []
    for word, n in fg.items():
        p, r = n / len(fg_ids), bg[word] / len(bg_ids)
        if n >= min_count and p > r:
            rows.append((word, n, bg[word], (p - r) * (p / r)))
    rows.sort(key=lambda row: (-row[3], -row[1], row[0]))
    return rows[:limit]


@pytest.mark.parametrize(
    ("q", "min_count", "options"),
    [
        ("korea", 2, {}),
        ("missile", 2, {"since": "2013"}),
        ("reported", 2, {"sources": ["tass", "yonhap"]}),
        ("radar OR satellite", 2, {}),
        ("*", 2, {"until": "1987"}),
    ],
)
def test_terms_are_jlh_of_counts_from_the_texts(
    ix: SearchIndex, q: str, min_count: int, options: dict[str, object]
) -> None:
    expected = _expected_terms(ix, q, min_count, 10, **options)
    found = ix.terms(q, min_count=min_count, limit=10, **options)  # type: ignore[arg-type]
    assert [(t.term, t.foreground, t.background) for t in found.terms] == [row[:3] for row in expected]
    assert [t.score for t in found.terms] == pytest.approx([row[3] for row in expected])
    assert found.foreground == ix.search(q, limit=0, **options).total  # type: ignore[arg-type]
    assert found.background == len(ix) and found.statistic == "jlh" and found.min_count == min_count
    assert len(found.terms) > 1


def test_terms_leave_out_numbers_stopwords_and_rare_words(ix: SearchIndex) -> None:
    found = ix.terms("*", since="2013", min_count=1, limit=1000)
    words = {t.term for t in found.terms}
    assert words and all(w.isalpha() and len(w) > 1 for w in words)
    assert not words & STOPWORDS and "the" not in words
    assert all(t.foreground >= 2 for t in ix.terms("*", since="2013", limit=1000, min_count=2).terms)
    # The whole index against itself: nothing stands out.
    assert ix.terms("*").terms == ()
    assert ix.terms("nosuchword").foreground == 0
    assert ix.terms("korea", limit=0).terms == ()


def test_terms_count_near_duplicates_once(syndicated: tuple[SearchIndex, Path]) -> None:
    ix, _ = syndicated  # two later copies of 02_kyodo_radar
    folded = ix.terms("radar", min_count=1, limit=1000)
    every = ix.terms("radar", min_count=1, limit=1000, all_copies=True)
    assert (folded.foreground, folded.background) == (3, 9)
    assert (every.foreground, every.background) == (5, 11)
    # "prefecture" is in 02 alone, and so in its copies.
    assert dict((t.term, t.foreground) for t in every.terms)["prefecture"] == 3
    assert dict((t.term, t.foreground) for t in folded.terms)["prefecture"] == 1
    for found, copies in ((folded, False), (every, True)):
        expected = _expected_terms(ix, "radar", 1, 1000, all_copies=copies)
        assert [(t.term, t.foreground, t.background) for t in found.terms] == [row[:3] for row in expected]
    assert ix.terms("*", min_count=1).terms == () == ix.terms("*", min_count=1, all_copies=True).terms


def test_terms_command(ix: SearchIndex, library_dir: Path) -> None:
    from click.testing import CliRunner
    from starlette.testclient import TestClient

    from searchkit import render
    from searchkit.cli import cli
    from searchkit.web import create_app

    runner = CliRunner()
    where = ["-i", str(library_dir), "terms"]
    out = runner.invoke(cli, [*where, "korea", "--min-count", "2", "--limit", "3"]).stdout
    assert out == (
        "3 significant terms of 3 results against 9 articles (JLH; in at least 2 results)\n"
        "\n"
        "term      results  index   score\n"
        "korea           3      3  2.0000\n"
        "military        3      3  2.0000\n"
        "seoul           3      3  2.0000\n"
    )
    as_json = runner.invoke(cli, [*where, "korea", "--min-count", "2", "--format", "json"]).stdout
    assert json.loads(as_json) == render.terms_document(ix.terms("korea", min_count=2))
    web = TestClient(create_app(ix), base_url="http://localhost")
    assert web.get("/api/terms", params={"q": "korea", "min_count": "2"}).text == as_json
    csv_out = runner.invoke(cli, [*where, "korea", "--since", "1987", "--min-count", "1", "--format", "csv"]).stdout
    rows = csv_out.splitlines()
    assert rows[0] == "term,foreground,background,score" and len(rows) > 2
    assert runner.invoke(cli, [*where, "nosuchword"]).stdout == "No results.\n"
    bad = runner.invoke(cli, [*where, "korea", "--min-count", "0"])
    assert bad.exit_code == 2
    assert bad.stderr.splitlines()[-1] == "Error: Invalid value for '--min-count': 0 is not in the range x>=1."
    empty = runner.invoke(cli, [*where, " "])
    assert (empty.exit_code, empty.stderr.splitlines()[-1]) == (
        2,
        "Error: QUERY is empty: give words to search for, or * for every article",
    )
    assert web.get("/api/terms", params={"q": "korea", "min_count": "0"}).json() == {
        "error": "min_count must be at least 1, not 0"
    }


# -- compared timelines through the API and CLI -----------------------------------------------


def test_timelines_share_periods_and_count_as_timeline(ix: SearchIndex) -> None:
    queries = ["radar", "treaty", "korea"]
    cmp = ix.timelines(queries, by="month")
    assert [t.query for t in cmp.series] == queries
    periods = [b.period for b in cmp.periods]
    assert periods == ["1987-06", "2013-10", "2013-11", "2013-12"]
    for t in cmp.series:
        assert [b.period for b in t.buckets] == periods
        alone = {b.period: (b.hits, b.articles) for b in ix.timeline(t.query, by="month").buckets}
        for b in t.buckets:
            assert (b.hits, b.articles) == alone.get(b.period, (0, b.articles))
        assert t.total == ix.timeline(t.query, by="month").total
    filtered = ix.timelines(queries, by="year", sources=["tass"])
    assert [[b.hits for b in t.buckets] for t in filtered.series] == [[0], [1], [0]]
    with pytest.raises(QueryError, match="unknown period 'fortnight'"):
        ix.timelines(queries, by="fortnight")


def test_timeline_compare_command(ix: SearchIndex, library_dir: Path) -> None:
    from click.testing import CliRunner

    runner = CliRunner()
    where = ["-i", str(library_dir), "timeline", "radar", "--compare", "treaty", "--by", "year"]
    out = runner.invoke(cli_command(), [*where]).stdout
    assert out == (
        "1987  radar   ████████████████████ 1\n"
        "      treaty   0\n"
        "…     (25 years without hits)\n"
        "2013  radar   ████████████████████████████████████████ 2\n"
        "      treaty  ████████████████████████████████████████ 2\n"
    )
    shares = runner.invoke(cli_command(), [*where, "--normalize"]).stdout.splitlines()
    # One scale for all series: the largest share (50%) fills the bar.
    assert shares[0] == "1987  radar   " + "█" * 20 + "  25.0% (1/4)"
    assert shares[-1] == "      treaty  " + "█" * 40 + "  50.0% (2/4)"
    doc = json.loads(runner.invoke(cli_command(), [*where, "--format", "json"]).stdout)
    assert doc["queries"] == ["radar", "treaty"] and doc["by"] == "year"
    assert [[p["period"] for p in s["periods"]] for s in doc["series"]] == [["1987", "2013"], ["1987", "2013"]]
    assert [s["periods"][1]["share"] for s in doc["series"]] == [0.5, 0.5]
    rows = runner.invoke(cli_command(), [*where, "--format", "csv"]).stdout.splitlines()
    assert rows == [
        "query,period,start,hits,articles,share",
        "radar,1987,1987-01-01,1,4,0.25",
        "radar,2013,2013-01-01,2,4,0.5",
        "treaty,1987,1987-01-01,0,4,0.0",
        "treaty,2013,2013-01-01,2,4,0.5",
    ]
    bad = runner.invoke(cli_command(), [*where, "--compare", ""])
    assert (bad.exit_code, bad.stderr.splitlines()[-1]) == (
        2,
        "Error: QUERY is empty: give words to search for, or * for every article",
    )


def test_timeline_compare_on_the_web_is_the_cli_document(ix: SearchIndex, library_dir: Path) -> None:
    from click.testing import CliRunner
    from starlette.testclient import TestClient

    from searchkit.web import create_app

    web = TestClient(create_app(ix), base_url="http://localhost")
    where = ["-i", str(library_dir), "timeline", "radar", "--by", "year", "--format", "json"]
    compared = CliRunner().invoke(cli_command(), [*where, "--compare", "treaty", "--compare", "korea"]).stdout
    params = [("q", "radar"), ("by", "year"), ("compare", "treaty"), ("compare", "korea")]
    assert web.get("/api/timeline", params=params).text == compared
    assert json.loads(compared)["queries"] == ["radar", "treaty", "korea"]
    # A blank compare (an empty form field) adds no series: the single timeline's document.
    alone = CliRunner().invoke(cli_command(), where).stdout
    assert web.get("/api/timeline", params=[("q", "radar"), ("by", "year"), ("compare", " ")]).text == alone
    bad = web.get("/api/timeline", params=[("q", "radar"), ("by", "fortnight"), ("compare", "treaty")])
    assert (bad.status_code, bad.json()) == (400, {"error": "unknown period 'fortnight': use one of day, week, month, year"})


def cli_command() -> Any:
    from searchkit.cli import cli

    return cli


@pytest.mark.parametrize(
    ("command", "wanted"),
    [
        (["search"], ["--recency HALF_LIFE", "searchkit search 'missile defense' --recency 2y"]),
        (["terms"], ["Example:", "searchkit terms '\"missile defense\"' --since 2013", "--min-count"]),
        (["timeline"], ["--compare QUERY", "searchkit timeline radar --compare satellite"]),
    ],
)
def test_help_shows_an_example(command: list[str], wanted: list[str]) -> None:
    from click.testing import CliRunner

    out = CliRunner().invoke(cli_command(), [*command, "--help"]).stdout
    for text in wanted:
        assert text in out


@pytest.mark.slow
def test_benchmark_runs(library_dir: Path) -> None:
    import subprocess
    import sys

    from .conftest import ROOT

    cmd = [sys.executable, str(ROOT / "benchmarks" / "analyst.py"), "--index", str(library_dir), "--rounds", "1"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("9 articles, 20 words x 1 rounds")
    assert [line.split()[0] for line in lines[-4:-1]] == ["plain", "search", "terms"]

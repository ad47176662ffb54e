"""Recency weighting, significant terms and compared timelines (issue 19).

Each figure is checked against one computed here independently: decay
factors from dates by hand, JLH from counts taken from the articles' own
texts, series from per-query timelines.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

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

    from searchkit import duplicates
    from searchkit.articles import read_file, walk
    from searchkit.bulkwriter import BulkWriter
    from searchkit.codec import SearchkitCodec
    from searchkit.indexer import _document
    from searchkit.schema import build_schema
    from searchkit.storage import INDEX_NAME

    from .conftest import LIBRARY, ROOT

    w3ix = whoosh_index.create_in(str(tmp_path), build_schema(), indexname=INDEX_NAME)
    # Blocks of 2 postings: every word of three articles or more spans several.
    writer = (
        BulkWriter(w3ix, codec=SearchkitCodec(blocklimit=2)) if codec == "searchkit" else w3ix.writer(codec=W3Codec())
    )
    for item in walk([ROOT / "corpus", LIBRARY]):
        if isinstance(item, Path):
            for loaded in read_file(item).loaded:
                a = loaded.article
                writer.add_document(**_document(a, "d", 0, duplicates.sketch(a.body)))
    writer.commit()
    with w3ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            texts, counts, ids = field_postings(leaf, "words")
            assert texts == list(leaf.lexicon("words")) and max(counts.tolist()) >= 5
            at = 0
            for btext, n in zip(texts, counts.tolist(), strict=True):
                assert ids[at : at + n].tolist() == term_postings(leaf, "words", btext)[0].tolist(), btext
                at += n
            if codec == "searchkit":
                expected = [(b, ti.doc_frequency(), ti.extent()[0]) for b, ti in leaf.iter_field("words")]
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

"""BM25F over headline and body: each query word scored as one combined field."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from searchkit import SearchIndex, ranking, storage

ARTICLES = [
    # Same lengths: "radar" once, in the headline of one, the body of the other.
    {"id": "in-headline", "headline": "Radar deal signed", "body": "Officials met on Monday to sign the agreement."},
    {"id": "in-body", "headline": "Deal signed today", "body": "Officials met on Monday to sign the radar."},
    # In both fields, with a longer body.
    {
        "id": "in-both",
        "headline": "New radar for Japan",
        "body": "Japan will buy a radar. The radar covers the sea of Japan and the strait beyond it.",
    },
    {"id": "other", "headline": "Talks resume", "body": "Negotiators met again in Geneva on Tuesday."},
]


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    root = tmp_path_factory.mktemp("ranking")
    src = root / "articles.jsonl"
    src.write_text("".join(json.dumps(a) + "\n" for a in ARTICLES), encoding="utf-8")
    ix = SearchIndex(root / "index", create=True)
    ix.update([src])
    return ix


def scores(ix: SearchIndex, q: str, **options: object) -> dict[str, float]:
    return {h.id: h.score for h in ix.search(q, limit=10, all_copies=True, **options).hits}  # type: ignore[arg-type]


def test_the_headline_weighs_more_than_the_body(small: SearchIndex) -> None:
    got = scores(small, "radar")
    assert got["in-headline"] > got["in-body"]


def expected_bm25f(index_dir: Path, article_id: str, text: str, knobs: ranking.Ranking = ranking.DEFAULT) -> float:
    """The BM25F formula worked out from the index's own statistics."""
    boosts = knobs.field_boosts()
    with storage.open_index(index_dir).searcher() as s:
        docnum = s.document_number(id=article_id)
        total = s.doc_count_all()
        df = max(s.doc_frequency(f, text) for f in boosts)
        idf = math.log(1 + (total - df + 0.5) / (df + 0.5))
        tf = 0.0
        for name, weight in boosts.items():
            if (name, text) not in s.reader():
                continue
            postings = s.postings(name, text)
            while postings.is_active() and postings.id() < docnum:
                postings.next()
            if postings.is_active() and postings.id() == docnum:
                tf += weight * postings.weight()
        length = sum(w * s.doc_field_length(docnum, f, 0) for f, w in boosts.items())
        avg = sum(w * s.avg_field_length(f) for f, w in boosts.items())
    k1, b = knobs.k1, knobs.b
    norm = k1 * (1 - b + b * length / avg)
    return idf * tf * (k1 + 1) / (tf + norm)


@pytest.mark.parametrize("article_id", ["in-headline", "in-body", "in-both"])
def test_each_word_is_scored_as_one_weighted_field(small: SearchIndex, article_id: str) -> None:
    # One saturation over the weighted sum of the fields' term frequencies,
    # not one BM25 per field added up (Whoosh's BM25F), which paid a word in
    # both fields its idf twice.
    got = scores(small, "radar")[article_id]
    assert got == pytest.approx(expected_bm25f(small.path, article_id, "radar"), abs=1e-4)  # hits round to 4 places


OTHER = ranking.Ranking(headline_boost=3.5, body_boost=1.0, k1=1.2, b=0.3)


@pytest.mark.parametrize("article_id", ["in-headline", "in-body", "in-both"])
def test_a_ranking_passed_to_the_index_reaches_both_scoring_paths(small: SearchIndex, article_id: str) -> None:
    # Passed down, not patched: the engine and Whoosh's matchers both score
    # with the knobs of SearchIndex(path, ranking=...), and the default
    # index beside it is untouched.
    tuned = SearchIndex(small.path, ranking=OTHER)
    try:
        want = expected_bm25f(small.path, article_id, "radar", OTHER)
        assert scores(tuned, "radar")[article_id] == pytest.approx(want, abs=1e-4)
        assert want != pytest.approx(expected_bm25f(small.path, article_id, "radar"), abs=1e-3)
        assert scores(small, "radar")[article_id] == pytest.approx(
            expected_bm25f(small.path, article_id, "radar"), abs=1e-4
        )
        built = tuned.build("radar")
        with storage.open_index(small.path).searcher(weighting=OTHER.weighting()) as s:
            found = s.search(built.query, limit=10)
            by_whoosh = {s.stored_fields(found.docnum(i))["id"]: found.score(i) for i in range(len(found))}
        assert by_whoosh[article_id] == pytest.approx(want, abs=1e-4)
    finally:
        tuned.close()


def test_a_word_asked_twice_scores_twice(small: SearchIndex) -> None:
    once, twice = scores(small, "radar"), scores(small, "radar radar")
    assert twice == pytest.approx({k: 2 * v for k, v in once.items()}, abs=2e-4)


def test_words_joined_with_or_are_each_one_unit(small: SearchIndex) -> None:
    got = scores(small, "radar OR japan", any_words=True)
    assert got["in-both"] == pytest.approx(
        expected_bm25f(small.path, "in-both", "radar") + expected_bm25f(small.path, "in-both", "japan"), abs=1e-4
    )
    assert set(got) == {"in-headline", "in-body", "in-both"}


def test_fielded_words_and_phrases_still_match(small: SearchIndex) -> None:
    assert set(scores(small, "headline:radar")) == {"in-headline", "in-both"}
    assert set(scores(small, '"the radar"')) == {"in-body", "in-both"}
    assert set(scores(small, "body:radar NOT japan")) == {"in-body"}


def test_similar_articles_use_the_same_scoring(small: SearchIndex) -> None:
    hits = small.similar("in-headline").hits
    assert hits and hits[0].id in {"in-body", "in-both"}


def test_whoosh_own_collector_can_prune_combined_words(tmp_path: Path) -> None:
    # Whoosh's top-N collector, once its heap is full, asks the matchers of
    # an OR/AND for their best possible score (max_quality) to drop those
    # that cannot make the page; similar() runs through that collector.
    src = tmp_path / "many.jsonl"
    rows = [
        {"id": f"a{i}", "headline": f"Radar report {i}", "body": "radar " * (i % 7 + 1) + f"japan deal number {i}."}
        for i in range(60)
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ix = SearchIndex(tmp_path / "index", create=True)
    ix.update([src])
    for text in ("radar japan deal", "radar OR japan OR deal"):
        query = ix.build(text).query
        with storage.open_index(ix.path).searcher(weighting=ranking.DEFAULT.weighting()) as s:
            pruned = s.search(query, limit=3)
            ids = [s.stored_fields(pruned.docnum(i))["id"] for i in range(3)]
        assert ids == [h.id for h in ix.search(text, limit=3, all_copies=True).hits]
    assert len(ix.similar("a5", limit=2).hits) == 2
    # Did-you-mean counts what the corrected query finds through it as well.
    assert ix.search("radar japen deal").suggestion == "radar japan deal"

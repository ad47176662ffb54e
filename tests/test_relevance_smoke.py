"""benchmarks/relevance.py: its metrics, its loaders and one tiny end-to-end ranking.

The ranking figures themselves are what the benchmark reports (BENCHMARKS.md),
not something CI gates on.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks import relevance as rel

from .conftest import shared_path


def test_average_precision() -> None:
    # Relevant a and b found at ranks 1 and 3: (1/1 + 2/3) / 2.
    assert rel.average_precision(["a", "x", "b"], {"a": 1, "b": 1, "y": 0}) == pytest.approx(5 / 6)
    assert rel.average_precision(["x"], {"a": 1}) == 0.0
    assert rel.average_precision(["x"], {}) == 0.0


def test_ndcg_uses_graded_gains() -> None:
    judged = {"a": 4, "b": 1}
    assert rel.ndcg_at(["a", "b"], judged) == pytest.approx(1.0)
    swapped = (1 + 4 / 1.584962500721156) / (4 + 1 / 1.584962500721156)
    assert rel.ndcg_at(["b", "a"], judged) == pytest.approx(swapped)


def test_precision_at_ten() -> None:
    assert rel.precision_at(["a", "b", "c"], {"a": 1, "c": 2}) == pytest.approx(0.2)


def test_query_words_drop_syntax_and_keep_repeats() -> None:
    assert rel.query_words("What is NOT known: flow AND flow?") == ["What", "is", "known", "flow", "flow"]


def test_knobs_parse() -> None:
    assert rel.Setting.parse("2,1.5,0.8") == rel.Setting(2.0, 1.5, 0.8)
    with pytest.raises(argparse.ArgumentTypeError, match="HB,K1,B"):
        rel.Setting.parse("2,1.5")


@pytest.mark.parametrize(("name", "docs", "queries"), [("cranfield", 1398, 225), ("cisi", 1460, 76)])
def test_collections_load_with_their_judged_queries(name: str, docs: int, queries: int) -> None:
    shared_path("relevance", name)  # skips without the shared data
    coll = rel.LOADERS[name]()
    assert (len(coll.docs), len(coll.queries)) == (docs, queries)
    # Judgments name documents by the same ids the documents carry; only
    # Cranfield 995, which has no text at all, cannot be indexed.
    judged_docs = {d for q in coll.queries for d in coll.qrels[q]}
    assert judged_docs - {d.id for d in coll.docs} <= {"995"}


def test_cranfield_query_numbering_trap() -> None:
    # cran.qry numbers queries 001, 002, 004, ...; cranqrel numbers them 1..225
    # in file order, so judged query "3" is the one the file calls 004.
    shared_path("relevance", "cranfield")
    coll = rel.load_cranfield()
    assert coll.queries["3"].startswith("what problems of heat conduction in composite slabs")
    assert "486" not in coll.qrels["1"]  # grade -1: query 1's source document, not relevant


@pytest.fixture()
def knobs_restored() -> Iterator[None]:
    yield
    rel.apply(rel.Setting.current())


def test_a_tiny_collection_end_to_end(tmp_path: Path, knobs_restored: None) -> None:
    coll = rel.Collection(
        "tiny",
        [
            rel.Doc("1", "Boundary layer flow", "Measurements of the boundary layer on a flat plate."),
            rel.Doc("2", "Shock waves", "Shock waves in supersonic flow over a wedge."),
            rel.Doc("3", "Heat transfer", "Heat transfer to a cylinder in hypersonic flow."),
        ],
        {"q1": "boundary layer on a plate"},
        {"q1": {"1": 1}},
        graded=False,
    )
    rel.apply(rel.Setting(2.0, 2.0, 0.75))
    rank, close = rel.searchkit_ranker(rel.searchkit_index(coll, tmp_path))
    try:
        searchkit = rel.evaluate(coll, rank)
    finally:
        close()
    fts5 = rel.evaluate(coll, rel.fts5_ranker(coll))
    assert searchkit.map == fts5.map == 1.0

"""The query path's shortcuts give what the long way gives: stored fields
read straight from the columns, hits built without an Article, snippets
from sentences found around the matches."""

from __future__ import annotations

import mmap

import pytest

from searchkit import SearchIndex
from searchkit.results import Hit, article_from_stored, hit_from_stored
from searchkit.searcher_data import StoredReader

from .conftest import LIBRARY, ROOT


@pytest.fixture(scope="module")
def two_segments(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    """The library in one index run, the shipped corpus in a second: two segments."""
    ix = SearchIndex(tmp_path_factory.mktemp("two") / "index", create=True)
    ix.update([LIBRARY])
    ix.update([LIBRARY, ROOT / "corpus"])
    return ix


def test_stored_reader_reads_what_whoosh_reads(two_segments: SearchIndex) -> None:
    searcher, _ = two_segments._current()
    assert len(list(searcher.reader().leaf_readers())) >= 2
    read = StoredReader(searcher)
    assert read._parts is not None, "the direct read fell back to Whoosh's"
    assert all(type(part[0]) is mmap.mmap for part in read._parts), "a column was read by seek and read"
    docnums = range(searcher.reader().doc_count_all())
    assert len(docnums) > 8
    for docnum in docnums:
        assert read(docnum) == searcher.stored_fields(docnum)


def test_stored_reader_leaves_out_fields_the_schema_lacks(two_segments: SearchIndex) -> None:
    searcher, _ = two_segments._current()
    read = StoredReader(searcher)
    read._schema = {name: None for name in ("id", "headline")}  # type: ignore[assignment]
    read._names = frozenset(read._schema)
    assert set(read(0)) == {"id", "headline"}


def test_hit_from_stored_is_hit_of_the_article(two_segments: SearchIndex) -> None:
    searcher, _ = two_segments._current()
    rest = {"score": 1.5, "snippet": "s", "highlights": ((0, 1),), "copies": 2}
    for docnum in range(searcher.reader().doc_count_all()):
        stored = searcher.stored_fields(docnum)
        assert hit_from_stored(stored, **rest) == Hit.of(article_from_stored(stored), **rest)
    bare = {"id": "x"}  # every optional field absent
    assert hit_from_stored(bare, **rest) == Hit.of(article_from_stored(bare), **rest)


def test_search_reads_the_columns_directly(two_segments: SearchIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    _searcher, cache = two_segments._current()
    before = two_segments.search("missile", limit=50)

    def refuse(docnum: int) -> None:
        raise AssertionError("a hit read its fields through Whoosh")

    monkeypatch.setattr(cache.stored, "_whoosh", refuse)
    assert two_segments.search("missile", limit=50) == before
    assert before.total > 2


@pytest.mark.parametrize("any_words", [False, True])
def test_fast_terms_are_the_analyzers_terms(any_words: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    from searchkit import query as q
    from searchkit.ranking import DEFAULT
    from searchkit.schema import build_schema

    from .test_query_language import FAST_CASES

    schema = build_schema()
    assert q._standard_analyzer(schema)
    cases = [*FAST_CASES, "Rates RATES rated", "running runs ran", "A1 b22 C333"]
    fast = [q._fast_parse(text, schema, any_words, DEFAULT) for text in cases]
    monkeypatch.setattr(q, "_standard_analyzer", lambda schema: False)
    assert fast == [q._fast_parse(text, schema, any_words, DEFAULT) for text in cases]
    assert all(f is not None for f in fast)


def test_source_filters_keep_what_the_sources_postings_hold(two_segments: SearchIndex) -> None:
    import numpy as np

    from searchkit.query import Filters

    _searcher, cache = two_segments._current()
    ids = np.arange(cache.arrays.count, dtype=np.int64)
    keys = sorted(cache.source_names)
    assert len(keys) >= 3
    for i, key in enumerate(keys):
        group = frozenset(keys[i : i + 2])
        citing = set(cache.source_ids(group).tolist())
        keep = cache.mask(Filters(require=(group,)), ids)
        assert keep is not None and set(ids[keep].tolist()) == citing
        drop = cache.mask(Filters(exclude=frozenset([key])), ids)
        assert drop is not None and set(ids[~drop].tolist()) == set(cache.source_ids(frozenset([key])).tolist())


def test_filters_describe_their_query_as_describe_does() -> None:
    import itertools
    from datetime import date

    from searchkit.query import Filters
    from searchkit.querytext import describe

    dates = [(None, None), (date(1987, 3, 1), None), (None, date(1987, 4, 30)), (date(1, 1, 1), date.max)]
    requires = [(), (frozenset({"tass"}),), (frozenset({"xinhua", "kyodo"}), frozenset({"tass"}))]
    excludes = [frozenset(), frozenset({"yonhap"}), frozenset({"b", "a"})]
    for (since, until), require, exclude, after in itertools.product(dates, requires, excludes, [None, 0, 1700000000]):
        f = Filters(since, until, require, exclude, after)
        q = f.as_query()
        assert f.describe_query() == (None if q is None else describe(q)), f

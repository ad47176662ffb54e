"""The vectorized engine against Whoosh's own matchers: same documents, same scores."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from whoosh import query as wq
from whoosh import sorting

from searchkit import SearchIndex
from searchkit.engine import Unsupported, by_date, evaluate, top
from searchkit.neardup.fold import fold_copies, fold_watched, oldest_key

from .conftest import LIBRARY, write_library

QUERIES = [
    "radar",
    "missile defense",
    '"missile defense"',
    "radar OR satellite",
    "radar NOT satellite",
    "treaty NOT source:tass",
    "(geneva OR seoul) AND treaty",
    "headline:radar",
    "body:radar OR headline:missile",
    "telemet*",
    "telemtry~",
    "missil* defen*",
    '"fired missiles"~5',
    "x-band radar",
    "NOT radar",
    "radar^3 satellite",
    "missile missile defense",
    '"state of the union"',
    "radar ANDMAYBE satellite",
    "date:1987 OR radar",
    "u.s.",
    "tpy-2",
    "(missile OR radar) NOT (treaty OR geneva)",
]


def _whoosh(ix: SearchIndex, q: wq.Query) -> dict[int, float]:
    searcher, _ = ix._current()
    return {hit.docnum: hit.score for hit in searcher.search(q, limit=None, optimize=False)}


@pytest.mark.parametrize("text", QUERIES)
def test_same_documents_and_scores_as_whoosh(ix: SearchIndex, text: str) -> None:
    q = ix.build(text).query
    _, cache = ix._current()
    ids, scores, _ = evaluate(cache.arrays, q)
    assert list(ids) == sorted(ids)
    mine = dict(zip(ids.tolist(), scores.tolist(), strict=True))
    theirs = _whoosh(ix, q)
    assert set(mine) == set(theirs)
    for docnum, score in theirs.items():
        assert mine[docnum] == pytest.approx(score, rel=1e-12, abs=1e-12)


def test_the_table_matches_something(ix: SearchIndex) -> None:
    # The comparison above would pass on empty results: most queries must match.
    _, cache = ix._current()
    matched = [len(evaluate(cache.arrays, ix.build(t).query)[0]) for t in QUERIES]
    assert sum(1 for n in matched if n) >= len(QUERIES) - 2


def test_unsupported_shapes_fall_back_to_whoosh(ix: SearchIndex) -> None:
    _, cache = ix._current()
    scaled = wq.Or([wq.Term("body", "radar"), wq.Term("body", "satellit")], scale=0.5)
    with pytest.raises(Unsupported):
        evaluate(cache.arrays, scaled)
    # The search itself still answers, through Whoosh's matchers.
    built = ix.build("radar")
    import dataclasses

    from searchkit import executor
    from searchkit.options import SearchOptions

    fallback = executor.run(*ix._current(), dataclasses.replace(built, query=scaled), SearchOptions(suggest_spelling=False))
    assert fallback.total == len(_whoosh(ix, scaled)) > 0


def test_top_orders_by_score_then_docnum() -> None:
    ids = np.array([1, 2, 3, 4, 5, 6], dtype=np.int64)
    scores = np.array([1.0, 3.0, 2.0, 3.0, 2.0, 0.5])
    assert top(ids, scores, 3).tolist() == [1, 3, 2]
    assert top(ids, scores, 10).tolist() == [1, 3, 2, 4, 0, 5]
    assert top(ids, scores, 0).tolist() == []


def test_date_order_matches_whoosh_sorting(ix: SearchIndex) -> None:
    searcher, cache = ix._current()
    every = wq.Every()
    ids = cache.arrays.live_ids
    for newest, facet in (
        (True, sorting.FieldFacet("date", reverse=True)),
        (False, sorting.TranslateFacet(oldest_key, sorting.FieldFacet("date"))),
    ):
        theirs = [hit.docnum for hit in searcher.search(every, limit=None, sortedby=facet)]
        mine = ids[by_date(ids, cache.arrays.days, newest=newest, k=len(ids))].tolist()
        assert mine == theirs


def test_fold_copies_matches_the_set_version() -> None:
    rng = random.Random(5)
    for _ in range(200):
        n = rng.randrange(1, 40)
        groups = np.array([rng.choice([-1, -1, 0, 1, 2]) for _ in range(n)], dtype=np.int64)
        days = np.array([rng.choice([0, 5, 6, 7]) for _ in range(n)], dtype=np.int64)
        ids = np.array(sorted(rng.sample(range(n), rng.randrange(0, n + 1))), dtype=np.int64)
        keep, copies = fold_copies(ids, groups, days)
        watch = {d: str(groups[d]) for d in ids.tolist() if groups[d] >= 0}
        drop, expected = fold_watched([d for d in ids.tolist() if d in watch], watch, days)
        assert [d for d, k in zip(ids.tolist(), keep.tolist(), strict=True) if k] == [
            d for d in ids.tolist() if d not in drop
        ]
        assert copies == expected


def test_arrays_leave_out_deleted_documents(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(LIBRARY, corpus)
    ix = SearchIndex(tmp_path / "index", create=True)
    ix.update([corpus])
    before = ix.search("*", limit=0).total
    victim = sorted(p for p in corpus.rglob("*.txt"))[0]
    victim.unlink()
    ix.update([corpus])
    searcher, cache = ix._current()
    # The removed article is still in the segment, marked deleted.
    assert searcher.doc_count_all() > searcher.doc_count() == before - 1
    assert len(cache.arrays.live_ids) == searcher.doc_count()
    assert ix.search("*", limit=0).total == before - 1
    # Ids are found as Whoosh finds them, the deleted copy not at all.
    ids = {a for (a,) in ((f.get("id"),) for f in searcher.all_stored_fields()) if a}
    assert len(ids) > 5
    asked = [*ids, victim.stem, "no-such-id"]
    expected = [searcher.document_number(id=aid) for aid in asked]
    for aid, docnum in zip(asked, expected, strict=True):
        assert cache.arrays.first_lives("id", [aid]) == [docnum], aid
    assert cache.arrays.first_lives("id", asked) == expected
    # Terms of many postings read their postings.
    reader = searcher.reader()
    words = ["the", "said", "zzzz-absent", *sorted(ids)[:3]]
    assert cache.arrays.first_lives("body", words) == [
        min((d for d in reader.postings("body", w).all_ids() if not reader.is_deleted(d)), default=None)
        if ("body", w) in reader
        else None
        for w in words
    ]
    # Whoosh's document frequencies still count it, and the engine's idf with them.
    reader = searcher.reader()
    for btext in list(reader.lexicon("body"))[:300]:
        assert cache.arrays.doc_frequency("body", btext) == reader.doc_frequency("body", btext)
    ix.close()


def test_block_reader_gives_what_the_matcher_path_gives(ix: SearchIndex, tmp_path: Path) -> None:
    from whoosh import index as whoosh_index
    from whoosh.codec.whoosh3 import W3Codec

    from searchkit import postings, w3blocks
    from searchkit.schema import build_schema
    from searchkit.storage import INDEX_NAME

    from .conftest import write_library

    # searchkit writes its own codec, where w3blocks steps aside ...
    searcher, _ = ix._current()
    for leaf, _offset in searcher.reader().leaf_readers():
        assert w3blocks.read_term(leaf, "body", "missil") is None
    # ... so its W3 path is checked on the same articles written by Whoosh's own codec.
    w3ix = whoosh_index.create_in(str(tmp_path), build_schema(), indexname=INDEX_NAME)
    writer = w3ix.writer(codec=W3Codec())
    write_library(writer)
    checked = 0
    for leaf, _offset in w3ix.reader().leaf_readers():
        for fieldname in ("body", "headline", "sources"):
            for btext in list(leaf.lexicon(fieldname))[:200]:
                block = w3blocks.read_term(leaf, fieldname, btext)
                assert block is not None
                ids, weights = postings.term_postings(leaf, fieldname, btext)
                assert block[0].tolist() == ids.tolist()
                assert block[1].tolist() == weights.tolist()
                if block[2] is not None:
                    decode = leaf.schema[fieldname].format.decode_positions
                    expected = postings.term_positions(leaf, fieldname, btext, ids)
                    assert [decode(v) for v in block[2]] == [p.tolist() for p in expected]
                checked += 1
    assert checked > 200


def test_column_reads_give_what_whoosh_reads(ix: SearchIndex) -> None:
    from searchkit import w3blocks
    from searchkit.ranking import lengths_of

    searcher, _ = ix._current()
    for leaf, _offset in searcher.reader().leaf_readers():
        for fieldname in ("date", "indexed_at"):
            fast = w3blocks.numeric_column(leaf, fieldname)
            assert fast is not None and fast.tolist() == list(leaf.column_reader(fieldname))
        for fieldname in ("headline", "body"):
            fast = w3blocks.field_lengths(leaf, fieldname)
            assert fast is not None and fast.tolist() == list(lengths_of(leaf, fieldname))
            assert fast.any()


@pytest.mark.parametrize("maxdist", [1, 2])
@pytest.mark.parametrize("prefix", [0, 1])
def test_fuzzy_expansion_finds_what_whoosh_finds(ix: SearchIndex, maxdist: int, prefix: int) -> None:
    from searchkit.engine import within_edits

    searcher, cache = ix._current()
    words = cache.arrays.lexicon("body")
    assert words
    probes = ["radr", "telemtri", "missil", "a", "xq", *words[::7], *(w[:-1] + "z" for w in words[::11])]
    for text in probes:
        q = wq.FuzzyTerm("body", text, maxdist=maxdist, prefixlength=prefix)
        theirs = {w for leaf, _ in searcher.reader().leaf_readers() for w in q._btexts(leaf)}
        mine = within_edits(cache.arrays, q)
        assert mine is not None and set(mine) == theirs, text


@pytest.mark.parametrize("text", ["telemet*", "*e*", "m?ssil*", "*ar", "radar", "[mr]*"])
def test_wildcard_expansion_finds_what_whoosh_finds(ix: SearchIndex, text: str) -> None:
    from searchkit.engine import matching_pattern

    searcher, cache = ix._current()
    for q in (wq.Wildcard("body", text), wq.Prefix("body", text.rstrip("*"))):
        theirs = {w.decode() for leaf, _ in searcher.reader().leaf_readers() for w in q._btexts(leaf)}
        mine = matching_pattern(cache.arrays, q)
        assert mine is not None and set(mine) == theirs


@pytest.mark.parametrize("merged", [False, True])
def test_did_you_mean_terms_are_whoosh_s(ix: SearchIndex, tmp_path: Path, merged: bool) -> None:
    """QuickTerms finds the near spellings Whoosh's reader finds: restricted
    Damerau-Levenshtein on a merged (multi-segment) reader, plain Levenshtein
    through one segment's automaton."""
    from searchkit.engine import QuickTerms

    if merged:  # a second segment: the reader becomes a MultiReader
        corpus = tmp_path / "corpus"
        shutil.copytree(LIBRARY, corpus)
        index = SearchIndex(tmp_path / "ix", create=True)
        index.update([corpus])
        (corpus / "extra.jsonl").write_text('{"id": "x1", "headline": "Radra teh missiel", "body": "recieve"}\n')
        index.update([corpus])
    else:
        index = ix
    searcher, cache = index._current()
    reader = searcher.reader()
    assert reader.is_atomic() is not merged
    quick = QuickTerms(reader, cache.arrays)
    words = [w.decode() for w in reader.lexicon("words")]
    probes = ["radra", "teh", "missiel", "recieve", "raadr", "ab", *words[::5], *(w[::-1] for w in words[::9])]
    for text in probes:
        for maxdist in (1, 2):
            for prefix in (0, 1):
                theirs = set(reader.terms_within("words", text, maxdist, prefix=prefix))
                assert set(quick.terms_within("words", text, maxdist, prefix)) == theirs, (text, maxdist, prefix)
    # The frequencies did-you-mean weighs candidates by, from the same bulk read.
    for text in probes:
        assert (("words", text) in quick) == (("words", text) in reader)
        assert quick.doc_frequency("words", text) == reader.doc_frequency("words", text), text


def test_snippet_offsets_from_the_engine_match_the_matcher_path(ix: SearchIndex) -> None:
    from searchkit.snippets import occurrences

    searcher, cache = ix._current()
    docs = list(range(searcher.doc_count_all()))
    words = {"radar", "missil", "defens", "korea", "treati", "absent-word"}
    fast = occurrences(searcher, docs, words, cache.arrays)
    assert fast == occurrences(searcher, docs, words, None)
    assert sum(len(v) for v in fast.values()) > 10


def test_flat_values_are_the_per_document_values(ix: SearchIndex) -> None:
    """postings.flat_positions / flat_spans: the contract's per-document
    arrays, one document after another (the codec's block path here)."""
    from searchkit import postings

    searcher, _ = ix._current()
    checked = 0
    for leaf, _offset in searcher.reader().leaf_readers():
        for btext in list(leaf.lexicon("body"))[:300]:
            ids, _ = postings.term_postings(leaf, "body", btext)
            for docs in (ids, ids[::2], ids[1::3]):
                spots = postings.term_positions(leaf, "body", btext, docs)
                chars = postings.term_chars(leaf, "body", btext, docs)
                counts, flat = postings.flat_positions(leaf, "body", btext, docs)
                assert counts.tolist() == [len(p) for p in spots]
                assert flat.tolist() == [int(p) for ps in spots for p in ps.tolist()]
                counts, spans = postings.flat_spans(leaf, "body", btext, docs)
                assert counts.tolist() == [len(p) for p in spots]
                expected = [
                    [int(p), *map(int, c)]
                    for ps, cs in zip(spots, chars, strict=True)
                    for p, c in zip(ps, cs, strict=True)
                ]
                assert spans.reshape(-1, 3).tolist() == expected
            checked += 1
    assert checked > 100


def test_document_frequency_is_whoosh_s(ix: SearchIndex) -> None:
    searcher, cache = ix._current()
    reader = searcher.reader()
    for fieldname in ("body", "headline", "sources"):
        for btext in list(reader.lexicon(fieldname))[:300]:
            assert cache.arrays.doc_frequency(fieldname, btext) == reader.doc_frequency(fieldname, btext)


@pytest.mark.slow
def test_a_search_command_loads_only_what_it_needs(library_dir: Path) -> None:
    """Start-up (issue 15): `searchkit search radar` parses no date and
    reads no article file, so dateutil and the readers stay unloaded."""
    import subprocess
    import sys

    code = (
        "import sys; from searchkit.cli import cli; "
        f"cli(['-i', {str(library_dir)!r}, 'search', 'radar'], standalone_mode=False); "
        "print(sorted(m for m in ('dateutil', 'searchkit.readers.html', 'searchkit.indexer') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_distinct_is_numpy_unique() -> None:
    from searchkit.engine import distinct

    rng = np.random.default_rng(7)
    for n in (0, 1, 2, 5, 300, 4000):
        runs = [np.unique(rng.integers(0, 5000, n)) for _ in range(3)]
        values = np.concatenate(runs)
        assert distinct(values).tolist() == np.unique(values).tolist()


@pytest.mark.parametrize("transpositions", [False, True])
def test_one_edit_check_agrees_with_the_distance_table(transpositions: bool) -> None:
    """did-you-mean's one-edit fast path finds what the table finds for k=1."""
    import itertools

    import numpy as np

    from searchkit.engine import _distances, _within_one

    alphabet = "abé"
    words = ["".join(p) for n in range(0, 5) for p in itertools.product(alphabet, repeat=n)]
    width = max(len(w) for w in words)
    codes = np.frombuffer("".join(w.ljust(width, "\0") for w in words).encode("utf-32-le"), dtype="<u4")
    codes = codes.reshape(len(words), width)
    lens = np.asarray([len(w) for w in words], dtype=np.int64)
    for text in ["a", "ab", "ba", "abé", "éab", "aabb", "abab", "bbbb"]:
        # As words_within calls both: the words whose length is within one.
        near = np.flatnonzero(np.abs(lens - len(text)) <= 1)
        cut = codes[near, : min(len(text) + 1, width)]
        fast = _within_one(cut, lens[near], text, transpositions)
        table = _distances(cut, lens[near], text, 1, transpositions)
        assert fast.any() and fast.tolist() == table.tolist(), text


@pytest.mark.parametrize("few", [0, 4])
def test_flat_and_per_posting_values_across_small_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, few: int
) -> None:
    """The partial decodes (a phrase's candidates, a page's offsets) on
    blocks of 2 postings, so that terms span many blocks, each block's
    postings read by numpy together (``few`` 0) or one by one: the contract
    functions' values (codec.read_values decodes whole blocks)."""
    from whoosh import index as whoosh_index

    from searchkit import postings
    from searchkit.bulkwriter import BulkWriter
    from searchkit.codec import SearchkitCodec
    from searchkit.schema import build_schema
    from searchkit.storage import INDEX_NAME

    monkeypatch.setattr(postings, "_FEW", few)
    w3ix = whoosh_index.create_in(str(tmp_path), build_schema(), indexname=INDEX_NAME)
    writer = BulkWriter(w3ix, codec=SearchkitCodec(blocklimit=2))
    write_library(writer)
    checked = 0
    with w3ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            memo = postings.BlockMemo()
            for btext in leaf.lexicon("body"):
                ids, _ = postings.term_postings(leaf, "body", btext)
                assert memo.postings(leaf, "body", btext)[0].tolist() == ids.tolist()
                for docs in (ids, ids[::2], ids[1::5], ids[-1:]):
                    spots = postings.term_positions(leaf, "body", btext, docs)
                    chars = postings.term_chars(leaf, "body", btext, docs)
                    counts, flat = postings.flat_positions(leaf, "body", btext, docs, memo)
                    assert counts.tolist() == [len(p) for p in spots]
                    assert flat.tolist() == [int(p) for ps in spots for p in ps.tolist()]
                    expected = [
                        [(int(p), *map(int, c)) for p, c in zip(ps, cs, strict=True)]
                        for ps, cs in zip(spots, chars, strict=True)
                    ]
                    counts, spans = postings.flat_spans(leaf, "body", btext, docs, memo)
                    assert [tuple(r) for r in spans.reshape(-1, 3).tolist()] == [t for e in expected for t in e]
                    each = postings.posting_spans(leaf, "body", btext, docs.tolist(), memo)
                    assert each == dict(zip(docs.tolist(), expected, strict=True))
                checked += len(ids) > 2
    assert checked > 20

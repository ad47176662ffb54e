"""postings.Segments.spans_of (a page's few postings read in Python, the
path engine.Arrays.characters takes for snippets) and positions_of (the
path Arrays.positions takes for a phrase's few documents) against
Segments.values' numpy gather: the same (position, start, end) triples and
positions for every posting of every word, from blocks whose positions and
starts are varints (one byte or several) or of fixed width."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import writing

from searchkit import codec, engine, postings
from searchkit.articles import Article
from searchkit.bulkwriter import BulkWriter
from searchkit.codec import SearchkitCodec
from searchkit.engine import Arrays
from searchkit.indexer import _document
from searchkit.neardup import sketches
from searchkit.schema import build_schema
from searchkit.storage import INDEX_NAME

from .conftest import NoMerge, write_library


def _generated(n: int, seed: int) -> list[Article]:
    """Articles whose words recur at gaps of a few to some thousands of
    words, so that position and start deltas need one, two or three bytes
    as varints and one, two or four at fixed width."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(40)]
    out = []
    for i in range(n):
        size = 6000 if i % 17 == 0 else rng.choice((3, 30, 300, 3000))
        words = [rng.choice(vocab[: rng.choice((2, 8, 40))]) for _ in range(size)]
        words += ["zz" * rng.randint(1, 40) for _ in range(rng.randint(0, 3))]
        words = ["rare", *words, "rare"] if i % 17 == 0 else [*words, "w0"]
        out.append(Article(id=f"g{i}", headline="gen", date=None, body=" ".join(words), sources=()))
    return out


def _open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, blocklimit: int, varints: bool, library: bool) -> Any:
    monkeypatch.setattr(codec, "VARINT_VALUES", varints)
    ix = whoosh_index.create_in(str(tmp_path), build_schema(), indexname=INDEX_NAME)
    if library:
        for _ in range(2):
            write_library(NoMerge(BulkWriter(ix, codec=SearchkitCodec(blocklimit=blocklimit))))
    else:
        for part in range(2):
            writer = BulkWriter(ix, codec=SearchkitCodec(blocklimit=blocklimit))
            for a in _generated(60, part):
                writer.add_document(**_document(a, "d", 0, sketches.sketch(a.body)))
            writer.commit(mergetype=writing.NO_MERGE)
    n = ix.doc_count_all()
    writer = BulkWriter(ix, codec=SearchkitCodec(blocklimit=blocklimit))
    for docnum in (0, 5, n // 2, n - 1):
        writer.delete_document(docnum)
    writer.commit(mergetype=writing.NO_MERGE)
    return ix.searcher()


@pytest.fixture(
    params=[(8, True, True), (8, False, True), (1024, True, True), (4, True, False), (16, False, False)],
    ids=["library-varints", "library-fixed", "library-one-block", "generated-varints", "generated-fixed"],
)
def searcher(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    blocklimit, varints, library = request.param
    s = _open(tmp_path, monkeypatch, blocklimit, varints, library)
    yield s
    s.close()


def _general(segments: Any, tb: Any, rows: np.ndarray) -> list[list[tuple[int, int, int]]]:
    counts, spans = segments.values("body", tb, rows, True)
    flat = [tuple(t) for t in spans.tolist()]
    ends = np.cumsum(counts).tolist()
    return [flat[e - c : e] for e, c in zip(ends, counts.tolist(), strict=True)]


def _positions(segments: Any, fieldname: str, tb: Any, rows: np.ndarray) -> list[list[int]]:
    counts, flat = segments.values(fieldname, tb, rows, False)
    ends = np.cumsum(counts).tolist()
    values = flat.tolist()
    return [values[e - c : e] for e, c in zip(ends, counts.tolist(), strict=True)]


def _widths(segments: Any, tb: Any) -> set[tuple[int, int]]:
    """The (position, start) widths of the term's blocks (0: varints)."""
    seen = set()
    for seg, data, count, iw, wc, _ in tb.blocks:
        mm = segments.maps[seg]
        at = data + iw * (count - 1) + (0 if wc == codec._W_ONES else (4 if wc == codec._W_FLOAT else wc) * count)
        seen.add((mm[at + 1], mm[at + 2]))
    return seen


def test_spans_of_every_posting_is_values(searcher: Any) -> None:
    arrays = Arrays(searcher)
    segments = arrays.segments
    assert segments.usable
    rng = np.random.default_rng(5)
    widths: set[tuple[int, int]] = set()
    checked = 0
    for btext in searcher.reader().lexicon("body"):
        tb = segments.term("body", btext)
        if not len(tb.ids):
            continue
        widths |= _widths(segments, tb)
        everything = np.arange(len(tb.ids), dtype=np.int64)
        picks = [everything, everything[::3], everything[-1:], everything[:1]]
        if len(tb.ids) > 3:
            picks.append(np.sort(rng.choice(everything, size=3, replace=False)))
        for rows in picks:
            assert segments.spans_of(tb, rows.tolist()) == _general(segments, tb, rows), btext
            assert segments.positions_of("body", tb, rows.tolist()) == _positions(segments, "body", tb, rows), btext
        checked += 1
    assert checked > 30
    # Blocks of every kind were read: varints, and some byte width.
    assert any(0 in w for w in widths) == bool(codec.VARINT_VALUES)
    assert any(p > 0 and s > 0 for p, s in widths)


def test_positions_of_every_headline_posting_is_values(searcher: Any) -> None:
    """The headline's postings hold positions only (V_POSITIONS): read one
    by one as values reads them."""
    segments = Arrays(searcher).segments
    assert segments.kind("headline") == codec.V_POSITIONS
    checked = 0
    for btext in searcher.reader().lexicon("headline"):
        tb = segments.term("headline", btext)
        if not len(tb.ids):
            continue
        everything = np.arange(len(tb.ids), dtype=np.int64)
        for rows in (everything, everything[::2], everything[-1:]):
            assert segments.positions_of("headline", tb, rows.tolist()) == _positions(segments, "headline", tb, rows)
        checked += 1
    assert checked  # the generated articles' headline is one word


def test_phrase_fast_positions_are_the_general_ones(searcher: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Arrays.positions by positions_of (few documents) and by values
    (_FEW_POSITIONS 0) give the same phrase matches and scores."""
    from whoosh import query as wq

    # Words next to each other in some article (as the body field indexes
    # them), and random pairs, most of which never meet.
    analyzer = searcher.schema["body"].analyzer
    rng = random.Random(3)
    phrases = []
    for docnum in range(0, searcher.doc_count_all(), 3):
        tokens = [t.text for t in analyzer(searcher.stored_fields(docnum).get("body", ""))]
        if len(tokens) > 2:
            i = rng.randrange(len(tokens) - 2)
            phrases.append(wq.Phrase("body", tokens[i : i + 2]))
            phrases.append(wq.Phrase("body", [tokens[i], tokens[i + 2]], slop=2))
    words = [t.decode() for t in searcher.reader().lexicon("body")]
    phrases += [wq.Phrase("body", rng.sample(words, 2)) for _ in range(20)]
    fast = [engine.evaluate(Arrays(searcher), q)[:2] for q in phrases]
    monkeypatch.setattr(engine, "_FEW_POSITIONS", 0)
    slow = [engine.evaluate(Arrays(searcher), q)[:2] for q in phrases]
    for (fi, fs), (si, ss) in zip(fast, slow, strict=True):
        assert fi.tolist() == si.tolist() and fs.tolist() == ss.tolist()
    assert any(len(ids) for ids, _ in fast)


def test_spans_of_reads_multibyte_varints(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The generated index's varint blocks hold values of two and three
    bytes (the Python decoder's longer path), and they read as values'."""
    s = _open(tmp_path, monkeypatch, 4, True, False)
    try:
        segments = Arrays(s).segments
        longest = 0
        for btext in (b"w0", b"w1", b"rare"):
            tb = segments.term("body", btext)
            rows = np.arange(len(tb.ids), dtype=np.int64)
            got = segments.spans_of(tb, rows.tolist())
            assert got == _general(segments, tb, rows)
            assert segments.positions_of("body", tb, rows.tolist()) == _positions(segments, "body", tb, rows)
            for triples in got:
                p = e = 0
                for pos, start, end in triples:
                    longest = max(longest, pos - p, start - e)
                    p, e = pos, end
        assert longest >= 1 << 14  # a three-byte varint
    finally:
        s.close()


def test_characters_fast_path_is_the_general_one(searcher: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page of hits' offsets, by spans_of (few postings) and by values
    (the general path, _FEW_SPANS 0), deleted documents left out by both."""
    fast = Arrays(searcher)
    words = [t.decode() for t in searcher.reader().lexicon("body")]
    rng = random.Random(9)
    n = searcher.doc_count_all()
    pages = [sorted(rng.sample(range(n), min(n, 10))) for _ in range(6)] + [[0, 5, n - 1], list(range(n))]
    fast_found = [[fast.characters("body", w, page) for w in words] for page in pages]
    monkeypatch.setattr(engine, "_FEW_SPANS", 0)
    slow = Arrays(searcher)
    slow_found = [[slow.characters("body", w, page) for w in words] for page in pages]
    assert fast_found == slow_found
    assert any(found for per_page in fast_found for found in per_page)
    assert all(0 not in found and 5 not in found for per_page in fast_found for found in per_page)


def test_spans_of_refuses_a_posting_without_values() -> None:
    tb = postings.TermBlocks(
        np.zeros(1, dtype=np.int64), np.ones(1), 1, np.zeros(1, dtype=np.int64), [(0, -1, 1, 1, 0, 0)]
    )
    segments = postings.Segments.__new__(postings.Segments)
    segments.maps = [b""]
    with pytest.raises(ValueError):
        segments.spans_of(tb, [0])

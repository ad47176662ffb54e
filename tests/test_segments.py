"""postings.Segments (a term read from every segment at once) against the
segment-by-segment reads it replaces: same ids, weights, frequencies,
positions, offsets, and the same query answers bit for bit."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import writing

from searchkit import SearchIndex, codec, postings
from searchkit.bulkwriter import BulkWriter
from searchkit.codec import SearchkitCodec
from searchkit.engine import Arrays, evaluate
from searchkit.schema import build_schema
from searchkit.storage import INDEX_NAME

from .conftest import NoMerge, write_library
from .test_engine import QUERIES


@pytest.fixture(params=[(2, True), (2, False), (1024, True)], ids=["blocks-of-2", "fixed-width", "blocks-of-1024"])
def segmented(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Three segments of the test library (blocks of ``blocklimit``
    postings, values as varints or not), some documents deleted."""
    blocklimit, varints = request.param
    monkeypatch.setattr(codec, "VARINT_VALUES", varints)
    ix = whoosh_index.create_in(str(tmp_path), build_schema(), indexname=INDEX_NAME)
    for _ in range(3):
        write_library(NoMerge(BulkWriter(ix, codec=SearchkitCodec(blocklimit=blocklimit))))
    n = ix.doc_count_all()
    writer = BulkWriter(ix, codec=SearchkitCodec(blocklimit=blocklimit))
    for docnum in (0, 3, 4, n // 2, n // 2 + 1, n - 1):
        writer.delete_document(docnum)
    writer.commit(mergetype=writing.NO_MERGE)
    searcher = ix.searcher()
    yield searcher
    searcher.close()


def _by_segment(searcher: Any) -> Arrays:
    arrays = Arrays(searcher)
    arrays.segments = SimpleNamespace(usable=False)  # type: ignore[assignment]
    return arrays


def _expected_values(searcher: Any, fieldname: str, btext: bytes, docs: np.ndarray) -> list[list[tuple[int, ...]]]:
    """Each document's (position, start, end) triples, from the contract functions."""
    out: list[list[tuple[int, ...]]] = []
    for leaf, offset in searcher.reader().leaf_readers():
        here = docs[(docs >= offset) & (docs < offset + leaf.doc_count_all())] - offset
        if not len(here):
            continue
        spots = postings.term_positions(leaf, fieldname, btext, here)
        chars = postings.term_chars(leaf, fieldname, btext, here)
        for ps, cs in zip(spots, chars, strict=True):
            out.append([(int(p), int(c[0]), int(c[1])) for p, c in zip(ps, cs, strict=True)])
    return out


def test_the_index_is_what_the_tests_need(segmented: Any) -> None:
    arrays = Arrays(segmented)
    assert arrays.segments.usable
    assert len(arrays.leaves) >= 3
    assert not arrays.every_live


def test_postings_are_the_segment_by_segment_ones(segmented: Any) -> None:
    fast, slow = Arrays(segmented), _by_segment(segmented)
    reader = segmented.reader()
    checked = 0
    for fieldname in ("body", "headline", "sources", "id", "words"):
        for btext in [*list(reader.lexicon(fieldname)), b"no-such-term"]:
            a, b = fast._entry(fieldname, btext), slow._entry(fieldname, btext)
            assert a[4] is not None and b[4] is None
            assert a[0].tolist() == b[0].tolist(), (fieldname, btext)
            assert a[1].dtype == b[1].dtype and a[1].tolist() == b[1].tolist(), (fieldname, btext)
            # Whoosh's frequency, deleted documents included (the segment
            # path lost those of a one-posting term, read through a matcher
            # that skips deleted documents).
            assert a[3] == (reader.doc_frequency(fieldname, btext) if btext != b"no-such-term" else 0)
            checked += 1
    assert checked > 500


def test_positions_and_offsets_are_the_contract_s(segmented: Any) -> None:
    fast = Arrays(segmented)
    checked = 0
    for btext in list(segmented.reader().lexicon("body"))[::3]:
        ids, _ = fast.postings("body", btext)
        for docs in (ids, ids[::2], ids[1::5], ids[-1:]):
            expected = _expected_values(segmented, "body", btext, docs)
            counts, flat = fast.positions("body", btext, docs)
            assert counts.tolist() == [len(e) for e in expected]
            assert flat.tolist() == [t[0] for e in expected for t in e]
            found = fast.characters("body", btext.decode(), docs.tolist())
            assert found == {d: [tuple(t) for t in e] for d, e in zip(docs.tolist(), expected, strict=True)}
        checked += len(ids) > 4
    assert checked > 20
    # Documents without the term (or deleted) have no offsets.
    assert fast.characters("body", "radar", [0, 3]) == {}


def test_queries_answer_bit_for_bit_as_before(segmented: Any, ix: SearchIndex) -> None:
    fast, slow = Arrays(segmented), _by_segment(segmented)
    matched = 0
    for text in QUERIES:
        q = ix.build(text).query
        a, b = evaluate(fast, q), evaluate(slow, q)
        assert a[0].tolist() == b[0].tolist(), text
        assert a[1].tolist() == b[1].tolist(), text
        matched += len(a[0]) > 0
    assert matched >= len(QUERIES) - 3


def test_values_gathered_from_varint_and_fixed_width_arrays() -> None:
    """postings._gather: values of several blocks' arrays in one buffer, some
    varints and some of fixed width, each read at any place."""
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.integers(0, 1 << k, 40) for k in (3, 7, 8, 14, 15, 21, 28)])
    rng.shuffle(values)
    small = values % 65536
    encoded = b"".join(codec._varint(int(v)) for v in values)
    parts = [b"\x05", encoded, small.astype("<u2").tobytes(), encoded, values.astype("<u4").tobytes()]
    buf = np.frombuffer(b"".join(parts), dtype=np.uint8)
    bases = np.cumsum([len(p) for p in parts])[:-1]
    expected = [values, small, values, values]
    marks = np.flatnonzero(buf < 0x80)
    for blocks in ([0, 1, 2, 3], [0, 2], [1, 3], [3], [0]):
        widths = np.array([0, 2, 0, 4])[blocks]
        vb = rng.integers(0, len(blocks), 100)
        take = rng.integers(0, len(values), 100)
        got = postings._gather(buf, marks, bases[blocks], widths, vb, take)
        assert got.tolist() == [int(expected[blocks[b]][t]) for b, t in zip(vb, take, strict=True)]
    # Where the array after each ends: the next block's array.
    ends = postings._section_end(marks, bases, np.array([0, 2, 0, 4]), np.full(4, len(values)))
    assert ends.tolist() == [*bases[1:].tolist(), len(buf)]


def test_filter_sets_are_kept_and_bounded(segmented: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from searchkit import engine

    monkeypatch.setattr(engine, "MEMBER_SETS", 2)
    arrays = Arrays(segmented)
    built: list[int] = []

    def ids(k: int) -> Any:
        built.append(k)
        return arrays.live_ids[k::3]

    for k in (0, 1, 0, 2, 1):
        found = arrays.in_set(("test", k), lambda k=k: ids(k))
        assert np.flatnonzero(found).tolist() == arrays.live_ids[k::3].tolist()
    assert built == [0, 1, 2, 1]  # 0 asked again while kept; 1 dropped for 2, then built again

"""Merging segments by arrays (searchkit.segmerge) against Whoosh's own merge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from whoosh.codec.whoosh3 import W3Codec

from searchkit import codec, segmerge
from searchkit.bulkwriter import BulkWriter

from .conftest import shared_path
from .test_codec import CODEC, _everything, _new_index, _write, docs  # noqa: F401  (docs: the fixture)


def _postings(rng: np.random.Generator, terms: int) -> codec.FieldPostings:
    """Random postings of every shape the encoder narrows differently:
    one-posting and many-block terms, weights of each code, long gaps."""
    tlen = rng.choice([1, 1, 2, 7, 30], size=terms)
    ids = np.concatenate([np.sort(rng.choice(200_000, size=n, replace=False)) for n in tlen])
    n = len(ids)
    weights = (rng.choice([1.0, 2.0, 400.0, 90_000.0, 0.25], size=n) * rng.integers(1, 3, size=n)).astype(np.float32)
    counts = rng.choice([1, 2, 5, 260], size=n)
    occ = int(counts.sum())
    positions = np.concatenate([np.sort(rng.choice(80_000, size=c, replace=False)) for c in counts])
    lens = rng.choice([1, 5, 300], size=occ)
    ends = np.cumsum(rng.choice([0, 2, 70_000], size=occ) + lens)
    return codec.FieldPostings(
        np.concatenate(([0], np.cumsum(tlen))), ids, weights, np.zeros(n), counts, positions, ends - lens, ends
    )


@pytest.mark.parametrize("kind", [codec.V_NONE, codec.V_FREQ, codec.V_POSITIONS, codec.V_CHARS])
def test_decode_terms_reads_back_what_encode_field_wrote(kind: int) -> None:
    fp = _postings(np.random.default_rng(kind), 80)
    data, bounds, _ = codec.encode_field(fp, kind, blocklimit=6)
    got = segmerge.decode_terms(data, kind)
    assert np.array_equal(got.term_starts, fp.term_starts)
    assert np.array_equal(got.ids, fp.ids)
    assert np.array_equal(got.weights, fp.weights)
    wanted = {
        codec.V_NONE: (),
        codec.V_FREQ: ("counts",),
        codec.V_POSITIONS: ("counts", "positions"),
        codec.V_CHARS: ("counts", "positions", "starts", "ends"),
    }[kind]
    for name in ("counts", "positions", "starts", "ends"):
        if name in wanted:
            assert np.array_equal(getattr(got, name), getattr(fp, name)), name
        else:
            assert getattr(got, name) is None, name
    # Any run of whole terms decodes alone (a merge reads a range at a time).
    part = segmerge.decode_terms(data[bounds[10] : bounds[25]], kind)
    lo, hi = fp.term_starts[10], fp.term_starts[25]
    assert np.array_equal(part.ids, fp.ids[lo:hi])
    assert np.array_equal(part.term_starts, fp.term_starts[10:26] - lo)


def test_merge_postings_orders_each_term_by_id() -> None:
    rng = np.random.default_rng(3)
    whole = _postings(rng, 40)
    terms = [b"t%03d" % i for i in range(40)]
    # Split every term's postings between two sources by id parity: the
    # merge must interleave them back.
    odd = whole.ids % 2 == 1
    left = segmerge._subset(whole, ~odd)
    right = segmerge._subset(whole, odd)
    parts = [segmerge._drop_empty(list(terms), left), segmerge._drop_empty(list(terms), right)]
    got_terms, got = segmerge.merge_postings(parts)
    assert got_terms == terms
    for name in ("term_starts", "ids", "weights", "counts", "positions", "starts", "ends"):
        assert np.array_equal(getattr(got, name), getattr(whole, name)), name


def test_array_merge_with_deletions_and_chunks_is_whooshs_merge(
    tmp_path: Path, docs: list[dict[str, object]], monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    # Tiny chunks: every field is merged a few terms at a time.
    calls: list[int] = []
    real = segmerge.chunks

    def counting(*args: Any, **kwargs: Any) -> Any:
        found = list(real(*args, **kwargs))
        calls.append(len(found))
        return iter(found)

    monkeypatch.setattr(segmerge, "CHUNK_BYTES", 400)
    monkeypatch.setattr(segmerge, "chunks", counting)
    dvids = str(shared_path("corpora", "dvids"))
    small = [d for d in docs if not str(d["path"]).startswith(dvids)]
    thirds = [small[i::3] for i in range(3)]
    victims = [thirds[0][1]["id"], thirds[1][0]["id"]]
    everything = []
    for name, bulk in (("bulk", True), ("whoosh", False)):
        ix = _new_index(tmp_path / name)
        _write(ix, thirds, bulk=bulk)
        w = ix.writer(codec=CODEC if bulk else W3Codec())
        for victim in victims:
            w.delete_by_term("id", victim)
        w.commit(merge=False)  # the deletions stay in their segments
        final = BulkWriter(ix, codec=CODEC) if bulk else ix.writer(codec=W3Codec())
        final.add_document(**thirds[2][0])  # a new document beside the merged ones
        final.commit(optimize=True)
        assert len(ix._read_toc().segments) == 1
        everything.append(_everything(ix))
    assert max(calls) > 5  # the body really went in many chunks
    assert everything[0] == everything[1]
    assert not any(s["id"] in victims for s in everything[0]["stored"])


@pytest.mark.slow
def test_merge_benchmark_runs(tmp_path: Path) -> None:
    import subprocess
    import sys

    from searchkit import SearchIndex

    from .conftest import LIBRARY, ROOT

    ix = SearchIndex(tmp_path / "ix", create=True)
    for path in sorted(LIBRARY.iterdir())[:3]:
        ix.update([path])  # a commit, and a segment, each
    ix.close()
    cmd = [sys.executable, str(ROOT / "benchmarks" / "merge.py"), str(tmp_path / "ix"), "--only", "arrays"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    head, columns, row = proc.stdout.splitlines()
    segments = head.split(": segments ", 1)[1].split(";")[0]
    before, after = (json.loads(side) for side in segments.split(" -> "))
    assert len(before) == 3 and len(after) == 1 and sum(before) == sum(after)
    assert columns.split() == ["merge", "min", "s", "max", "s", "peak", "RSS", "MB"]
    assert row.split()[0] == "arrays"

"""The searchkit codec and the bulk writer against Whoosh's own writer and reader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import writing
from whoosh.codec.whoosh3 import W3Codec
from whoosh.qparser import MultifieldParser

from searchkit import SearchIndex, codec, postings
from searchkit.analysis import Numbered
from searchkit.articles import Article, read_file, walk
from searchkit.bulkwriter import BulkWriter
from searchkit.codec import BLOCK_POSTINGS, SearchkitCodec
from searchkit.indexer import _document
from searchkit.neardup import sketches as duplicates
from searchkit.schema import build_schema
from searchkit.storage import INDEX_NAME

from .conftest import LIBRARY, ROOT, shared_path
from .test_analysis import TRICKY


def _articles() -> list[Article]:
    roots = [ROOT / "corpus", LIBRARY, shared_path("corpora", "seed"), shared_path("corpora", "dvids", "corpus")]
    out = []
    for item in walk(roots):
        if isinstance(item, Path):
            out.extend(loaded.article for loaded in read_file(item).loaded)
    # Unicode of every kind, a word repeated past one block, empty fields.
    out.append(Article(id="tricky", headline="Київ ﬁnancial", date=None, body=TRICKY, sources=("TASS",)))
    out.append(Article(id="long", headline="", date=None, body="radar " * (BLOCK_POSTINGS + 7), sources=()))
    # Fields with no token at all, or nothing but possessives, between others.
    out.append(Article(id="empty", headline="—", date=None, body="... -- !!", summary="'s", sources=()))
    out.append(Article(id="poss", headline="'s 's", date=None, body="’s", sources=()))
    return out


def _docs(articles: list[Article]) -> list[dict[str, object]]:
    articles = articles[:3] + articles[-3:] + articles[3:]  # the empty ones early, not last
    return [
        _document(a, f"digest{i % 7}", 1_700_000_000 + i % 3, duplicates.sketch(a.body)) for i, a in enumerate(articles)
    ]


def _new_index(where: Path) -> Any:
    where.mkdir()
    return whoosh_index.create_in(str(where), build_schema(), indexname=INDEX_NAME)


# Small blocks, so that many terms span several (the default holds 1,024
# postings, more documents than these tests write).
CODEC = SearchkitCodec(blocklimit=8)


def _write(ix: Any, batches: list[list[dict[str, object]]], bulk: bool, optimize_last: bool = False) -> None:
    for n, batch in enumerate(batches):
        w = BulkWriter(ix, codec=CODEC) if bulk else ix.writer(codec=W3Codec())
        for doc in batch:
            w.add_document(**doc)
        last = n == len(batches) - 1
        w.commit(mergetype=writing.OPTIMIZE if optimize_last and last else writing.NO_MERGE)


def _everything(ix: Any) -> dict[str, Any]:
    """All an index holds, as Whoosh's reader gives it."""
    with ix.reader() as r:
        terms = {}
        for fieldname, text in r.all_terms():
            if fieldname == "anchors":
                continue  # the bulk writer keeps them in .anc arrays (test_merges_carry_the_anchor_arrays)
            ti = r.term_info(fieldname, text)
            m = r.postings(fieldname, text)
            plist = []
            while m.is_active():
                plist.append((m.id(), m.weight(), m.value()))
                m.next()
            stats = (ti.weight(), ti.doc_frequency(), ti.min_length(), ti.max_length(), ti.max_weight())
            terms[(fieldname, text)] = (stats, ti.min_id(), ti.max_id(), plist)
        n = r.doc_count_all()
        schema = r.schema
        scored = [f for f in schema.names() if schema[f].scorable]
        return {
            "terms": terms,
            "stored": [r.stored_fields(d) for d in range(n)],
            "lengths": {f: [r.doc_field_length(d, f) for d in range(n)] for f in scored},
            "totals": {f: r.field_length(f) for f in scored},
            "columns": {
                f: list(r.column_reader(f)) for f in schema.names() if schema[f].column_type and r.has_column(f)
            },
        }


@pytest.fixture(scope="module")
def docs() -> list[dict[str, object]]:
    return _docs(_articles())


def test_bulk_writer_writes_what_whoosh_writes(tmp_path: Path, docs: list[dict[str, object]]) -> None:
    ours, theirs = _new_index(tmp_path / "bulk"), _new_index(tmp_path / "whoosh")
    _write(ours, [docs], bulk=True)
    _write(theirs, [docs], bulk=False)
    a, b = _everything(ours), _everything(theirs)
    assert len(a["terms"]) > 5_000
    assert a == b
    segments = ours._read_toc().segments
    assert [type(s.codec()) for s in segments] == [SearchkitCodec]


def test_merges_keep_every_posting(tmp_path: Path, docs: list[dict[str, object]]) -> None:
    # Whoosh's merge policy feeds older segments' postings through the pool
    # into the bulk writer's new segment (and, with a plain Whoosh writer on
    # this codec, through the codec's one-posting-at-a-time writer).
    # Without the DVIDS stories: merging runs Whoosh's one-posting-at-a-time
    # code, which is slow, and the rest has every case (Unicode, long
    # lists, every field kind).
    dvids = str(shared_path("corpora", "dvids"))
    small = [d for d in docs if not str(d["path"]).startswith(dvids)]
    thirds = [small[i::3] for i in range(3)]
    ours, theirs = _new_index(tmp_path / "bulk"), _new_index(tmp_path / "whoosh")
    _write(ours, thirds, bulk=True, optimize_last=True)
    _write(theirs, thirds, bulk=False, optimize_last=True)
    assert len(ours._read_toc().segments) == 1
    assert _everything(ours) == _everything(theirs)

    again, again_theirs = _new_index(tmp_path / "again"), _new_index(tmp_path / "again-whoosh")
    _write(again, thirds, bulk=True)
    _write(again_theirs, thirds, bulk=False)
    again.writer(codec=CODEC).commit(optimize=True)
    again_theirs.writer(codec=W3Codec()).commit(optimize=True)
    assert [type(s.codec()) for s in again._read_toc().segments] == [SearchkitCodec]
    assert _everything(again) == _everything(again_theirs)


def test_plain_whoosh_opens_and_searches_it(library_dir: Path, ix: SearchIndex) -> None:
    wix = whoosh_index.open_dir(str(library_dir), indexname=INDEX_NAME)
    parser = MultifieldParser(["headline", "body"], wix.schema)
    with wix.searcher() as s:
        ids = s.reader().column_reader("id")
        for q in ("missile", "radar", "treaty talks", '"missile talks"', "kyodo OR yonhap"):
            found = {ids[hit.docnum] for hit in s.search(parser.parse(q), limit=None)}
            ours = {h.id for h in ix.search(q, limit=1000, all_copies=True, suggest_spelling=False).hits}
            assert found == ours != set(), q


def test_fast_and_generic_postings_agree(library_dir: Path) -> None:
    wix = whoosh_index.open_dir(str(library_dir), indexname=INDEX_NAME)
    checked = 0
    with wix.reader() as r:
        for leaf, _ in r.leaf_readers():
            assert isinstance(leaf._codec, SearchkitCodec)
            for fieldname, text in leaf.all_terms():
                ids, weights = postings.term_postings(leaf, fieldname, text)
                gids, gweights = postings.generic_term_postings(leaf, fieldname, text)
                assert ids.dtype == gids.dtype == np.int32 and weights.dtype == gweights.dtype == np.float32
                assert np.array_equal(ids, gids) and np.array_equal(weights, gweights)
                if fieldname in ("headline", "body"):
                    for fast, generic in (
                        (postings.term_positions, postings.generic_term_positions),
                        (postings.term_chars, postings.generic_term_chars),
                    ):
                        if fieldname == "headline" and fast is postings.term_chars:
                            continue
                        for x, y in zip(
                            fast(leaf, fieldname, text, ids), generic(leaf, fieldname, text, ids), strict=True
                        ):
                            assert x.dtype == y.dtype == np.int32 and np.array_equal(x, y)
                checked += 1
        assert postings.term_postings(leaf, "body", "nosuchterm")[0].size == 0
    assert checked > 500


def test_the_matcher_s_list_decode_reads_what_the_numpy_decode_reads(library_dir: Path) -> None:
    """SearchkitLeafMatcher decodes blocks into lists (no numpy); BlockValues
    and _Block.ids_weights, the engine's numpy decode, must give the same
    ids, weights, counts, positions, characters and Whoosh value bytes, for
    every block of every term of every field."""
    wix = whoosh_index.open_dir(str(library_dir), indexname=INDEX_NAME)
    blocks = 0
    seen: set[int] = set()
    with wix.reader() as r:
        for leaf, _ in r.leaf_readers():
            for fieldname, text in leaf.all_terms():
                fmt = leaf.schema[fieldname].format
                kind = codec.value_kind(fmt)
                m = leaf.postings(fieldname, text)
                if not isinstance(m, codec.SearchkitLeafMatcher):
                    continue  # a one-posting term the term file holds
                for block in codec._blocks(m._postfile, m._startoffset):
                    ids, weights, _ = block.ids_weights(m._postfile)
                    lids, lweights = block.id_weight_lists(m._postfile)
                    assert lids == ids.tolist() and lweights == weights.tolist()
                    numpy_values = block.values(m._postfile, kind)
                    lists = block.value_lists(m._postfile, kind, lweights)
                    for i in range(block.count):
                        assert lists.whoosh_value(i, fmt) == numpy_values.whoosh_value(i, fmt)
                        if kind in (codec.V_POSITIONS, codec.V_CHARS):
                            assert lists.positions_of(i) == numpy_values.positions_of(i)
                        if kind == codec.V_CHARS:
                            assert lists.chars_of(i) == numpy_values.chars_of(i)
                        if numpy_values.counts is not None:
                            assert lists.counts[i] == int(numpy_values.counts[i])
                    blocks += 1
                    seen.add(kind)
    assert blocks > 500 and {codec.V_NONE, codec.V_FREQ, codec.V_POSITIONS, codec.V_CHARS} <= seen, (blocks, seen)


def test_highlights_are_exact(ix: SearchIndex) -> None:
    hits = ix.search("missile", limit=5).hits
    assert hits
    for hit in hits:
        assert hit.highlights
        for start, end in hit.highlights:
            assert hit.snippet[start:end].lower().startswith("missile")


def test_worker_pool_indexes_what_the_main_process_indexes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from searchkit import prepare

    # Small chunks, so a test-sized file goes through the pool in several.
    monkeypatch.setattr(prepare, "CHUNK", 7)
    monkeypatch.setattr(prepare, "MIN_ARTICLES", 10)
    pools: list[str] = []
    real_context = prepare.multiprocessing.get_context

    def context(method: str) -> Any:
        pools.append(method)
        return real_context(method)

    monkeypatch.setattr(prepare.multiprocessing, "get_context", context)
    articles = _articles()[:60]
    corpus = tmp_path / "c"
    corpus.mkdir()
    with (corpus / "all.jsonl").open("w", encoding="utf-8") as f:
        for a in articles:
            f.write(json.dumps({"id": a.id, "headline": a.headline, "body": a.body, "sources": list(a.sources)}) + "\n")
    got = {}
    for workers in ("0", "2"):
        monkeypatch.setenv("SEARCHKIT_WORKERS", workers)
        SearchIndex(tmp_path / workers, create=True).update([corpus])
        wix = whoosh_index.open_dir(str(tmp_path / workers), indexname=INDEX_NAME)
        got[workers] = _everything(wix)
        for stored in got[workers]["stored"]:
            stored.pop("indexed_at")
    assert pools == ["fork"]  # the pool ran once, for the run with workers
    assert got["0"]["stored"] == got["2"]["stored"] and len(got["0"]["stored"]) > 50
    assert {k: v for k, v in got["0"]["terms"].items() if k[0] != "indexed_at"} == {
        k: v for k, v in got["2"]["terms"].items() if k[0] != "indexed_at"
    }
    # The operators' boundaries and exact forms come from the workers too.
    columns = [{k: v for k, v in got[w]["columns"].items() if k != "indexed_at"} for w in ("0", "2")]
    assert columns[0] == columns[1] and any(columns[0]["bounds"])


def test_opening_an_index_does_not_import_numpy(tmp_path: Path) -> None:
    """Whoosh imports the codec whenever it reads a TOC; a run that finds no
    change must not pay numpy's import for it (it comes on first encode or decode)."""
    import subprocess
    import sys

    ix = SearchIndex(tmp_path / "ix", create=True)
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.txt").write_text("Radar contract\n\nThe navy ordered a radar.\n", encoding="utf-8")
    ix.update([src])
    ix.close()
    code = (
        "import sys; from whoosh import index; "
        f"r = index.open_dir({str(tmp_path / 'ix')!r}, indexname={INDEX_NAME!r}).reader(); "
        "assert 'searchkit.codec' in sys.modules; print('numpy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    # ... and the codec still works once numpy is needed.
    assert SearchIndex(tmp_path / "ix").search("radar").total == 1


def test_term_file_lookups_match_its_walk(tmp_path: Path) -> None:
    """Every term the terms reader walks (Whoosh's ``all_terms``) is found
    by lookup with the same statistics, in every field, and absent keys are
    absent; cursors and ``terms_from`` follow the same order."""
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([ROOT / "corpus"])
    ix.close()
    reader = whoosh_index.open_dir(str(tmp_path / "ix"), indexname=INDEX_NAME).reader()
    try:
        checked = 0
        inlined = 0
        for leaf, _ in reader.leaf_readers():
            terms = leaf._terms
            walked = list(terms.items())
            keys = {k for k, _ in walked}
            assert [k for k, _ in walked] == sorted(
                (k for k, _ in walked), key=lambda k: (terms.indexed_field_names().index(k[0]), k[1])
            )
            for (fieldname, tbytes), ti in walked:
                found = terms.term_info(fieldname, tbytes)
                assert (found.weight(), found.doc_frequency(), found.min_id(), found.max_id()) == (
                    ti.weight(),
                    ti.doc_frequency(),
                    ti.min_id(),
                    ti.max_id(),
                )
                assert (fieldname, tbytes) in terms
                assert ((fieldname, tbytes + b"\x00") in terms) == ((fieldname, tbytes + b"\x00") in keys)
                inlined += found.is_inlined()
                checked += 1
            for fieldname in terms.indexed_field_names():
                field = leaf.schema[fieldname]
                cur = terms.cursor(fieldname, field)
                mine = [t for (f, t), _ in walked if f == fieldname]
                assert _cursor_walk(cur) == [field.from_bytes(t) for t in mine]
                if mine:
                    middle = mine[len(mine) // 2]
                    assert next(iter(terms.terms_from(fieldname, middle))) == (fieldname, middle)
                    assert cur.find(middle) == field.from_bytes(middle)
            assert ("nofield", b"x") not in terms
        assert checked > 500 and inlined > 50
    finally:
        reader.close()


def _cursor_walk(cur: Any) -> list[Any]:
    out = []
    text = cur.first()
    while cur.is_valid():
        out.append(text)
        text = cur.next()
    return out


def test_inlined_postings_read_like_written_ones(tmp_path: Path, docs: list[dict[str, object]]) -> None:
    """A single posting held by the dictionary (codec.inline_mask) reads
    back through every path as a written one does: Whoosh's matcher, the
    codec's whole-array read and the bulk dictionary read."""
    from searchkit import terms as sk_terms

    ours = _new_index(tmp_path / "bulk")
    _write(ours, [docs[:40]], bulk=True)
    with ours.reader() as r:
        (leaf, _), *_ = list(r.leaf_readers())
        seen = 0
        for fieldname in ("id", "anchors", "words", "digest"):
            entries = sk_terms._dictionary(leaf, fieldname)
            assert [e[0] for e in entries] == list(leaf.lexicon(fieldname))
            for btext, df, offset, _length in entries:
                ti = leaf.term_info(fieldname, btext)
                ids, weights = codec.read_postings(leaf._terms._postfile, ti)
                m = leaf.postings(fieldname, btext)
                walked = []
                while m.is_active():
                    walked.append((m.id(), m.weight()))
                    m.next()
                assert list(zip(ids.tolist(), weights.tolist(), strict=True)) == walked
                assert df == len(ids)
                if offset < 0:
                    assert ti.is_inlined() and df == 1
                    seen += 1
        assert seen > 40


def test_anchor_postings_match_whoosh_matchers_with_deletions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """dupgroups reads anchor postings (of segments whose dictionary holds
    them, as another writer's do) with the codec's whole-array read; they
    must be what Whoosh's matcher gives, deleted documents left out."""
    from searchkit import bulkwriter
    from searchkit.neardup import links as dupgroups

    monkeypatch.setattr(bulkwriter, "ANCHOR_TERMS", True)

    src = tmp_path / "src"
    src.mkdir()
    body = "The navy ordered a new radar for its frigates from the shipyard in the north. " * 8
    for i in range(6):
        (src / f"{i}.txt").write_text(f"Radar order {i}\n\n{body} Story {i}.\n", encoding="utf-8")
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([src])
    ix.close()
    wix = whoosh_index.open_dir(str(tmp_path / "ix"), indexname=INDEX_NAME)
    with wix.reader() as r:
        victim = next(iter(r.all_stored_fields()))["id"]
    w = wix.writer()
    w.delete_by_term("id", victim)
    w.commit(merge=False, optimize=False)  # keep the deletion in its segment
    with wix.reader() as r:
        assert r.has_deletions()
        leaves = list(r.leaf_readers())
        anchors = [t.decode() for t in r.lexicon("anchors")]
        assert anchors
        for anchor in anchors:
            _, present = dupgroups._sharing(leaves, anchor)
            want = [
                offset + d
                for leaf, offset in leaves
                if ("anchors", anchor.encode()) in leaf
                for d in leaf.postings("anchors", anchor).all_ids()
            ]
            assert dupgroups._postings(present, anchor) == want
            assert dupgroups._postings(present, anchor, 2) == want[:2]


@pytest.mark.parametrize("kind", [codec.V_NONE, codec.V_FREQ, codec.V_POSITIONS, codec.V_CHARS])
def test_vectorized_encoder_writes_the_block_encoders_bytes(kind: int) -> None:
    """encode_field builds every block of a field in one buffer; it must give
    exactly the bytes of the block-at-a-time definition: one-posting and
    many-block terms, weights all one, integral of each width, fractional
    and negative, values of every width."""
    rng = np.random.default_rng(14)
    blocklimit = 5
    tlen = rng.choice([1, 1, 2, 5, 6, 13, 40], size=60)
    ids = np.concatenate([np.sort(rng.choice(300_000, size=n, replace=False)) for n in tlen])
    starts = np.concatenate(([0], np.cumsum(tlen)))
    n = len(ids)
    style = rng.integers(0, 5, size=60)
    weights = np.ones(n, dtype=np.float32)
    for t, st in enumerate(style.tolist()):
        lo, hi = starts[t], starts[t + 1]
        weights[lo:hi] = [1.0, 3.0, 300.0, 70_000.0, 0.5][st] * rng.integers(1, 3, size=hi - lo)
    weights[7] = -2.0
    lengths = rng.choice([0, 1, 9, 400, 100_000], size=n)
    counts = rng.choice([1, 1, 2, 3, 300], size=n)
    occ = int(counts.sum())
    positions = np.concatenate([np.sort(rng.choice(90_000, size=c, replace=False)) for c in counts])
    gaps = rng.choice([0, 1, 3, 200, 70_000], size=occ)
    lens = rng.choice([1, 4, 12, 300], size=occ)
    ends = np.cumsum(gaps + lens)
    fp = codec.FieldPostings(
        starts, ids, weights, lengths, counts=counts, positions=positions, starts=ends - lens, ends=ends
    )
    want = codec.encode_terms_by_block(fp, kind, blocklimit)
    data, bounds, stats = codec.encode_field(fp, kind, blocklimit)
    assert [data[bounds[t] : bounds[t + 1]] for t in range(len(want))] == [d for d, _ in want]
    assert bounds[-1] == len(data)
    assert stats == [s for _, s in want]
    assert codec.encode_terms(fp, kind, blocklimit) == want
    if kind not in (codec.V_POSITIONS, codec.V_CHARS):
        return
    # Decoded back, block by block: positions and offsets as written, from
    # blocks of both layouts (fixed widths, and varints where shorter).
    postfile = _Bytes(data)
    widths = set()
    pos, st, en = [], [], []
    for t in range(len(want)):
        for block in codec._blocks(postfile, bounds[t]):
            vals = block.values(postfile, kind)
            widths.add(postfile.get(block._sizes()[2], 2)[1])
            assert vals.positions is not None
            pos.extend(vals.positions.tolist())
            if kind == codec.V_CHARS:
                assert vals.starts is not None and vals.ends is not None
                st.extend(vals.starts.tolist())
                en.extend(vals.ends.tolist())
    assert pos == positions.tolist()
    if kind == codec.V_CHARS:
        assert st == (ends - lens).tolist() and en == ends.tolist()
    assert 0 in widths and widths - {0}  # varint blocks and fixed-width ones


class _Bytes:
    """A postings file in memory (the ``get`` the codec's reader calls)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def get(self, position: int, length: int) -> bytes:
        return self.data[position : position + length]


def test_merges_carry_the_anchor_arrays(tmp_path: Path, docs: list[dict[str, object]]) -> None:
    """Anchors are kept in each segment's .anc arrays, not the dictionary;
    a merge (with deletions) renumbers them as it renumbers the documents."""
    from searchkit.neardup import links as dupgroups

    ix = _new_index(tmp_path / "ix")
    small = docs[:60]
    _write(ix, [small[0::3], small[1::3], small[2::3]], bulk=True)
    w = BulkWriter(ix, codec=CODEC)
    w.delete_by_term("id", str(small[4]["id"]))
    w.commit(mergetype=writing.NO_MERGE)
    w = BulkWriter(ix, codec=CODEC)
    w.add_document(**small[4])
    w.commit(mergetype=writing.OPTIMIZE)
    with ix.reader() as r:
        assert not list(r.lexicon("anchors"))
        (leaf, _), *_ = list(r.leaf_readers())
        assert len(list(r.leaf_readers())) == 1
        found = dupgroups._anchor_array(leaf)
        assert found is not None
        got = sorted(zip(found[0].tolist(), found[1].tolist(), strict=True))
        want = sorted(
            (int(v, 16), d)
            for d in r.all_doc_ids()
            for v in duplicates.anchors(dupgroups.decode_sketch(r.column_reader("sketch")[d]))
        )
        assert got == want and len(want) > 100


class _ScriptedPool:
    """The real pool, its tasks' readiness scripted: a task asked whether
    it is ready answers the next turn (and a True is made true by waiting)."""

    def __init__(self, real: Any, turns: Any) -> None:
        self.real, self.turns = real, turns

    def apply_async(self, fn: Any, args: Any) -> Any:
        task, turns = self.real.apply_async(fn, args), self.turns

        class Scripted:
            def ready(self) -> bool:
                if next(turns):
                    task.wait()
                    return True
                return False

            def get(self) -> Any:
                return task.get()

        return Scripted()

    def terminate(self) -> None:
        self.real.terminate()

    def join(self) -> None:
        self.real.join()


def test_chunks_prepared_here_while_the_pool_is_late_come_back_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """The writer prepares the next chunk itself each time the pool's is not
    ready (prepare.Preparer.prepared's steal), at most STEAL_AHEAD held; every
    article comes back in order, prepared once, and the articles are read as
    chunks are queued, not all before the first is handed back."""
    import multiprocessing

    from searchkit import prepare

    monkeypatch.setattr(prepare, "CHUNK", 4)
    monkeypatch.setattr(prepare, "MIN_ARTICLES", 8)
    articles = _articles()[:41]
    wanted = [prepare.prepare(a) for a in articles]
    here: list[str] = []  # articles prepared in this process (a worker appends to its own copy)
    real = prepare.prepare

    def counted(article: Article) -> Any:
        here.append(article.id)
        return real(article)

    monkeypatch.setattr(prepare, "prepare", counted)
    # Chunk 0 late twice, then ready; chunk 1 ready; chunk 2 late until
    # STEAL_AHEAD (4) chunks are held; then every chunk ready.
    turns = iter([False, False, True, True, False, False, False, False, False, True] + [True] * 40)
    read: list[int] = []

    def source() -> Any:
        for k, a in enumerate(articles):
            read.append(k)
            yield a

    preparer = prepare.Preparer(workers=1)
    preparer._pool = _ScriptedPool(multiprocessing.get_context("fork").Pool(1), turns)
    try:
        stream = preparer.prepared(source())
        first = next(stream)
        assert len(read) < len(articles)  # parsed as queued, not all at once
        got = [first, *stream]
    finally:
        preparer.close()
    assert [prepare.as_written(p) for p in got] == wanted  # a chunk's terms come numbered
    assert all(isinstance(p[1], Numbered) for p in got)
    # Pool chunks 0-3 queued first (AHEAD); 0 late twice: chunks 4 and 5
    # prepared here; then 6 and 7 go to the pool as 0 and 1 leave it; 2
    # late: 8 and 9 here, and with four held the writer waits.
    assert here == [a.id for k in (4, 5, 8, 9) for a in articles[4 * k : 4 * k + 4]]

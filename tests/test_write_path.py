"""The write path's shortcuts give what the plain path gives: the stored
fields made ahead (prepare.stored_blob) are the stored column's bytes, the
radix ordering is numpy's stable argsort, and the stamp guess follows the
batches."""

from __future__ import annotations

import pickle
import zlib
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from searchkit import bulkwriter, perdoc, prepare
from searchkit.articles import Article, record_digest
from searchkit.indexer import _document
from searchkit.schema import build_schema


def _article(**over: object) -> Article:
    fields: dict[str, object] = {
        "id": "a-1",
        "headline": "Radar contract",
        "date": date(1987, 3, 2),
        "sources": ("Reuters", "AP"),
        "body": "The navy ordered a radar. " * 20,
    }
    fields.update(over)
    return Article(**fields)  # type: ignore[arg-type]


ARTICLES = [
    _article(),
    _article(date=None, sources=(), summary="A summary", path="/x/y.jsonl"),
    _article(url="http://example.com/1", publisher="Daily", summary=""),
    _article(headline="", body="short", sources=("Reuters", "Reuters")),
    _article(publisher="Reuters", sources=("Reuters",), path="/p"),
]


@pytest.mark.parametrize("article", ARTICLES)
def test_stored_fields_are_the_ones_the_writer_stores(article: Article) -> None:
    schema = build_schema()
    digest = record_digest(article)
    doc = _document(article, digest, 7, ())
    # What BulkWriter.add_fields keeps: the schema's stored fields, by name, None left out.
    kept = {n: doc[n] for n in sorted(doc) if schema[n].stored and doc[n] is not None}
    made = prepare.stored_fields(article, digest, 7)
    assert list(made.items()) == list(kept.items())
    stamp, keys, blob = prepare.stored_blob(article, digest, 7)
    assert (stamp, keys) == (7, tuple(kept))
    # The bytes Whoosh's stored column writes for that dict.
    assert blob == zlib.compress(pickle.dumps(kept, 2), perdoc.STORED_LEVEL)
    assert pickle.loads(zlib.decompress(blob)) == kept


def test_packed_and_plain_stored_values_encode_alike() -> None:
    from whoosh.codec.whoosh3 import STORED_COLUMN

    dicts = [{"id": f"d{i}", "body": "text " * i} for i in range(6)]
    packed = [perdoc.Packed(zlib.compress(pickle.dumps(d, 2), perdoc.STORED_LEVEL)) for d in dicts]
    mixed = [packed[i] if i % 2 else d for i, d in enumerate(dicts)]
    docs = [0, 1, 2, 4, 5, 7]
    plain = perdoc._encoded(STORED_COLUMN, docs, dicts, 9)
    assert plain is not None
    assert perdoc._encoded(STORED_COLUMN, docs, mixed, 9) == plain
    assert perdoc._encoded(STORED_COLUMN, docs, packed, 9) == plain


@pytest.mark.parametrize("nkeys", [1, 300, 1 << 16, (1 << 16) + 1, 5_000_000])
def test_stable_order_is_numpys_stable_argsort(nkeys: int) -> None:
    rng = np.random.default_rng(nkeys)
    keys = (rng.zipf(1.2, 50_000) % nkeys).astype(np.int64)
    keys[:5] = nkeys - 1  # the largest key present, ties among them
    assert np.array_equal(bulkwriter.stable_order(keys, nkeys), np.argsort(keys, kind="stable"))


@pytest.mark.parametrize("replayed", [False, True])
def test_a_commit_mid_file_keeps_the_stored_fields_made_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replayed: bool
) -> None:
    """Small chunks and batches: the chunks queued before a commit are
    made with the next batch's stamp, and the index holds what the plain
    path (no pool) writes; ``replayed``: also when every column goes
    through Whoosh's own writers (a segment past VarBytesColumn's offsets
    cutoff, 32,768 documents)."""
    import json

    from whoosh import index as whoosh_index

    from searchkit import SearchIndex
    from searchkit.storage import INDEX_NAME
    from searchkit.tuning import Tuning

    monkeypatch.setattr(prepare, "CHUNK", 5)
    monkeypatch.setattr(prepare, "MIN_ARTICLES", 10)
    made = [0, 0]
    finish = perdoc.BulkPerDocWriter.finish_doc

    def counted(self: perdoc.BulkPerDocWriter, packed: perdoc.Packed | None = None) -> None:
        made[0] += packed is not None
        made[1] += 1
        finish(self, packed)

    monkeypatch.setattr(perdoc.BulkPerDocWriter, "finish_doc", counted)
    if replayed:
        monkeypatch.setattr(perdoc, "_encoded", lambda *args: None)
    corpus = tmp_path / "c"
    corpus.mkdir()
    with (corpus / "all.jsonl").open("w", encoding="utf-8") as f:
        for k in range(64):
            body = f"Story {k} about radar number {k}. " + "The navy ordered more. " * (k % 7 + 3)
            f.write(json.dumps({"id": f"s{k}", "headline": f"Radar {k}", "body": body, "date": "1987-03-02"}) + "\n")
    stored = {}
    for workers in ("0", "1"):
        monkeypatch.setenv("SEARCHKIT_WORKERS", workers)
        made[:] = [0, 0]
        SearchIndex(tmp_path / workers, create=True, tuning=Tuning(batch_articles=20)).update([corpus])
        if workers == "1":
            assert made == [64, 64], made  # every stamp guessed right: batches commit by size
        wix = whoosh_index.open_dir(str(tmp_path / workers), indexname=INDEX_NAME)
        with wix.reader() as r:
            stored[workers] = sorted((f["id"], sorted(f.items())) for f in r.all_stored_fields())
    assert stored["0"] == stored["1"]
    stamps = {dict(fields)["id"]: dict(fields)["indexed_at"] for _, fields in stored["1"]}
    assert len(set(stamps.values())) == 4  # batches of 20, 20, 20 and 4


def test_the_last_commit_encodes_its_largest_field_in_the_pool_with_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last commit of a run with a pool hands its largest field (the
    body) to a worker (BulkWriter.beside) and writes it in its turn: every
    segment file is byte for byte what a run without a pool writes, and the
    mid-file commits keep encoding everything themselves."""
    import hashlib
    import json

    from searchkit import SearchIndex
    from searchkit.tuning import Tuning

    monkeypatch.setattr(prepare, "CHUNK", 5)
    monkeypatch.setattr(prepare, "MIN_ARTICLES", 10)
    handed: list[str] = []
    real = prepare.Preparer.beside

    def counted(self: prepare.Preparer, fn: object, args: tuple[object, ...]) -> object:
        got = real(self, fn, args)  # type: ignore[arg-type]
        if got is not None:  # None: no pool (the run without workers)
            handed.append(type(args[1]).__name__)
        return got

    monkeypatch.setattr(prepare.Preparer, "beside", counted)
    corpus = tmp_path / "c"
    corpus.mkdir()
    with (corpus / "all.jsonl").open("w", encoding="utf-8") as f:
        for k in range(64):
            body = f"Story {k} about radar number {k}. " + "The navy's ships ordered more. " * (k % 7 + 3)
            f.write(json.dumps({"id": f"s{k}", "headline": f"Radar {k}", "body": body}) + "\n")

    def files(where: Path) -> list[tuple[str, str]]:
        # Segment names are random: files by their suffix and content.
        return sorted(
            (p.name.split(".", 1)[1] if "." in p.name else "", hashlib.sha256(p.read_bytes()).hexdigest())
            for p in where.glob("MAIN_*")
        )

    got = {}
    for workers in ("0", "1"):
        monkeypatch.setenv("SEARCHKIT_WORKERS", workers)
        monkeypatch.setattr("time.time", lambda: 1_700_000_000.0)  # indexed_at, alike in both runs
        SearchIndex(tmp_path / workers, create=True, tuning=Tuning(batch_articles=20)).update([corpus])
        got[workers] = files(tmp_path / workers)
    assert handed == ["TEXT"]  # once: the last of the four commits, the body
    assert got["0"] == got["1"] and len(got["0"]) > 20

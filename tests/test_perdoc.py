"""searchkit.perdoc writes Whoosh's per-document files byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from whoosh import columns, fields
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec

from searchkit.bulkwriter import BulkWriter
from searchkit.codec import SearchkitCodec
from searchkit.perdoc import var_bytes
from searchkit.storage import INDEX_NAME

from .test_codec import _articles, _docs, _new_index


def _column_files(where: Path) -> dict[str, bytes]:
    """Every column file of the index's one segment, by field name."""
    found = {}
    for p in where.iterdir():
        if p.name.endswith(".col"):
            found[p.name.split(".", 1)[1].removesuffix(".col")] = p.read_bytes()
    return found


@pytest.fixture(scope="module")
def docs() -> list[dict[str, object]]:
    return _docs(_articles())


def test_columns_are_whooshs_bytes(tmp_path: Path, docs: list[dict[str, object]]) -> None:
    ours, theirs = _new_index(tmp_path / "ours"), _new_index(tmp_path / "theirs")
    w = BulkWriter(ours, codec=SearchkitCodec())
    for doc in docs:
        w.add_document(**doc)
    w.commit()
    w2 = theirs.writer(codec=W3Codec(), compound=False)
    for doc in docs:
        w2.add_document(**doc)
    w2.commit()
    a, b = _column_files(tmp_path / "ours"), _column_files(tmp_path / "theirs")
    assert {"_stored", "_body_len", "date", "id", "sketch", "bounds"} <= set(a)
    assert a == b
    # ... and plain Whoosh reads them back.
    wix = whoosh_index.open_dir(str(tmp_path / "ours"), indexname=INDEX_NAME)
    with wix.reader() as r:
        assert [r.stored_fields(n)["id"] for n in range(r.doc_count_all())] == [d["id"] for d in docs]
        assert list(r.column_reader("date")) == [d["date"] for d in docs]


def _both(
    tmp_path: Path, schema: fields.Schema, rows: list[dict[str, Any]]
) -> tuple[dict[str, bytes], dict[str, bytes]]:
    out = []
    for name, codec in (("ours", SearchkitCodec()), ("theirs", W3Codec())):
        where = tmp_path / name
        where.mkdir()
        ix = whoosh_index.create_in(str(where), schema)
        w = ix.writer(codec=codec, compound=False)
        for row in rows:
            w.add_document(**row)
        w.commit()
        out.append(_column_files(where))
    return out[0], out[1]


def test_gaps_defaults_wide_values_and_offsets(tmp_path: Path) -> None:
    """Documents without a value, values equal to the default, lengths past
    one and two bytes, and a VarBytes column big enough for Whoosh's offsets
    table (replayed through Whoosh's own writer)."""
    schema = fields.Schema(
        n=fields.NUMERIC(int, bits=64, stored=True, sortable=True, default=7, signed=True),
        v=fields.COLUMN(columns.VarBytesColumn()),
        big=fields.COLUMN(columns.VarBytesColumn(write_offsets_cutoff=3)),
        r=fields.COLUMN(columns.RefBytesColumn()),
        t=fields.TEXT(stored=True),
    )
    rows: list[dict[str, Any]] = []
    for i in range(12):
        row: dict[str, Any] = {"t": "word " * (i * 40)} if i % 3 else {}
        if i % 4:
            row["n"] = 7 if i == 5 else -(i**9)
        if i % 5:
            row["v"] = b"x" * (i * 7000)
            row["big"] = bytes([i]) * i
            row["r"] = b"ab" if i % 2 else b"c"
        rows.append(row)
    rows.append({})  # the last document has nothing
    a, b = _both(tmp_path, schema, rows)
    assert {"n", "v", "big", "r", "_stored", "_t_len"} <= set(a)
    assert a == b


def test_var_bytes_lengths_widen_like_growable_array() -> None:
    assert var_bytes([0, 2], [b"a", b"bc"], 3)[-1:] == b"B"
    assert var_bytes([1], [b"x" * 300], 2)[-1:] == b"H"
    assert var_bytes([0], [b"x" * 70_000], 1)[-1:] == b"i"

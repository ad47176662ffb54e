"""searchkit's fixes to Whoosh 2.7.4 keep Whoosh's behaviour."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh.codec import whoosh3

from searchkit import storage


@pytest.fixture()
def perdoc(library_dir: Path) -> Iterator[whoosh3.W3PerDocReader]:
    """A fresh per-document reader of the session index's first segment."""
    reader = storage.open_index(library_dir).reader()
    leaf = next(iter(reader.leaf_readers()))[0]
    yield leaf._perdoc
    reader.close()


def test_lengths_are_read_as_before(perdoc: whoosh3.W3PerDocReader) -> None:
    assert perdoc.doc_field_length(0, "body") > 0
    assert perdoc.doc_field_length(0, "words", 7) == 7  # no length column: the default


def test_a_missing_length_column_is_looked_up_once(perdoc: whoosh3.W3PerDocReader, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = whoosh3.W3PerDocReader.has_column

    def counting(self: whoosh3.W3PerDocReader, fieldname: str) -> bool:
        calls.append(fieldname)
        return real(self, fieldname)

    monkeypatch.setattr(whoosh3.W3PerDocReader, "has_column", counting)
    for docnum in range(3):
        perdoc.doc_field_length(docnum, "words")
    assert len(calls) == 1


def test_var_bytes_columns_read_their_offsets_as_whoosh_does(library_dir: Path) -> None:
    """Every VarBytes column of every segment (ids, paths, digests, sketches,
    stored fields' bytes...): the same offsets and lengths as Whoosh's own
    reading, and so the same values."""
    from whoosh import columns

    from searchkit import whoosh_fixes

    reader = storage.open_index(library_dir).reader()
    seen = 0
    try:
        for leaf, _ in reader.leaf_readers():
            perdoc = leaf._perdoc
            for name in ("id", "path", "digest", "sketch", "bounds"):
                col = perdoc.column_reader(name, leaf.schema[name].column_type)
                if type(col) is not columns.VarBytesColumn.Reader:
                    continue
                fixed = (col._offsets.tolist(), col._lengths.tolist(), col._offsets.typecode)
                whoosh_fixes.WHOOSH_VAR_BYTES_OFFSETS(col)
                assert fixed == (col._offsets.tolist(), col._lengths.tolist(), col._offsets.typecode), name
                seen += 1
    finally:
        reader.close()
    assert seen >= 4

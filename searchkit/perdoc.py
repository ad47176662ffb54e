"""Whoosh's per-document files (stored fields, columns, field lengths),
written a segment at a time in Whoosh's own format.

``W3PerDocWriter`` takes every column value through its column's writer as
it comes: ten column writes an article here (stored fields, three field
lengths, ids, dates, sketch, boundaries), each a few Python calls deep,
11% of the main process's profiled time in an index run. This writer keeps
each column's values in a list and encodes each column at close in one
pass, producing the bytes Whoosh's writers produce (tests/test_perdoc.py
compares them file by file). Whoosh's own per-document reader reads the
files, so nothing about the format changes: plain ``whoosh.index.open_dir``
serves ``stored_fields`` and ``column_reader`` as before.

Column types without an encoder here (and a VarBytes column large enough
for Whoosh to add its offsets table) are replayed through their own writer.

A document's stored fields may come already pickled and compressed
(:func:`searchkit.prepare.stored_blob`, made in a worker process): they are
the bytes Whoosh's stored column would hold for that dict, written as they
are (:class:`Packed`).
"""

from __future__ import annotations

import pickle
import struct
import sys
import zlib
from array import array
from collections import defaultdict
from typing import Any

from whoosh import columns
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, STORED_COLUMN, W3PerDocWriter, _lenfield
from whoosh.util.numeric import length_to_byte

_LITTLE = sys.byteorder == "little"
# The stored column's compression level (Whoosh's CompressedBytesColumn default).
STORED_LEVEL: int = STORED_COLUMN._child._level


class Packed(bytes):
    """A stored-fields value already pickled and compressed as the stored
    column would (see the module doc)."""

    __slots__ = ()


def _packed(value: Any) -> bytes:
    """A stored-fields value as the stored column's innermost writer takes it."""
    return value if type(value) is Packed else zlib.compress(pickle.dumps(value, 2), STORED_LEVEL)


def _growable_code(largest: int) -> str:
    """The typecode Whoosh's GrowableArray ends with for values up to ``largest``."""
    if largest < 2**8:
        return "B"
    if largest < 2**16:
        return "H"
    if largest < 2**31:
        return "i"
    if largest < 2**32:
        return "I"
    raise OverflowError(f"{largest} is too big to fit in an array")


def _big_endian(code: str, values: list[int]) -> bytes:
    a = array(code, values)
    if _LITTLE:
        a.byteswap()
    return a.tobytes()


def var_bytes(docs: list[int], values: list[bytes], doccount: int) -> bytes:
    """``VarBytesColumn``'s bytes (without its offsets table): the values,
    each document's length (0 without a value), the lengths' typecode."""
    lengths = [0] * doccount
    for d, v in zip(docs, values, strict=True):
        lengths[d] = len(v)
    code = _growable_code(max(lengths, default=0))
    return b"".join(values) + _big_endian(code, lengths) + code.encode("ascii")


def numeric(column: columns.NumericColumn, docs: list[int], values: list[Any]) -> bytes:
    """``NumericColumn``'s bytes: one packed number per document up to the
    last one that differs from the default (the reader gives the default after)."""
    default = column._default
    full: list[Any] = []
    for d, v in zip(docs, values, strict=True):
        if v == default:
            continue  # as Whoosh's writer: a default value is only filled in
        if d > len(full):
            full.extend([default] * (d - len(full)))
        full.append(v)
    return struct.pack(f"!{len(full)}{column._typecode}", *full)


def _encoded(column: Any, docs: list[int], values: list[Any], doccount: int) -> bytes | None:
    """The column's file, or None when this module has no encoder for it."""
    kind = type(column)
    if kind is columns.PickleColumn:
        child = column._child
        values = [v if type(v) is Packed else b"" if v is None else pickle.dumps(v, 2) for v in values]
        return _encoded(child, docs, values, doccount)
    if kind is columns.CompressedBytesColumn and column._module == "zlib":
        level = column._level
        values = [v if type(v) is Packed else zlib.compress(v, level) for v in values]
        return _encoded(columns.VarBytesColumn(), docs, values, doccount)
    if kind is columns.VarBytesColumn:
        if column.allow_offsets and doccount > column.write_offsets_cutoff:
            return None  # Whoosh adds an offsets table here: its own writer writes it
        return var_bytes(docs, values, doccount)
    if kind is columns.NumericColumn:
        return numeric(column, docs, values)
    return None


def numeric_bytes(col: Any) -> bytes | None:
    """A NumericColumn reader's stored values, big-endian as Whoosh wrote
    them, in one read (Whoosh's reader seeks and reads once per document);
    None for another reader. Whoosh leaves trailing defaults unwritten, so
    there may be fewer values than documents (``col._count``)."""
    if type(col) is not columns.NumericColumn.Reader:
        return None
    raw: bytes = col._dbfile.get(col._basepos, col._count * col._fixedlen)
    return raw


class BulkPerDocWriter(W3PerDocWriter):
    """``W3PerDocWriter`` with every column encoded at close (see the module doc)."""

    def __init__(self, codec: Any, storage: Any, segment: Any) -> None:
        # Not W3's __init__: it opens a temporary compound file for the
        # column writers, which this writer does not use.
        self._codec = codec
        self._storage = storage
        self._segment = segment
        self._fieldlengths: defaultdict[str, int] = defaultdict(int)
        self._doccount = 0
        self._docnum: int | None = None
        self._storedfields: dict[str, Any] | None = None
        self._indoc = False
        self.is_closed = False
        self._vpostfile = None
        self._columns: dict[str, tuple[Any, list[int], list[Any]]] = {"_stored": (STORED_COLUMN, [], [])}
        self._lengths: dict[str, tuple[list[int], list[int]]] = {}

    def _has_column(self, fieldname: str) -> bool:
        return fieldname in self._columns

    def add_field(self, fieldname: str, fieldobj: Any, value: Any, length: int) -> None:
        if value is not None:
            self._storedfields[fieldname] = value  # type: ignore[index]
        if length:
            entry = self._lengths.get(fieldname)
            if entry is None:
                entry = self._lengths[fieldname] = ([], [])
            entry[0].append(self._docnum)  # type: ignore[arg-type]
            entry[1].append(length)
            self._fieldlengths[fieldname] += length

    def add_column_value(self, fieldname: str, columnobj: Any, value: Any) -> None:
        entry = self._columns.get(fieldname)
        if entry is None:
            entry = self._columns[fieldname] = (columnobj, [], [])
        entry[1].append(self._docnum)  # type: ignore[arg-type]
        entry[2].append(value)

    def finish_doc(self, packed: Packed | None = None) -> None:
        """Ends the document; ``packed``: its stored fields, made already."""
        sf = self._storedfields
        if packed is not None:
            self.add_column_value("_stored", STORED_COLUMN, packed)
        elif sf:
            self.add_column_value("_stored", STORED_COLUMN, sf)
        self._storedfields = None  # a new dict each document: the one kept stays as it was
        self._indoc = False

    def close(self) -> None:
        if self._indoc:
            self.finish_doc()
        self._segment._fieldlengths = self._fieldlengths
        bytes_of: dict[int, int] = {}
        for fieldname, (docs, lengths) in self._lengths.items():
            for n in set(lengths).difference(bytes_of):
                bytes_of[n] = length_to_byte(n)
            self._columns[_lenfield(fieldname)] = (LENGTHS_COLUMN, docs, [bytes_of[n] for n in lengths])
        doccount = self._doccount
        for fieldname, (column, docs, values) in self._columns.items():
            f = self._storage.create_file(self._column_filename(fieldname))
            data = _encoded(column, docs, values, doccount)
            if data is None:
                if column is STORED_COLUMN and any(type(v) is Packed for v in values):
                    # Made values are the compressed bytes: written through the innermost column.
                    column = columns.VarBytesColumn()  # what CompressedBytesColumn's writer writes through
                    values = [_packed(v) for v in values]
                writer = column.writer(f)
                for d, v in zip(docs, values, strict=True):
                    writer.add(d, v)
                writer.finish(doccount)
            else:
                f.write(data)
            f.close()
        self._columns.clear()
        self._lengths.clear()
        if self._vpostfile:
            self._vpostfile.close()
        self.is_closed = True

"""searchkit's term dictionary file (a segment's ``.trm``): sorted terms and
their statistics as narrowed arrays, one section per field.

W3's dictionary is an on-disk hash file: per term an 8-byte length header,
the 2-byte field number and key, a fixed 35-byte ``W3TermInfo`` record, two
12-byte hash slots and a 4-byte entry in the order table: 73 bytes beside
the key, for terms that are mostly one posting long (anchors, ids, digests,
rare words). Here a field's terms are one sorted blob with a key-length array,
and each statistic an array in the narrowest of 1, 2 or 4 bytes that holds
it (weights as float32 where they are not small integers, as W3 keeps them),
so a term costs its key and about 12 bytes. A lookup is a binary search over
the field's keys: over the key blob for a field's first few lookups, then
(``bisect`` over a list of bytes, C speed) over a list of them built once
the field has been asked often; the file is read one field section at a time.

Layout: ``SKt1``, the field sections one after another, a JSON directory
(per field, in field-number order: its name, term count, and each array's
offset, dtype and length, or ``"const"`` and the one value every term has),
the directory's offset (uint64) and ``SKt1``.

The codec's terms reader (``codec.SearchkitTermsReader``) serves Whoosh's
``TermsReader`` interface from it, so Whoosh's own searcher, parser and
merges read it as they read W3's file.
"""

from __future__ import annotations

import bisect
import itertools
import json
import struct
import sys
from array import array
from collections.abc import Iterator, Sequence
from typing import Any

MAGIC = b"SKt1"
_TAIL = struct.Struct("<Q4s")
# The statistics kept per term (Whoosh's W3TermInfo fields), in file order;
# ``offsets`` (given to the writer; the file keeps each term's postings
# length) has one more entry than the terms (each term's postings are
# ``offsets[t]:offsets[t + 1]`` from the field's base offset in the postings
# file; an empty range means the posting is held by the statistics alone,
# see codec.inline_mask).
STATS = ("df", "weight", "maxweight", "minlb", "maxlb", "minid", "span")
_FLOAT_EXACT = 1 << 24  # integers float32 holds exactly
# Keys per blob look-up that building the key list costs about as much as
# (a list entry ~0.1 us, a bisect over the blob ~6 us).
_LIST_AFTER = 64


def _np() -> Any:
    import numpy

    return numpy


def _narrow(values: Any, floats: bool = False) -> tuple[bytes, str]:
    """``values`` in the narrowest little-endian dtype that holds them exactly
    (as float32 holds them, for ``floats``)."""
    np = _np()
    arr = np.asarray(values)
    if floats:
        f32 = arr.astype(np.float32)
        ints = f32.astype(np.float64)
        if not len(arr) or (
            bool(np.all(ints == np.round(ints))) and float(ints.min()) >= 0 and float(ints.max()) < _FLOAT_EXACT
        ):
            arr = ints.astype(np.int64)
        else:
            return f32.astype("<f4").tobytes(), "<f4"
    arr = arr.astype(np.int64)
    top = int(arr.max()) if len(arr) else 0
    if len(arr) and int(arr.min()) < 0:
        raise ValueError("searchkit term file: a negative statistic")
    dt = "<u1" if top < 0x100 else "<u2" if top < 0x10000 else "<u4" if top < 1 << 32 else "<u8"
    return arr.astype(dt).tobytes(), dt


_SIZE_OF = {"<u1": 1, "|u1": 1, "<u2": 2, "<u4": 4, "<u8": 8, "<f4": 4}


def _nbytes(dtype: str, count: int) -> int:
    if dtype == "const":
        return 0
    return count if dtype == "bytes" else _SIZE_OF[dtype] * count


class TermFileWriter:
    """Writes the file one field at a time (fields in the order Whoosh numbers them)."""

    def __init__(self, dbfile: Any) -> None:
        self._f = dbfile
        self._f.write(MAGIC)
        self._fields: list[dict[str, Any]] = []

    def add_field(self, fieldname: str, keys: Sequence[bytes], stats: dict[str, Any], base: int, offsets: Any) -> None:
        """``keys`` ascending; ``stats`` one array per name in STATS (``span``
        being maxid - minid); ``offsets`` one more than the keys, relative to ``base``."""
        if any(f["name"] == fieldname for f in self._fields):
            raise ValueError(f"searchkit term file: field {fieldname} written twice")
        np = _np()
        arrays: dict[str, list[Any]] = {}

        def put(name: str, raw: bytes, dtype: str, count: int) -> None:
            arrays[name] = [self._f.tell(), dtype, count]
            self._f.write(raw)

        def put_stat(name: str, values: Any, floats: bool) -> None:
            arr = np.asarray(values)
            if len(arr) > 1 and bool(np.all(arr == arr[0])):
                # One value for every term (the length bytes of a field without
                # lengths, the weights of one-posting terms): kept in the directory.
                raw, dt = _narrow(arr[:1], floats=floats)
                one = np.frombuffer(raw, dtype=dt)[0].item()
                arrays[name] = [self._f.tell(), "const", len(arr), one]
                return
            raw, dt = _narrow(arr, floats=floats)
            put(name, raw, dt, len(arr))

        blob = b"".join(keys)
        # Key lengths and postings lengths, not offsets: mostly one byte each
        # where offsets into a field's bytes take four (summed up on reading).
        klen = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
        put("keys", blob, "bytes", len(blob))
        put_stat("klen", klen, False)
        for name in STATS:
            put_stat(name, stats[name], name in ("weight", "maxweight"))
        off = np.asarray(offsets, dtype=np.int64)
        if len(off) != len(keys) + 1 or (len(off) and int(off[0]) != 0):
            raise ValueError("searchkit term file: offsets must start at 0, one more than the keys")
        put_stat("plen", np.diff(off), False)
        self._fields.append({"name": fieldname, "n": len(keys), "base": int(base), "arrays": arrays})

    def close(self) -> None:
        at = self._f.tell()
        self._f.write(json.dumps({"fields": self._fields}, separators=(",", ":")).encode("utf-8"))
        self._f.write(_TAIL.pack(at, MAGIC))
        self._f.close()


class FieldTerms:
    """One field's section, decoded on first use: statistics as arrays, keys
    searched in the blob until the field has been asked often enough to pay
    for a list of them (for ``bisect`` at C speed).

    Without numpy: a term's look-up and its statistics (``find``, ``row``,
    ``value``) read typed views of the section's bytes, so a search that
    goes through Whoosh's matchers (executor's light path) never loads
    numpy. ``stat`` and ``offsets`` give numpy arrays of the same values for
    callers that read many terms at once (built on first use).
    """

    __slots__ = ("_blob", "_keys", "_koff", "_numpy", "_offs", "_probes", "_stats", "base", "n", "name")

    def __init__(self, dbfile: Any, entry: dict[str, Any]) -> None:
        self.name: str = entry["name"]
        self.n: int = entry["n"]
        self.base: int = entry["base"]
        arrays = entry["arrays"]
        lo = min(a[0] for a in arrays.values())
        hi = max(a[0] + _nbytes(a[1], a[2]) for a in arrays.values())
        buf = dbfile.get(lo, hi - lo)

        def arr(name: str) -> Sequence[Any]:  # an array, or _Const
            off, dt, cnt, *one = arrays[name]
            if dt == "const":
                return _Const(cnt, one[0])
            return typed(buf, off - lo, dt, cnt)

        koff_at, _, blob_len = arrays["keys"]
        self._blob: bytes = buf[koff_at - lo : koff_at - lo + blob_len]
        self._koff = _Starts(arr("klen"))
        self._keys: list[bytes] | None = None
        # Look-ups searched in the blob so far; past the field's share
        # (_LIST_AFTER) the key list is built.
        self._probes = 0
        self._stats = {name: arr(name) for name in STATS}
        self._offs = _Starts(arr("plen"))
        self._numpy: dict[str, Any] = {}

    def _as_numpy(self, name: str) -> Any:
        found = self._numpy.get(name)
        if found is None:
            np = _np()
            values = self._stats[name] if name in self._stats else getattr(self, name).all()
            found = np.full(len(values), values.value) if isinstance(values, _Const) else np.asarray(values)
            self._numpy[name] = found
        return found

    @property
    def offsets(self) -> Any:
        """Each term's postings start, and the end (one more than the terms), relative to ``base`` (numpy)."""
        return self._as_numpy("_offs")

    def extent(self, i: int) -> tuple[int, int]:
        """Term ``i``'s postings as (start, end) relative to ``base`` (equal: held by the statistics)."""
        return self._offs[i], self._offs[i + 1]

    def value(self, name: str, i: int) -> Any:
        """Statistic ``name`` of term ``i`` (an int, or a float for the weights)."""
        return self._stats[name][i]

    @property
    def keys(self) -> list[bytes]:
        """Every key in order (scans, merges, bulk reads)."""
        if self._keys is None:
            blob = self._blob
            self._keys = [blob[a:b] for a, b in itertools.pairwise(self._koff.all())]
        return self._keys

    def key(self, i: int) -> bytes:
        """Term ``i``'s key, without building the list."""
        if self._keys is not None:
            return self._keys[i]
        koff = self._koff
        return self._blob[koff[i] : koff[i + 1]]

    def from_key(self, tbytes: bytes) -> int:
        """Index of the first term >= ``tbytes``."""
        if self._keys is None:
            # A plain search asks a field for a few words: a bisect over the
            # blob (~6 us) where the list of a segment's keys costs ~0.1 us a
            # key; a field asked for many (ids) builds the list once they
            # would have paid for it.
            self._probes += 1
            if self._probes * _LIST_AFTER <= self.n:
                return bisect.bisect_left(range(self.n), tbytes, key=self.key)
        return bisect.bisect_left(self.keys, tbytes)

    def find(self, tbytes: bytes) -> int:
        """The term's index, or -1."""
        i = self.from_key(tbytes)
        return i if i < self.n and self.key(i) == tbytes else -1

    def find_many(self, wanted: Sequence[bytes]) -> Any:
        """Each key's index, or -1 (an int64 array), by one numpy search over
        the keys padded to one width (a search's ~1,000 near-duplicate ids
        per segment, where a bisect each costs more than the search)."""
        np = _np()
        if not wanted or not self.n:
            return np.full(len(wanted), -1, dtype=np.int64)
        if len(wanted) * _LIST_AFTER <= self.n or b"\x00" in self._blob or any(b"\x00" in k for k in wanted):
            # A few keys: a bisect each costs less than padding the keys.
            # numpy's bytes strings drop trailing zero bytes, so they would
            # compare keys holding them otherwise than bytes do.
            return np.fromiter(map(self.find, wanted), dtype=np.int64, count=len(wanted))
        koff = self._as_numpy("_koff")
        lengths = np.diff(koff)
        # Wide enough for the longest asked key too: numpy would cut it short.
        width = max(int(lengths.max()), max(map(len, wanted)), 1)
        padded = np.zeros(self.n * width, dtype=np.uint8)
        # Key byte j of term t lands at t * width + j.
        shift = np.repeat(np.arange(self.n, dtype=np.int64) * width - koff[:-1], lengths)
        padded[np.arange(len(self._blob), dtype=np.int64) + shift] = np.frombuffer(self._blob, dtype=np.uint8)
        table = padded.view(f"S{width}")
        asked = np.array(wanted, dtype=f"S{width}")
        at = np.searchsorted(table, asked)
        hit = at < self.n
        hit[hit] = table[at[hit]] == asked[hit]
        return np.where(hit, at, -1)

    def stat(self, name: str) -> Any:
        """Statistic ``name`` of every term (numpy)."""
        return self._as_numpy(name)

    def row(self, i: int) -> tuple[float, int, int, int, float, int, int, int, int]:
        """(weight, df, minlb, maxlb, maxweight, minid, maxid, offset, length) of term ``i``."""
        s = self._stats
        minid = int(s["minid"][i])
        start, end = self._offs[i], self._offs[i + 1]
        return (
            float(s["weight"][i]),
            int(s["df"][i]),
            int(s["minlb"][i]),
            int(s["maxlb"][i]),
            float(s["maxweight"][i]),
            minid,
            minid + int(s["span"][i]),
            self.base + start,
            end - start,
        )


class _Const(Sequence[Any]):
    """A statistic every term of the field has the same value of (kept in the directory)."""

    __slots__ = ("n", "value")

    def __init__(self, n: int, value: Any) -> None:
        self.n, self.value = n, value

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self.value] * len(range(*i.indices(self.n)))
        if not -self.n <= i < self.n:
            raise IndexError(i)
        return self.value

    def __iter__(self) -> Iterator[Any]:
        return itertools.repeat(self.value, self.n)  # not Sequence's item-by-item walk


# Little-endian dtypes (the term file's, and the codec's block widths) as
# array typecodes of the machine's byte order (swapped on a big-endian one).
_TYPECODE_OF = {"<u1": "B", "|u1": "B", "<u2": "H", "<u4": "I", "<u8": "Q", "<f4": "f"}
_BIG = sys.byteorder == "big"
if any(array(code).itemsize != _SIZE_OF[dt] for dt, code in _TYPECODE_OF.items()):  # pragma: no cover
    raise ImportError("searchkit.termfile needs array typecodes of 1, 2, 4 and 8 bytes")


def typed(buf: Any, at: int, dtype: str, count: int) -> array[Any]:
    """``count`` little-endian values of ``dtype`` at ``buf[at]`` as an
    array: one copy at memcpy speed (no intermediate slice of ``buf``), no
    numpy. The codec's list decode reads its blocks with it too."""
    values = array(_TYPECODE_OF[dtype])
    values.frombytes(memoryview(buf)[at : at + _SIZE_OF[dtype] * count])
    if _BIG:  # pragma: no cover - no big-endian machine runs the suite
        values.byteswap()
    return values


def _starts(lengths: Sequence[int]) -> array[int]:
    """Running sums of ``lengths`` from 0 (one more than the lengths): where each item starts.

    By numpy when a search has loaded it (a 30,000-term field's sums are
    ~1.3 ms in Python, ~0.1 ms so), else in Python (the light path's)."""
    if isinstance(lengths, _Const):
        step = int(lengths.value)
        return array("q", range(0, (len(lengths) + 1) * step, step) if step else bytes(8 * (len(lengths) + 1)))
    np = sys.modules.get("numpy")
    if np is None or len(lengths) < 256:
        return array("q", itertools.accumulate(lengths, initial=0))
    # Summed into the array's own buffer, not copied out of numpy's.
    sums = array("q", [0]) * (len(lengths) + 1)
    np.cumsum(np.frombuffer(lengths, dtype=lengths.typecode), out=np.frombuffer(sums, dtype=np.int64)[1:])  # type: ignore[attr-defined]
    return sums


# Lengths a chunk of _Starts: its per-chunk sums cost ~n / 256 sums of a
# slice, a start within a chunk a sum of fewer than 256 lengths (~2 us).
_CHUNK = 256


class _Starts:
    """Where each of a field's items starts (keys in the blob, postings in
    the file): the running sums of their lengths from 0, one more than the
    items. In a process without numpy (the light path: a few look-ups a
    field) a start is its chunk's sum of the chunks before it, summed on
    first use, plus the lengths before it in its chunk, where the whole
    running sum of a 30,000-term field is ~1.3 ms in Python; otherwise, and
    once every start is asked for (``all``), the whole running sum."""

    __slots__ = ("_all", "_chunks", "_lengths")

    def __init__(self, lengths: Sequence[int]) -> None:
        self._lengths = lengths
        self._chunks: list[int] | None = None
        whole = isinstance(lengths, _Const) or len(lengths) < _CHUNK or "numpy" in sys.modules
        self._all: array[int] | None = _starts(lengths) if whole else None

    def __getitem__(self, i: int) -> int:
        if self._all is not None:
            return self._all[i]
        lengths = self._lengths
        if self._chunks is None:
            sums = (sum(lengths[k : k + _CHUNK]) for k in range(0, len(lengths), _CHUNK))
            self._chunks = list(itertools.accumulate(sums, initial=0))
        chunk = i // _CHUNK
        return self._chunks[chunk] + sum(lengths[chunk * _CHUNK : i])

    def all(self) -> array[int]:
        """Every start, as an int64 array."""
        if self._all is None:
            self._all = _starts(self._lengths)
        return self._all


class TermFileReader:
    """The directory of a term file; field sections decoded when first asked for."""

    def __init__(self, dbfile: Any, length: int) -> None:
        self._f = dbfile
        if length < len(MAGIC) + _TAIL.size or dbfile.get(0, 4) != MAGIC:
            raise ValueError("searchkit term file: not a term file (tag)")
        at, magic = _TAIL.unpack(dbfile.get(length - _TAIL.size, _TAIL.size))
        if magic != MAGIC:
            raise ValueError("searchkit term file: truncated (no tail)")
        meta = json.loads(dbfile.get(at, length - _TAIL.size - at).decode("utf-8"))
        self.entries: list[dict[str, Any]] = meta["fields"]
        self.order: list[str] = [e["name"] for e in self.entries]
        self._by_name = {e["name"]: e for e in self.entries}
        self._loaded: dict[str, FieldTerms] = {}

    def field(self, name: str) -> FieldTerms | None:
        found = self._loaded.get(name)
        if found is None:
            entry = self._by_name.get(name)
            if entry is None:
                return None
            found = self._loaded[name] = FieldTerms(self._f, entry)
        return found

    def sizes(self) -> dict[str, dict[str, int]]:
        """Bytes of each array of each field (benchmarks/sizes.py)."""
        out: dict[str, dict[str, int]] = {}
        for e in self.entries:
            row = out[e["name"]] = {"terms": e["n"]}
            for name, (_, dt, cnt, *_one) in e["arrays"].items():
                row[name] = _nbytes(dt, cnt)
        return out

    def close(self) -> None:
        self._f.close()

"""The term file's key search: over the key blob for a field's first
look-ups, over the list of keys after; both find what a bisect over the
sorted keys finds."""

from __future__ import annotations

import bisect

import pytest
from whoosh.filedb.filestore import RamStorage

from searchkit import termfile

KEYS = sorted(
    {b"", b"a", b"a\x00", b"ab", b"abc", b"abd", b"b", b"zz", b"\xff", b"\xff\xff"}
    | {f"w{n:04d}".encode() for n in range(0, 400, 3)}
)
# Present, absent, first, last, prefixes of keys, keys extended, past the end.
PROBES = [
    *KEYS,
    b"0",
    b"aa",
    b"abb",
    b"abcd",
    b"w",
    b"w000",
    b"w0001",
    b"w0399",
    b"w9",
    b"y",
    b"\xff\x00",
    b"\xff\xff\xff",
]


def _field(storage: RamStorage, keys: list[bytes] = KEYS) -> termfile.FieldTerms:
    n = len(keys)
    out = termfile.TermFileWriter(storage.create_file("t"))
    stats = {name: [i % 7 for i in range(n)] for name in termfile.STATS}
    out.add_field("f", keys, stats, 100, list(range(n + 1)))
    out.close()
    reader = termfile.TermFileReader(storage.open_file("t"), storage.file_length("t"))
    ft = reader.field("f")
    assert ft is not None
    return ft


# 0: the key list never pays; one more than the keys: it pays from the first look-up.
@pytest.mark.parametrize("list_after", [0, len(KEYS) + 1], ids=["blob", "list"])
def test_key_search_finds_what_a_list_bisect_finds(monkeypatch: pytest.MonkeyPatch, list_after: int) -> None:
    monkeypatch.setattr(termfile, "_LIST_AFTER", list_after)
    ft = _field(RamStorage())
    for probe in PROBES:
        at = bisect.bisect_left(KEYS, probe)
        assert ft.from_key(probe) == at, probe
        assert ft.find(probe) == (at if at < len(KEYS) and KEYS[at] == probe else -1), probe
    # Searched in the blob throughout, or in the list from the first look-up.
    assert (ft._keys is None) == (list_after == 0)
    assert [ft.key(i) for i in range(ft.n)] == KEYS
    assert ft.keys == KEYS


def test_the_key_list_is_built_once_a_field_is_asked_often() -> None:
    ft = _field(RamStorage())
    asked = 0
    while ft._keys is None:
        ft.find(KEYS[asked % len(KEYS)])
        asked += 1
    assert asked == len(KEYS) // termfile._LIST_AFTER + 1


@pytest.mark.parametrize("zeros", [True, False], ids=["zero-bytes", "no-zero-bytes"])
@pytest.mark.parametrize("list_after", [0, len(KEYS) + 1], ids=["bisects", "padded"])
def test_bulk_find_finds_what_find_finds(monkeypatch: pytest.MonkeyPatch, zeros: bool, list_after: int) -> None:
    """Padded to one width and searched by numpy (many keys asked, no zero
    bytes anywhere) or a bisect each: the same indexes."""
    monkeypatch.setattr(termfile, "_LIST_AFTER", list_after)
    keys = KEYS if zeros else [k for k in KEYS if b"\x00" not in k]
    probes = [p for p in PROBES if zeros or b"\x00" not in p]
    probes += [b"w0003" * 4, b"\xff\xff\xff\xff\xff\xff\xff\xff\xff"]  # longer than every key
    ft = _field(RamStorage(), keys)
    expected = [ft.find(p) for p in probes]
    assert ft.find_many(probes).tolist() == expected
    assert {i for i in expected if i >= 0} == set(range(len(keys))) and -1 in expected
    assert ft.find_many([]).tolist() == []


def test_starts_are_the_same_sums_with_and_without_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Running sums by numpy when it is loaded, in Python when not (the light
    path's process): the same int64 starts, and a constant's too."""
    import sys
    from array import array

    lengths = array("H", [(k * 7919) % 300 for k in range(5000)])
    const = termfile._Const(4000, 16)
    with_numpy = termfile._starts(lengths), termfile._starts(const)
    monkeypatch.delitem(sys.modules, "numpy")
    without = termfile._starts(lengths), termfile._starts(const)
    expected = [0]
    for n in lengths:
        expected.append(expected[-1] + n)
    assert with_numpy[0] == without[0] == array("q", expected)
    assert with_numpy[1] == without[1] == array("q", range(0, 4001 * 16, 16))
    assert list(termfile._starts(termfile._Const(3, 0))) == [0, 0, 0, 0]
    # Without numpy a field's starts are summed by chunk as asked: every one
    # of them (the last, n, too) equals the whole running sum.
    chunked = termfile._Starts(lengths)
    assert chunked._all is None
    assert [chunked[i] for i in range(len(lengths) + 1)] == expected
    assert chunked.all() == array("q", expected)

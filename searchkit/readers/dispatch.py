"""One file in, its articles out: picks the reader and applies sidecars.

``read_file`` never raises for bad content: whatever cannot be read comes
back as ``Skipped`` entries with a reason, per file or per record.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ..articles import NOT_ARTICLE, UNSUPPORTED, FileRead, Loaded, Skipped, _parse_text, article_from_record
from ..errors import ArticleError
from . import filetypes, sidecar
from .fileio import decode, decode_page, open_regular, read_bounded
from .limits import MAX_ARTICLE_BYTES, MAX_FEED_BYTES, MAX_SIDECAR_BYTES, SNIFF_BYTES

_UNDATED = "indexed undated"


class _Hashing(io.RawIOBase):
    """Hashes the bytes of a stream as a reader consumes them."""

    def __init__(self, f: BinaryIO):
        self.f = f
        self.hash = hashlib.blake2b(digest_size=16)
        self.consumed = 0  # bytes handed to the reader so far

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.f.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.hash.update(data)
        self.consumed += n
        return n


@dataclass
class FileStream:
    """One file's articles as the indexer takes them.

    A JSON Lines file is parsed record by record as ``items`` is iterated,
    so a large file's first articles are being prepared (in the worker pool)
    and written while the rest is still being parsed, instead of the whole
    file being parsed first with the pool idle; memory holds the records in
    flight, not the file. Other files are read whole, as ``read_file`` does.
    ``skipped`` and ``digest`` are complete once ``items`` is exhausted;
    ``position`` and ``count`` (bytes and articles read so far) let a
    progress meter place the articles written within the file.
    """

    path: str
    items: Iterator[Loaded]
    digest: str = ""
    skipped: list[Skipped] = field(default_factory=list)
    unchanged: bool = False
    failed: bool = False  # not readable at all: ``skipped`` says why
    reader: str = ""
    position: int = 0
    count: int = 0


def choose_reader(path: Path, head: bytes | None = None) -> str | Skipped:
    """The reader for ``path``, looking at its first bytes where the name
    alone cannot tell; Skipped when none applies."""
    reader = filetypes.reader_for_name(path)
    if reader is None:
        return Skipped(str(path), f"unsupported type {filetypes.suffix_of(path) or '(no extension)'}", UNSUPPORTED)
    if reader == filetypes.CSV:
        return reader
    if head is None and reader in (filetypes.TEXT, filetypes.HTML, filetypes.FEED):
        try:
            with open_regular(path) as f:
                head = f.read(SNIFF_BYTES)
        except (ArticleError, OSError):
            return reader  # read_file reports why
    real = filetypes.sniff(reader, head or b"")
    if real is None:
        return Skipped(str(path), f"{filetypes.suffix_of(path)} that is neither a feed nor a web page", UNSUPPORTED)
    return real


def read_file(path: str | os.PathLike[str], known_digest: str | None = None) -> FileRead:
    """Reads every article in one file; never raises for bad content.

    A file that cannot be read at all comes back with one Skipped entry and
    an empty digest. When its bytes (and its sidecar row) hash to
    ``known_digest`` it is not parsed at all (``unchanged``).
    """
    p = Path(path)
    try:
        if filetypes.reader_for_name(p) == filetypes.JSONL:
            return _read_jsonl(p, known_digest)
        return _read_whole(p, known_digest)
    except ArticleError as exc:
        return FileRead(str(p), "", skipped=[Skipped(str(p), str(exc))])


def open_file(path: str | os.PathLike[str], known_digest: str | None = None) -> FileStream:
    """``read_file`` as a stream (see FileStream): never raises for bad content."""
    p = Path(path)
    if filetypes.reader_for_name(p) != filetypes.JSONL:
        read = read_file(p, known_digest)
        return FileStream(
            read.path,
            iter(read.loaded),
            read.digest,
            read.skipped,
            read.unchanged,
            failed=read.digest == "",
            reader=read.reader,
            position=_size_of(p),
            count=len(read.loaded),
        )
    from .fileio import file_digest

    try:
        if known_digest is not None and file_digest(p) == known_digest:
            return FileStream(str(p), iter(()), known_digest, unchanged=True, reader=filetypes.JSONL)
        f = open_regular(p)
    except ArticleError as exc:
        return FileStream(str(p), iter(()), skipped=[Skipped(str(p), str(exc))], failed=True, reader=filetypes.JSONL)
    stream = FileStream(str(p), iter(()), reader=filetypes.JSONL)
    stream.items = _stream_jsonl(f, p, stream)
    return stream


def _size_of(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0


def _stream_jsonl(f: BinaryIO, p: Path, into: FileStream) -> Iterator[Loaded]:
    from .jsonl import iter_jsonl

    with f:
        hashing = _Hashing(f)
        stream = io.BufferedReader(hashing, buffer_size=1024 * 1024)
        for item in iter_jsonl(stream, p):
            if isinstance(item, Loaded):
                into.position, into.count = hashing.consumed, into.count + 1
                yield item
            else:
                into.skipped.append(item)
        for _ in iter(lambda: stream.read(1024 * 1024), b""):
            pass  # a truncated .gz stops early: hash the rest too
        # The digest of exactly the bytes parsed, so a file that changed
        # between the check and this read is seen as changed by the next run.
        into.digest = hashing.hash.hexdigest()
        into.position = hashing.consumed


def iter_file(path: str | os.PathLike[str]) -> Iterator[Loaded | Skipped]:
    """Every article (or skipped record) of one file, in order.

    JSON Lines are streamed: memory stays bounded by one record whatever the
    file's size; other types are read whole (each within its own limit).
    """
    p = Path(path)
    if filetypes.reader_for_name(p) == filetypes.JSONL:
        from .jsonl import iter_jsonl

        try:
            f = open_regular(p)
        except ArticleError as exc:
            yield Skipped(str(p), str(exc))
            return
        with f:
            yield from iter_jsonl(f, p)
        return
    read = read_file(p)
    yield from read.loaded
    yield from read.skipped


def _read_jsonl(p: Path, known_digest: str | None) -> FileRead:
    stream = open_file(p, known_digest)
    if stream.failed:
        raise ArticleError(stream.skipped[0].reason)
    loaded = list(stream.items)
    return FileRead(str(p), stream.digest, loaded, stream.skipped, stream.unchanged, filetypes.JSONL)


def _limit(reader: str) -> tuple[int, str]:
    if reader == filetypes.FEED:
        return MAX_FEED_BYTES, "feed"
    if reader == filetypes.CSV:
        return MAX_SIDECAR_BYTES, "CSV file"
    return MAX_ARTICLE_BYTES, "file"


def _read_whole(p: Path, known_digest: str | None) -> FileRead:
    named = filetypes.reader_for_name(p)
    if named is None:
        return FileRead(str(p), "", skipped=[choose_reader(p)])  # type: ignore[list-item]
    limit, what = _limit(named)
    data = read_bounded(p, max(limit, MAX_FEED_BYTES) if named == filetypes.TEXT else limit, what)
    reader = choose_reader(p, data[:SNIFF_BYTES])
    h = hashlib.blake2b(data, digest_size=16)
    if isinstance(reader, Skipped):
        return FileRead(str(p), h.hexdigest(), skipped=[reader])
    if reader != filetypes.FEED and len(data) > MAX_ARTICLE_BYTES:
        raise ArticleError(f"file too large ({len(data) / 1e6:.1f} MB, limit {MAX_ARTICLE_BYTES / 1e6:.0f} MB)")
    found = sidecar.find_row(p) if reader in (filetypes.TEXT, filetypes.HTML) else None
    if found is not None:
        h.update(b"\x00sidecar\x00" + sidecar.row_digest_part(found[1]))
    result = FileRead(str(p), h.hexdigest(), reader=reader)
    if result.digest == known_digest:
        result.unchanged = True
        return result
    if reader == filetypes.FEED:
        from .feeds import parse_feed

        result.loaded, result.skipped = parse_feed(data, p)
        return result
    if reader == filetypes.CSV:
        _read_csv(data, p, result)
        return result
    try:
        text, notes = decode_page(data) if reader == filetypes.HTML else decode(data)
        if reader == filetypes.HTML:
            from .html import parse_html_guessing

            article, warnings, guessed = parse_html_guessing(text, p)
        else:
            if filetypes.looks_like_word_list(text):
                result.skipped.append(Skipped(str(p), "a word list, not an article", NOT_ARTICLE))
                return result
            article, warnings = _parse_text(text, p)
            guessed = frozenset({"sources"})
    except ArticleError as exc:
        result.skipped.append(Skipped(str(p), str(exc)))
        return result
    if found is not None:
        where = os.path.basename(found[0].path)
        article, more = sidecar.apply(article, found[1], guessed, where)
        if article.date is not None:
            warnings = tuple(w for w in warnings if _UNDATED not in w)
        warnings = (*warnings, *more)
    result.loaded.append(Loaded(article, notes + warnings))
    return result


def _read_csv(data: bytes, p: Path, result: FileRead) -> None:
    """A CSV of articles (a body column) reads like JSON Lines, a row a record;
    one without is a sidecar and yields no articles of its own."""
    try:
        text, notes = decode(data)
    except ArticleError as exc:
        result.skipped.append(Skipped(str(p), str(exc)))
        return
    rows = csv.DictReader(io.StringIO(text))
    try:
        columns = rows.fieldnames or []
    except csv.Error as exc:
        result.skipped.append(Skipped(str(p), f"malformed CSV ({exc})"))
        return
    if sidecar.is_sidecar_header(list(columns), jsonl=False):
        result.skipped.append(Skipped(str(p), "sidecar metadata (applied to the files it names)", NOT_ARTICLE))
        return
    if not set(c.strip().lower() for c in columns) & set(sidecar.BODY_KEYS):
        result.skipped.append(Skipped(str(p), "CSV with no body column and no id or file column", UNSUPPORTED))
        return
    line = 1
    while True:
        try:
            row = next(rows, None)
        except csv.Error as exc:
            result.skipped.append(Skipped(f"{p}:{rows.line_num}", f"malformed CSV ({exc})"))
            return
        if row is None:
            return
        line, start = rows.line_num, line + 1
        record = {(k or "").strip().lower(): v for k, v in row.items() if k}
        try:
            article, warnings = article_from_record(record, p, start)
        except ArticleError as exc:
            result.skipped.append(Skipped(f"{p}:{start}", str(exc)))
            continue
        result.loaded.append(Loaded(article, notes + tuple(f"line {start}: {w}" for w in warnings)))

"""JSON Lines of any size: one record a line, streamed with bounded memory.

Lines are split on ``\\n`` bytes only. ``str.splitlines`` also splits on
U+2028, U+2029 and U+0085, which JSON allows raw inside strings, and so cut
records in two. A line is read at most ``MAX_ARTICLE_BYTES`` at a time: a
record over the limit is skipped (with its line number, and its id when the
first bytes show one) while its neighbours are kept, and memory stays
bounded whatever the file's size. ``.gz`` files are decompressed as a stream.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..articles import Loaded, Skipped, article_from_record
from ..errors import ArticleError
from . import limits
from .limits import MAX_JSON_DEPTH, MAX_JSON_NUMBER_DIGITS

# The unrolled form: an alternation inside * makes the regex engine keep a
# backtracking frame per character (120 MB for a 1 MB string).
_STRING_RE = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKET_RE = re.compile(rb"[^\[\]{}]+")
_ID_RE = re.compile(rb'"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,40})')


def size_text(n: int) -> str:
    return f"{n / 1e6:.0f} MB" if n >= 1_000_000 else f"{n / 1e3:.0f} kB"


class RecordError(ValueError):
    """One record breaks a limit or is not JSON."""


def _depth(line: bytes) -> int:
    """How deeply arrays and objects nest, without recursing.

    Strings are blanked first so brackets inside them do not count; what is
    left of a record is a handful of bracket characters.
    """
    brackets = _NOT_BRACKET_RE.sub(b"", _STRING_RE.sub(b'""', line))
    depth = deepest = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _number(text: str) -> int | float:
    digits = sum(c.isdigit() for c in text)
    if digits > MAX_JSON_NUMBER_DIGITS:
        raise RecordError(f"number of {digits} digits (limit {MAX_JSON_NUMBER_DIGITS})")
    return float(text) if any(c in text for c in ".eE") else int(text)


def parse_record(line: bytes) -> tuple[object, tuple[str, ...]]:
    """One JSON value from one line, within the documented limits, and a
    note when the line was not UTF-8."""
    if _depth(line) > MAX_JSON_DEPTH:
        raise RecordError(f"nested more than {MAX_JSON_DEPTH} deep")
    notes: tuple[str, ...] = ()
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = line.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise RecordError(f"undecodable bytes at offset {exc.start}") from exc
        notes = ("not UTF-8: decoded as cp1252",)
    try:
        return json.loads(text, parse_int=_number, parse_float=_number), notes
    except json.JSONDecodeError as exc:
        raise RecordError(f"malformed JSON ({exc.msg})") from exc
    except RecursionError as exc:  # the depth check should make this unreachable
        raise RecordError("nested too deep") from exc


def _lines(f: BinaryIO, limit: int) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, bytes, whole) per line; an over-long line comes back
    as its first ``limit`` bytes with whole False, the rest discarded."""
    lineno = 0
    while True:
        line = f.readline(limit + 1)
        if not line:
            return
        lineno += 1
        if len(line) > limit and not line.endswith(b"\n"):
            head = line
            while line and not line.endswith(b"\n"):
                line = f.readline(limit + 1)
            yield lineno, head[:limit], False
        else:
            yield lineno, line, True


def _record_id(head: bytes) -> str | None:
    match = _ID_RE.search(head[:4096])
    if not match:
        return None
    value = match.group(1).decode("utf-8", "replace")
    return value.strip('"')


def open_stream(f: BinaryIO, path: Path) -> BinaryIO:
    if path.name.lower().endswith(".gz"):
        return gzip.GzipFile(fileobj=f, mode="rb")  # type: ignore[return-value]
    return f


def iter_jsonl(
    f: BinaryIO, path: Path, limit: int | None = None, notes: tuple[str, ...] = ()
) -> Iterator[Loaded | Skipped]:
    """Every record of an open JSON Lines stream as an article or a skip
    (``limit``: bytes of one record, MAX_ARTICLE_BYTES unless given)."""
    limit = limit or limits.MAX_ARTICLE_BYTES
    lines = _lines(open_stream(f, path), limit)
    while True:
        try:
            item = next(lines, None)
        except (OSError, EOFError, zlib.error) as exc:
            # gzip raises BadGzipFile (an OSError) or EOFError on a truncated
            # or corrupt stream: what was read so far is kept.
            yield Skipped(str(path), f"corrupt or truncated compressed data ({exc})")
            return
        if item is None:
            return
        lineno, line, whole = item
        where = f"{path}:{lineno}"
        if not whole:
            rid = _record_id(line)
            named = f"record {rid!r}" if rid else "record"
            yield Skipped(where, f"{named} too large (over {size_text(limit)}, the limit for one article)")
            continue
        if not line.strip():
            continue
        try:
            record, decoded = parse_record(line)
        except RecordError as exc:
            yield Skipped(where, str(exc))
            continue
        if not isinstance(record, dict):
            yield Skipped(where, "not a JSON object")
            continue
        try:
            article, warnings = article_from_record(record, path, lineno)
        except ArticleError as exc:
            yield Skipped(where, str(exc))
            continue
        yield Loaded(article, notes + tuple(f"line {lineno}: {w}" for w in (*decoded, *warnings)))

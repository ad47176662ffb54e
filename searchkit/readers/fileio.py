"""Reading bytes safely: regular files only, bounded reads, honest decoding.

``st_size`` is not trusted (a symlink to /dev/zero or a /proc file reports
0): every read stops one byte past its limit, and anything that is not a
regular file (a FIFO would block forever, a device never ends) is refused
before it is opened.
"""

from __future__ import annotations

import codecs
import errno
import hashlib
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import ArticleError

CHUNK = 1024 * 1024

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)

# Byte order marks, longest first (the UTF-32 LE mark starts like UTF-16 LE's).
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
    (b"\xef\xbb\xbf", "utf-8", "UTF-8"),
    (b"\xff\xfe", "utf-16-le", "UTF-16"),
    (b"\xfe\xff", "utf-16-be", "UTF-16"),
)


def os_reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno == errno.ENOENT:
        return "no such file or folder"
    return exc.strerror or str(exc)


def check_regular(path: Path) -> os.stat_result:
    """The file's stat, or ArticleError when it is not a readable regular file."""
    try:
        st = path.stat()
    except OSError as exc:
        raise ArticleError(os_reason(exc)) from exc
    for test, what in _KINDS:
        if test(st.st_mode):
            raise ArticleError(f"not a regular file ({what})")
    return st


def open_regular(path: Path) -> BinaryIO:
    check_regular(path)
    try:
        # O_NONBLOCK: should the path become a FIFO between the check and the
        # open, the open returns at once instead of waiting for a writer.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ArticleError(os_reason(exc)) from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ArticleError("not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bounded(path: Path, limit: int, what: str = "file") -> bytes:
    """The whole file, or ArticleError when it holds more than ``limit`` bytes."""
    with open_regular(path) as f:
        try:
            data = f.read(limit + 1)
        except OSError as exc:
            raise ArticleError(os_reason(exc)) from exc
    if len(data) > limit:
        try:
            size = f"{path.stat().st_size / 1e6:.1f} MB"
        except OSError:
            size = "size unknown"
        raise ArticleError(f"{what} too large ({size}, limit {limit / 1e6:.0f} MB)")
    return data


def file_digest(path: Path) -> str:
    """Hash of the file's bytes, read in chunks (any size, bounded memory)."""
    h = hashlib.blake2b(digest_size=16)
    with open_regular(path) as f:
        try:
            for chunk in iter(lambda: f.read(CHUNK), b""):
                h.update(chunk)
        except OSError as exc:
            raise ArticleError(os_reason(exc)) from exc
    return h.hexdigest()


def chunks(f: BinaryIO) -> Iterator[bytes]:
    return iter(lambda: f.read(CHUNK), b"")


_CHARSET_RE = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_.:-]{1,40})""", re.IGNORECASE)
_XML_ENCODING_RE = re.compile(rb"""^<\?xml[^>]+encoding=["']([A-Za-z0-9_.:-]{1,40})""")


def declared_charset(data: bytes) -> str | None:
    """The encoding a page declares (``<meta charset>``, the XML declaration)."""
    head = data[:4096]
    match = _XML_ENCODING_RE.match(head.lstrip()) or _CHARSET_RE.search(head)
    if not match:
        return None
    try:
        return codecs.lookup(match.group(1).decode("ascii")).name
    except LookupError:
        return None


def decode_page(data: bytes) -> tuple[str, tuple[str, ...]]:
    """``decode`` for markup: a page that is not UTF-8 is read in the
    encoding it declares (windows-1251, shift_jis...) before cp1252."""
    if not data.startswith(tuple(bom for bom, _, _ in _BOMS)):
        charset = declared_charset(data)
        if charset and charset not in ("utf-8", "ascii"):
            try:
                utf8 = data.decode("utf-8")
            except UnicodeDecodeError:
                try:
                    return data.decode(charset), (f"decoded as {charset}, as the page declares",)
                except UnicodeDecodeError:
                    pass
            else:
                return utf8, ()
    return decode(data)


def decode(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Text of a file's bytes, with a note when it was not plain UTF-8.

    A byte order mark decides the encoding (UTF-16 text is full of NUL
    bytes, so the mark is checked before the binary test); otherwise UTF-8,
    then cp1252, the usual encoding of Western text that is not UTF-8.
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise ArticleError(f"invalid {name} text at offset {exc.start + len(bom)}") from exc
            if not text.strip():
                raise ArticleError("empty file")
            return text, (() if codec == "utf-8" else (f"decoded as {name} (byte order mark)",))
    if not data.strip():
        raise ArticleError("empty file")
    if b"\x00" in data[:8192]:
        raise ArticleError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8"), ()
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ArticleError(f"undecodable bytes at offset {exc.start}") from exc
    return text, ("not UTF-8: decoded as cp1252",)

"""Articles in: the Article model, the seed text layout and JSON Lines.

``parse_article`` is pure (text in, Article out) so it can be tested with
golden files; reading bytes, decoding and walking folders live in thin
wrappers around it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .dates import looks_like_date_line, parse_date_line, parse_loose
from .errors import ArticleError
from .sources import canonical_source, extract_sources

# Bigger than any news article; a file past this is a mistake (a dump, a
# binary) and reading it whole would stall an index run.
MAX_FILE_BYTES = 10 * 1024 * 1024
ARTICLE_SUFFIXES = (".txt", ".jsonl")


@dataclass(frozen=True)
class Article:
    id: str
    headline: str
    date: date | None
    sources: tuple[str, ...]
    body: str
    summary: str = ""
    path: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Loaded:
    """One article read from a file, with what the reader noticed about it."""

    article: Article
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """A file (or a JSON Lines line) that could not be read, and why."""

    path: str
    reason: str


@dataclass
class FileRead:
    """Everything one file yielded: articles, warnings and skipped lines."""

    path: str
    digest: str
    loaded: list[Loaded] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unchanged: bool = False


_WS_RE = re.compile(r"[ \t\f\v\u00a0]+")


def _normalize_space(text: str) -> str:
    return _WS_RE.sub(" ", text).strip()


def _paragraphs(lines: Iterable[str]) -> list[str]:
    """Joins wrapped lines into paragraphs; blank lines separate paragraphs."""
    paras: list[str] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            paras.append(_normalize_space(" ".join(current)))
            current = []
    if current:
        paras.append(_normalize_space(" ".join(current)))
    return paras


def _stem_id(path: str | os.PathLike[str] | None) -> str:
    return Path(path).stem if path else "article"


def parse_article(text: str, path: str | os.PathLike[str] | None = None) -> Article:
    """Parses one article in the seed layout.

    Headline line, blank line, body paragraphs, a date-only line, a line
    ``About``, then the summary. The date line and the ``About`` section are
    optional; a missing date leaves ``date`` None.
    """
    return _parse_text(text, path)[0]


def _parse_text(text: str, path: str | os.PathLike[str] | None = None) -> tuple[Article, tuple[str, ...]]:
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        raise ArticleError("empty article")
    headline = _normalize_space(lines[start])
    rest = lines[start + 1 :]

    about = next((i for i, line in enumerate(rest) if line.strip().lower() == "about"), None)
    main = rest if about is None else rest[:about]
    summary_lines = [] if about is None else rest[about + 1 :]

    warnings: list[str] = []
    date_at = next((i for i in range(len(main) - 1, -1, -1) if looks_like_date_line(main[i])), None)
    published: date | None = None
    if date_at is None:
        warnings.append("no date line: indexed undated")
    else:
        published = parse_date_line(main[date_at])
        if published is None:
            warnings.append(f"unparsable date {main[date_at].strip()!r}: indexed undated")
        main = main[:date_at] + main[date_at + 1 :]

    body = "\n\n".join(_paragraphs(main))
    summary = "\n\n".join(_paragraphs(summary_lines))
    article = Article(
        id=_stem_id(path),
        headline=headline,
        date=published,
        sources=extract_sources(body),
        body=body,
        summary=summary,
        path=str(path) if path is not None else None,
    )
    return article, tuple(warnings)


def _decode(data: bytes) -> tuple[str, tuple[str, ...]]:
    if not data.strip():
        raise ArticleError("empty file")
    if b"\x00" in data[:8192]:
        raise ArticleError("binary file (contains NUL bytes)")
    try:
        return data.decode("utf-8-sig"), ()
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ArticleError(f"undecodable bytes at offset {exc.start}") from exc
    return text, ("not UTF-8: decoded as cp1252",)


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ArticleError(_os_reason(exc)) from exc
    if size > MAX_FILE_BYTES:
        raise ArticleError(f"file too large ({size / 1e6:.1f} MB, limit {MAX_FILE_BYTES / 1e6:.0f} MB)")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ArticleError(_os_reason(exc)) from exc


def _os_reason(exc: OSError) -> str:
    if exc.errno == 40:  # ELOOP
        return "symlink loop"
    return exc.strerror or str(exc)


def load_article(path: str | os.PathLike[str]) -> Article:
    """Reads one ``.txt`` article; raises ArticleError when it cannot."""
    p = Path(path)
    text, _ = _decode(_read_bytes(p))
    return parse_article(text, p)


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def read_file(path: str | os.PathLike[str], known_digest: str | None = None) -> FileRead:
    """Reads every article in one file; never raises for bad content.

    A file that cannot be read at all comes back with one Skipped entry and
    an empty digest. When its bytes hash to ``known_digest`` it is not parsed
    at all (``unchanged``): incremental runs pay only for the read.
    """
    p = Path(path)
    try:
        data = _read_bytes(p)
    except ArticleError as exc:
        return FileRead(str(p), "", skipped=[Skipped(str(p), str(exc))])
    result = FileRead(str(p), digest(data))
    if result.digest == known_digest:
        result.unchanged = True
        return result
    try:
        text, notes = _decode(data)
    except ArticleError as exc:
        result.skipped.append(Skipped(str(p), str(exc)))
        return result
    if p.suffix.lower() == ".jsonl":
        _read_jsonl(text, p, result, notes)
    else:
        try:
            article, warnings = _parse_text(text, p)
        except ArticleError as exc:
            result.skipped.append(Skipped(str(p), str(exc)))
        else:
            result.loaded.append(Loaded(article, notes + warnings))
    return result


def _first(record: dict[str, object], *keys: str) -> object:
    for key in keys:
        value = record.get(key)
        if value not in (None, ""):
            return value
    return None


def _read_jsonl(text: str, path: Path, result: FileRead, notes: tuple[str, ...]) -> None:
    for lineno, line in enumerate(text.splitlines(), 1):
        where = f"{path}:{lineno}"
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            result.skipped.append(Skipped(where, f"malformed JSON ({exc.msg})"))
            continue
        if not isinstance(record, dict):
            result.skipped.append(Skipped(where, "not a JSON object"))
            continue
        try:
            article, warnings = article_from_record(record, path, lineno)
        except ArticleError as exc:
            result.skipped.append(Skipped(where, str(exc)))
            continue
        result.loaded.append(Loaded(article, notes + tuple(f"line {lineno}: {w}" for w in warnings)))


def article_from_record(
    record: dict[str, object], path: Path | None = None, lineno: int = 0
) -> tuple[Article, tuple[str, ...]]:
    """Builds an Article from one JSON Lines record (keys per the README)."""
    headline = _normalize_space(str(_first(record, "headline", "title") or ""))
    body_value = _first(record, "body", "text", "content")
    if body_value is None and not headline:
        raise ArticleError("no headline and no body")
    body = "\n\n".join(_paragraphs(str(body_value or "").replace("\r\n", "\n").split("\n")))
    warnings: list[str] = []

    raw_date = _first(record, "date", "published")
    published = None
    if raw_date is None:
        warnings.append("no date: indexed undated")
    else:
        published = parse_loose(str(raw_date))
        if published is None:
            warnings.append(f"unparsable date {str(raw_date)[:40]!r}: indexed undated")

    raw_sources = _first(record, "sources", "source")
    if raw_sources is None:
        sources = extract_sources(body)
    else:
        names = [raw_sources] if isinstance(raw_sources, str) else list(raw_sources)  # type: ignore[call-overload]
        sources = tuple(dict.fromkeys(canonical_source(str(n)) for n in names if str(n).strip()))

    raw_id = _first(record, "id")
    stem = path.stem if path else "record"
    article_id = str(raw_id).strip() if raw_id is not None else f"{stem}-L{lineno}"
    url = _first(record, "url")
    return (
        Article(
            id=article_id,
            headline=headline,
            date=published,
            sources=sources,
            body=body,
            summary=_normalize_space(str(_first(record, "summary") or "")),
            path=str(path) if path else None,
            url=str(url) if url is not None else None,
        ),
        tuple(warnings),
    )


def walk(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path | Skipped]:
    """Yields article files under ``paths`` in a stable order.

    Directories are walked for ``*.txt`` and ``*.jsonl``, following symlinks
    but never the same directory twice, so a symlink loop cannot hang a run.
    """
    seen_dirs: set[tuple[int, int]] = set()
    for raw in paths:
        p = Path(raw)
        try:
            st = p.stat()
        except OSError as exc:
            yield Skipped(str(p), _os_reason(exc) if exc.errno == 40 else "no such file or folder")
            continue
        if not p.is_dir():
            yield p
            continue
        for dirpath, dirnames, filenames in os.walk(p, followlinks=True):
            try:
                st = os.stat(dirpath)
            except OSError:
                dirnames[:] = []
                continue
            key = (st.st_dev, st.st_ino)
            if key in seen_dirs:
                dirnames[:] = []
                continue
            seen_dirs.add(key)
            dirnames.sort()
            for name in sorted(filenames):
                if name.startswith(".") or not name.lower().endswith(ARTICLE_SUFFIXES):
                    continue
                yield Path(dirpath) / name

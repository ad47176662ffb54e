"""Sidecar metadata: a CSV or JSON Lines manifest whose rows describe files.

A sidecar is a ``.csv`` file without a body column (``body``, ``text``,
``content``) that has an ``id`` or ``file`` column, or a ``.jsonl`` file
whose first record has no body key and has a ``file`` key. Each row names
one article file: ``file``/``filename``/``path`` by name (or by path from
the sidecar's folder), ``id`` by the file's name without extension. It
applies to single-article files (text, HTML) in its own folder and in
folders up to ``MAX_LEVELS_BELOW`` levels below it; the nearest sidecar
that names a file is the one used.

The rule, field by field (date, headline, url, source, publisher,
summary): metadata in the file itself wins (a date line, ``DC.date``, a
headline line, a canonical link); the sidecar fills what the file lacks and
wins over a guess (cited sources found in the text, a headline taken from
the first line of an HTML page without a title).
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..articles import Article, _first
from ..dates import read_day
from ..errors import ArticleError
from ..gazetteer import canonical_source
from .fileio import decode, read_bounded
from .jsonl import RecordError, parse_record
from .limits import MAX_SIDECAR_BYTES

MAX_LEVELS_BELOW = 2
BODY_KEYS = ("body", "text", "content")
FILE_KEYS = ("file", "filename", "path")
DATE_KEYS = ("date", "published", "published_date", "pubdate", "published_at")
HEADLINE_KEYS = ("headline", "title")
URL_KEYS = ("url", "source_url", "link")
SOURCE_KEYS = ("sources", "source")

Row = dict[str, str]


@dataclass(frozen=True)
class Sidecar:
    path: Path
    by_name: dict[str, Row]
    by_id: dict[str, Row]
    rows: int

    def row_for(self, file: Path) -> Row | None:
        try:
            rel = os.path.relpath(file, self.path.parent)
        except ValueError:
            return None
        return self.by_name.get(rel) or self.by_name.get(file.name) or self.by_id.get(file.stem)


def is_sidecar_header(columns: list[str], jsonl: bool) -> bool:
    keys = {c.strip().lower() for c in columns}
    if keys & set(BODY_KEYS):
        return False
    return bool(keys & set(FILE_KEYS)) or (not jsonl and "id" in keys)


def _first_line(path: Path) -> bytes:
    from .fileio import open_regular

    with open_regular(path) as f:
        return f.readline(64 * 1024)


def is_sidecar(path: Path) -> bool:
    """Whether a .csv or .jsonl file is a sidecar (by its header / first record)."""
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".jsonl"):
        return False
    try:
        line = _first_line(path)
    except (ArticleError, OSError):
        return False
    if suffix == ".csv":
        text = line.decode("utf-8-sig", "replace")
        return is_sidecar_header(next(csv.reader([text]), []), jsonl=False)
    try:
        record, _ = parse_record(line)
    except RecordError:
        return False
    return isinstance(record, dict) and is_sidecar_header(list(record), jsonl=True)


def _rows(path: Path) -> list[Row]:
    text, _ = decode(read_bounded(path, MAX_SIDECAR_BYTES, "sidecar"))
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        return [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k} for row in reader]
    rows: list[Row] = []
    for line in text.split("\n"):
        if not line.strip():
            continue
        try:
            record, _ = parse_record(line.encode("utf-8"))
        except RecordError:
            continue
        if isinstance(record, dict):
            rows.append({str(k).lower(): v if isinstance(v, str) else json.dumps(v) for k, v in record.items()})
    return rows


_CACHE: dict[Path, tuple[tuple[int, int], Sidecar | None]] = {}


def load_sidecar(path: Path) -> Sidecar | None:
    """The sidecar at ``path`` (cached until the file changes), or None."""
    try:
        st = path.stat()
    except OSError:
        return None
    key = (st.st_mtime_ns, st.st_size)
    hit = _CACHE.get(path)
    if hit and hit[0] == key:
        return hit[1]
    sidecar: Sidecar | None = None
    if is_sidecar(path):
        try:
            rows = _rows(path)
        except (ArticleError, csv.Error):
            rows = []
        by_name: dict[str, Row] = {}
        by_id: dict[str, Row] = {}
        for row in rows:
            name = next((row[k] for k in FILE_KEYS if row.get(k)), None)
            if name:
                by_name[os.path.normpath(name)] = row
                by_name.setdefault(Path(name).name, row)
            if row.get("id"):
                by_id[row["id"]] = row
        sidecar = Sidecar(path, by_name, by_id, len(rows))
    _CACHE[path] = (key, sidecar)
    return sidecar


_DIR_CACHE: dict[Path, tuple[int, list[Path]]] = {}


def sidecars_in(folder: Path) -> list[Sidecar]:
    try:
        mtime = folder.stat().st_mtime_ns
    except OSError:
        return []
    hit = _DIR_CACHE.get(folder)
    if hit is None or hit[0] != mtime:
        try:
            names = sorted(
                e.name for e in os.scandir(folder) if e.name.lower().endswith((".csv", ".jsonl")) and e.is_file()
            )
        except OSError:
            names = []
        hit = (mtime, [folder / n for n in names])
        _DIR_CACHE[folder] = hit
    return [s for s in (load_sidecar(p) for p in hit[1]) if s is not None]


def find_row(file: Path) -> tuple[Sidecar, Row] | None:
    """The nearest sidecar row naming ``file``, looking up to MAX_LEVELS_BELOW folders up."""
    folder = file.absolute().parent
    for _ in range(MAX_LEVELS_BELOW + 1):
        for sidecar in sidecars_in(folder):
            if sidecar.path == file.absolute():
                continue
            row = sidecar.row_for(file.absolute())
            if row is not None:
                return sidecar, row
        if folder.parent == folder:
            break
        folder = folder.parent
    return None


def apply(
    article: Article, row: Row, guessed: frozenset[str] = frozenset(), where: str = "sidecar"
) -> tuple[Article, tuple[str, ...]]:
    """The article with what the row supplies, by the rule in the module doc.

    ``guessed`` names the article's fields the reader guessed ("headline",
    "sources"); the file's own values of the other fields win.
    """
    changes: dict[str, Any] = {}
    warnings: list[str] = []
    raw_date = _first(row, *DATE_KEYS)
    if article.date is None and raw_date:
        day, problem = read_day(str(raw_date))
        if day is None:
            warnings.append(f"{where}: {problem}: indexed undated")
        else:
            changes["date"] = day
    headline = _first(row, *HEADLINE_KEYS)
    if headline and (not article.headline or "headline" in guessed):
        changes["headline"] = " ".join(str(headline).split())
    url = _first(row, *URL_KEYS)
    if url and not article.url:
        changes["url"] = str(url)
    source = _first(row, *SOURCE_KEYS)
    if source and ("sources" in guessed or not article.sources):
        names = [n for n in str(source).split(";") if n.strip()]
        changes["sources"] = tuple(dict.fromkeys(canonical_source(n.strip()) for n in names))
    publisher = row.get("publisher")
    if publisher and not article.publisher:
        changes["publisher"] = publisher
    summary = _first(row, "summary", "description")
    if summary and not article.summary:
        changes["summary"] = " ".join(str(summary).split())
    return (replace(article, **changes) if changes else article), tuple(warnings)


def row_digest_part(row: Row) -> bytes:
    """The row's bytes for the file's digest: editing the sidecar re-reads the file."""
    return json.dumps(row, sort_keys=True).encode("utf-8")

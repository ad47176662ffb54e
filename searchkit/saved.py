"""Saved searches, kept in the index's catalog (see catalog.py).

Every change is one SQLite write transaction, so concurrent ``save`` calls
from several processes each land. A rebuild replaces the articles, not the
saved searches. Each search remembers the newest index generation whose
articles it has reported (``seen_until``); ``alerts`` lists those committed
after it.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from .catalog import Catalog
from .errors import IndexCorruptError, NotFoundError, SavedExistsError, SearchkitError
from .options import SAVED, from_record
from .reports import SavedSearch as SavedSearch  # re-exported: the type lives in reports
from .storage import now_iso

_NAME_RE = re.compile(r"^[\w.-]{1,64}$")


def check_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise SearchkitError(f"bad name {name!r}: use up to 64 letters, digits, '.', '_' or '-'")
    return name


def _options_json(item: SavedSearch) -> str:
    return json.dumps(item.options.record(SAVED), ensure_ascii=False, sort_keys=True)


def load(cat: Catalog) -> dict[str, SavedSearch]:
    found = {}
    for row in cat.saved():
        opts = row.options if isinstance(row.options, dict) else {}
        try:
            found[row.name] = SavedSearch(
                name=row.name,
                query=row.query,
                options=from_record(opts, SAVED),
                created=row.created,
                seen_until=int(row.seen),
            )
        except (TypeError, ValueError) as exc:
            raise IndexCorruptError(f"saved search {row.name!r} in {cat.path} is damaged ({exc})") from exc
    return found


def add(cat: Catalog, item: SavedSearch, replace: bool) -> None:
    """Inserts ``item``; an existing name is an error unless ``replace``."""
    try:
        with cat.write() as conn:
            exists = conn.execute("SELECT 1 FROM saved WHERE name = ?", (item.name,)).fetchone()
            if exists and not replace:
                raise SavedExistsError(
                    f"a saved search named {item.name!r} exists: pass --replace to overwrite it"
                )
            conn.execute(
                "INSERT OR REPLACE INTO saved(name, query, options, created, seen) VALUES(?, ?, ?, ?, ?)",
                (item.name, item.query, _options_json(item), item.created, item.seen_until),
            )
    except sqlite3.DatabaseError as exc:
        raise cat.damaged(exc) from exc


def delete(cat: Catalog, name: str) -> None:
    try:
        with cat.write() as conn:
            if conn.execute("DELETE FROM saved WHERE name = ?", (name,)).rowcount == 0:
                raise NotFoundError(f"no saved search named {name!r}")
    except sqlite3.DatabaseError as exc:
        raise cat.damaged(exc) from exc


def mark_seen(cat: Catalog, seen: dict[str, int]) -> None:
    """Moves each search's mark forward (never back) to what it reported."""
    try:
        with cat.write() as conn:
            conn.executemany(
                "UPDATE saved SET seen = MAX(seen, ?) WHERE name = ?", [(stamp, name) for name, stamp in seen.items()]
            )
    except sqlite3.DatabaseError as exc:
        raise cat.damaged(exc) from exc


def import_legacy(conn: sqlite3.Connection, index_dir: Path, seen: int) -> int:
    """Copies an older searchkit's saved.json into the catalog (inside the
    transaction that swaps a rebuild in); returns how many it copied.

    Their alert marks were Unix times, which mean nothing against
    generations: every search starts from ``seen`` (the rebuilt index), so
    alerts report what arrives after the rebuild, not the whole archive.
    """
    path = index_dir / "saved.json"
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return 0
    except (OSError, ValueError):
        return 0  # unreadable: left in place, nothing lost
    items = raw.get("searches") if isinstance(raw, dict) else None
    count = 0
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("name", "query")):
            continue
        opts = {k: item.get(k) for k in SAVED}
        conn.execute(
            "INSERT OR IGNORE INTO saved(name, query, options, created, seen) VALUES(?, ?, ?, ?, ?)",
            (item["name"], item["query"], json.dumps(opts), str(item.get("created") or now_iso()), seen),
        )
        count += 1
    return count


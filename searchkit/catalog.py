"""searchkit's own state in one SQLite database beside the Whoosh segments.

``catalog.sqlite`` (WAL mode, one connection per ``Catalog``) holds what
Whoosh does not: which Whoosh generation is the committed index, the files
and articles it was built from (size, mtime_ns and digest per file, a digest
and a first-commit stamp per article), near-duplicate links, saved searches
with their alert marks, and the size of every segment file so a truncated
one is noticed before it is searched.

The generation is the commit point of the whole index: a writer writes a
new Whoosh generation beside the current one, then records it here in the
same transaction as the state that describes it, so a reader that takes
the generation and the state in one read transaction always sees a matching
pair, and a process killed between the two leaves the previous pair intact.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import IndexCorruptError

CATALOG_FILE = "catalog.sqlite"
CATALOG_VERSION = 1
# State tables a rebuild fills aside (in TEMP tables of the same connection,
# which vanish if the process dies) and copies over in one transaction.
STATE_TABLES = ("files", "articles", "shadows", "links", "segfiles")

_STATE_SCHEMA = """
CREATE TABLE IF NOT EXISTS {db}.files(
    path TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, digest TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS {db}.articles(
    id TEXT PRIMARY KEY, path TEXT NOT NULL, digest TEXT NOT NULL,
    stamp INTEGER NOT NULL, day INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS {db}.articles_by_path ON articles(path);
CREATE TABLE IF NOT EXISTS {db}.shadows(id TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY(id, path));
CREATE TABLE IF NOT EXISTS {db}.links(a TEXT NOT NULL, b TEXT NOT NULL, PRIMARY KEY(a, b)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS {db}.segfiles(name TEXT PRIMARY KEY, size INTEGER NOT NULL);
"""
_MAIN_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);
CREATE TABLE IF NOT EXISTS saved(
    name TEXT PRIMARY KEY, query TEXT NOT NULL, options TEXT NOT NULL,
    created TEXT NOT NULL, seen INTEGER NOT NULL);
"""


@dataclass(frozen=True)
class FileRow:
    size: int
    mtime_ns: int
    digest: str


@dataclass(frozen=True)
class ArticleRow:
    path: str
    digest: str
    stamp: int  # the generation that first committed this id
    day: int


@dataclass(frozen=True)
class SavedRow:
    name: str
    query: str
    options: dict[str, Any]
    created: str
    seen: int


@dataclass
class Snapshot:
    """What a reader needs, read in one transaction."""

    generation: int
    segfiles: dict[str, int]
    links: list[tuple[str, str]]
    days: dict[str, int]


class Catalog:
    """One connection to an index folder's catalog."""

    def __init__(self, index_dir: Path, create: bool = False) -> None:
        self.path = index_dir / CATALOG_FILE
        if not create and not self.path.exists():
            raise FileNotFoundError(self.path)
        self._local = threading.Lock()
        try:
            # isolation_level=None: transactions are begun explicitly, so a
            # read sees one snapshot and a write takes the lock up front.
            self.conn = sqlite3.connect(self.path, isolation_level=None, timeout=60, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a committed batch survives a power cut, not just a crash.
            self.conn.execute("PRAGMA synchronous=FULL")
            if create:
                with self.write():
                    # executescript would commit the open transaction.
                    for statement in _MAIN_SCHEMA.split(";"):
                        if statement.strip():
                            self.conn.execute(statement)
                    self._state_schema("main")
            version = self.meta("catalog_version")
        except sqlite3.DatabaseError as exc:
            raise self.damaged(exc) from exc
        if create and version is None:
            self.set_meta(catalog_version=CATALOG_VERSION)
        elif version != CATALOG_VERSION:
            raise IndexCorruptError(
                f"{self.path} has catalog version {version!r}, this searchkit reads {CATALOG_VERSION}"
            )

    def damaged(self, exc: BaseException) -> IndexCorruptError:
        return IndexCorruptError(f"{self.path} is damaged ({exc})")

    def _state_schema(self, db: str) -> None:
        for statement in _STATE_SCHEMA.format(db=db).split(";"):
            if statement.strip():
                self.conn.execute(statement)

    def close(self) -> None:
        self.conn.close()

    # -- transactions ------------------------------------------------------
    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        with self._local:
            self.conn.execute("BEGIN")
            try:
                yield self.conn
            finally:
                self.conn.execute("COMMIT")

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction: BEGIN IMMEDIATE takes the database's write
        lock first, so a read-modify-write by another process cannot interleave."""
        with self._local:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    # -- meta --------------------------------------------------------------
    def meta(self, key: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_meta(self, conn: sqlite3.Connection | None = None, **values: Any) -> None:
        target = conn or self.conn
        target.executemany(
            "INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [(k, json.dumps(v)) for k, v in values.items()],
        )

    def generation(self) -> int | None:
        try:
            value = self.meta("generation")
        except sqlite3.DatabaseError as exc:
            raise self.damaged(exc) from exc
        return value if isinstance(value, int) else None

    # -- readers -----------------------------------------------------------
    def snapshot(self) -> Snapshot:
        try:
            with self.read() as conn:
                gen = self.generation()
                if gen is None:
                    raise IndexCorruptError(f"{self.path} names no committed index")
                segfiles = dict(conn.execute("SELECT name, size FROM segfiles"))
                links = list(conn.execute("SELECT a, b FROM links"))
                days = dict(
                    conn.execute(
                        "SELECT id, day FROM articles WHERE id IN (SELECT a FROM links UNION SELECT b FROM links)"
                    )
                )
        except sqlite3.DatabaseError as exc:
            raise self.damaged(exc) from exc
        return Snapshot(gen, segfiles, links, days)

    # -- the indexer's state -------------------------------------------------
    def load_state(self) -> tuple[dict[str, FileRow], dict[str, ArticleRow], list[tuple[str, str]]]:
        try:
            with self.read() as conn:
                files = {p: FileRow(s, m, d) for p, s, m, d in conn.execute("SELECT * FROM files")}
                articles = {
                    i: ArticleRow(p, d, s, day)
                    for i, p, d, s, day in conn.execute("SELECT id, path, digest, stamp, day FROM articles")
                }
                shadows = list(conn.execute("SELECT id, path FROM shadows"))
        except sqlite3.DatabaseError as exc:
            raise self.damaged(exc) from exc
        return files, articles, shadows

    def links(self) -> list[tuple[str, str]]:
        return list(self.conn.execute("SELECT a, b FROM links"))

    # What an index run reads of the articles table, as it needs it: a run
    # that finds few files changed should not build a row per article
    # (19k rows are ~0.2 s; the counts per file are ~5 ms).
    def load_files(self) -> tuple[dict[str, FileRow], list[tuple[str, str]]]:
        """The file rows and the shadow (id, path) pairs."""
        try:
            with self.read() as conn:
                files = {p: FileRow(s, m, d) for p, s, m, d in conn.execute("SELECT * FROM files")}
                shadows = list(conn.execute("SELECT id, path FROM shadows"))
        except sqlite3.DatabaseError as exc:
            raise self.damaged(exc) from exc
        return files, shadows

    def article_counts(self) -> dict[str, int]:
        """Articles per file."""
        return dict(self.conn.execute("SELECT path, count(*) FROM articles GROUP BY path"))

    def linked_days(self) -> dict[str, int]:
        """The day of every article in a near-duplicate link."""
        linked = "SELECT a FROM links UNION SELECT b FROM links"
        return dict(self.conn.execute(f"SELECT id, day FROM articles WHERE id IN ({linked})"))

    def article(self, aid: str) -> ArticleRow | None:
        row = self.conn.execute("SELECT path, digest, stamp, day FROM articles WHERE id = ?", (aid,)).fetchone()
        return None if row is None else ArticleRow(*row)

    def articles_of(self, path: str) -> dict[str, ArticleRow]:
        rows = self.conn.execute("SELECT id, digest, stamp, day FROM articles WHERE path = ?", (path,))
        return {i: ArticleRow(path, d, s, day) for i, d, s, day in rows}

    def start_aside(self) -> None:
        """Empty TEMP copies of the state tables, for a rebuild."""
        for table in STATE_TABLES:
            self.conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
        self._state_schema("temp")

    def apply(self, conn: sqlite3.Connection, db: str, change: Change) -> None:
        """Writes one commit's state changes into ``db`` ("main" or "temp")."""
        conn.executemany(f"DELETE FROM {db}.files WHERE path = ?", ((p,) for p in change.files_gone))
        conn.executemany(
            f"INSERT OR REPLACE INTO {db}.files(path, size, mtime_ns, digest) VALUES(?, ?, ?, ?)",
            ((p, r.size, r.mtime_ns, r.digest) for p, r in change.files.items()),
        )
        conn.executemany(f"DELETE FROM {db}.articles WHERE id = ?", ((i,) for i in change.articles_gone))
        conn.executemany(
            f"INSERT OR REPLACE INTO {db}.articles(id, path, digest, stamp, day) VALUES(?, ?, ?, ?, ?)",
            ((i, r.path, r.digest, r.stamp, r.day) for i, r in change.articles.items()),
        )
        conn.executemany(f"DELETE FROM {db}.shadows WHERE path = ?", ((p,) for p in change.shadow_paths_reset))
        conn.executemany(f"INSERT OR IGNORE INTO {db}.shadows(id, path) VALUES(?, ?)", change.shadows_added)
        conn.executemany(f"DELETE FROM {db}.links WHERE a = ? AND b = ?", change.links_gone)
        conn.executemany(f"INSERT OR IGNORE INTO {db}.links(a, b) VALUES(?, ?)", change.links_added)
        if change.segfiles is not None:
            conn.execute(f"DELETE FROM {db}.segfiles")
            conn.executemany(f"INSERT INTO {db}.segfiles(name, size) VALUES(?, ?)", change.segfiles.items())

    def swap_in_aside(self, conn: sqlite3.Connection) -> None:
        """Replaces the committed state by the rebuild's (inside a write transaction)."""
        for table in STATE_TABLES:
            conn.execute(f"DELETE FROM main.{table}")
            conn.execute(f"INSERT INTO main.{table} SELECT * FROM temp.{table}")

    # -- saved searches ----------------------------------------------------
    def saved(self) -> list[SavedRow]:
        try:
            rows = self.conn.execute("SELECT name, query, options, created, seen FROM saved ORDER BY name").fetchall()
            return [SavedRow(n, q, json.loads(o), c, s) for n, q, o, c, s in rows]
        except (sqlite3.DatabaseError, ValueError) as exc:
            raise self.damaged(exc) from exc


@dataclass
class Change:
    """One commit's changes to the state tables."""

    files: dict[str, FileRow]
    files_gone: set[str]
    articles: dict[str, ArticleRow]
    articles_gone: set[str]
    shadow_paths_reset: set[str]
    shadows_added: list[tuple[str, str]]
    links_added: Iterable[tuple[str, str]] = ()
    links_gone: Iterable[tuple[str, str]] = ()
    segfiles: dict[str, int] | None = None

    @classmethod
    def empty(cls) -> Change:
        return cls({}, set(), {}, set(), set(), [])

    @classmethod
    def empty_with_segfiles(cls, segfiles: dict[str, int]) -> Change:
        change = cls.empty()
        change.segfiles = segfiles
        return change

    def __bool__(self) -> bool:
        return bool(
            self.files
            or self.files_gone
            or self.articles
            or self.articles_gone
            or self.shadow_paths_reset
            or self.shadows_added
            or self.segfiles is not None
        )

"""The three engines behind one small interface, doing the same work.

Every engine indexes the same JSON Lines files (headline and body
searchable with English stemming; date and sources kept for filtering) and
answers a ``QuerySpec`` with the same output: the total number of matches and
the top 10 hits' snippets. searchkit's ``Results.total`` is exact, so the
others count exactly too (FTS5 needs a second statement for that; tantivy
counts while collecting).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

TOP = 10
FTS5_SNIPPET_TOKENS = 40  # ~240 characters of news prose
WRITE_BATCH = 2000


@dataclass(frozen=True)
class QuerySpec:
    """One benchmark query, engine-neutral.

    ``shape`` is ``word`` (one word), ``and`` (two words, both required) or
    ``phrase`` (two adjacent words); ``filter`` is ``plain``, ``date`` or
    ``source``. Words are lowercase ASCII letters only, so every engine's
    query syntax takes them verbatim.
    """

    shape: str
    filter: str
    words: tuple[str, ...]
    since: date | None = None
    until: date | None = None
    source: str | None = None  # the name searchkit is given
    source_key: str | None = None  # source_key(source): what FTS5/tantivy store

    def text(self) -> str:
        """The query in the syntax searchkit, FTS5 and tantivy all share."""
        if self.shape == "phrase":
            return '"' + " ".join(self.words) + '"'
        return " ".join(self.words)

    def to_json(self) -> dict[str, Any]:
        return {
            "shape": self.shape,
            "filter": self.filter,
            "words": list(self.words),
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "source": self.source,
            "source_key": self.source_key,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> QuerySpec:
        return cls(
            d["shape"],
            d["filter"],
            tuple(d["words"]),
            date.fromisoformat(d["since"]) if d["since"] else None,
            date.fromisoformat(d["until"]) if d["until"] else None,
            d["source"],
            d["source_key"],
        )


def query_classes(queries: Sequence[QuerySpec]) -> dict[str, list[int]]:
    """The positions of ``queries`` in each class a table reports: the shape
    (word, and, phrase), the filter (plain, date, source), "filtered" (any
    filter) and "all"."""
    groups: dict[str, list[int]] = {}
    for i, q in enumerate(queries):
        for g in (q.shape, q.filter, "filtered" if q.filter != "plain" else "", "all"):
            if g:
                groups.setdefault(g, []).append(i)
    return groups


class Engine(Protocol):
    name: str

    def build(self) -> int: ...
    def add(self, file: Path) -> int: ...
    def open(self) -> None: ...
    def search(self, q: QuerySpec) -> tuple[int, list[str]]: ...
    def doc_count(self) -> int: ...
    def close(self) -> None: ...
    def size(self) -> int: ...


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(corpus.glob("*.jsonl"))


def iter_records(files: list[Path]) -> Iterator[dict[str, Any]]:
    for path in files:
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)


def day_of(iso: str) -> int:
    return date.fromisoformat(iso).toordinal()


def source_keys(rec: dict[str, Any]) -> list[str]:
    """The record's sources as filter keys, with searchkit's own key rule.

    searchkit matches ``sources=[name]`` through ``source_key``; the other
    engines store the same keys, so the filter means the same everywhere.
    """
    from searchkit.gazetteer import source_key  # late: only when sources exist

    return list(dict.fromkeys(source_key(s) for s in rec.get("sources") or ()))


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _fresh(path: Path) -> None:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)


# ---------------------------------------------------------------------------
class SearchkitEngine:
    """searchkit as a user runs it: ``update`` on the corpus folder, ``search``."""

    name = "searchkit"

    def __init__(self, where: Path, corpus: Path) -> None:
        self.where = where
        self.corpus = corpus
        self.ix: Any = None

    def build(self) -> int:
        from searchkit import SearchIndex

        _fresh(self.where)
        ix = SearchIndex(self.where / "index", create=True)
        report = ix.update([self.corpus])
        ix.close()
        if report.skipped:
            raise RuntimeError(f"searchkit skipped {len(report.skipped)}: {report.skipped[:3]}")
        return report.added

    def add(self, file: Path) -> int:
        # The incremental case: the same corpus files plus one new file.
        # Unchanged files are recognised by content hash and not re-read.
        report = self.ix.update([self.corpus, file])
        return report.added

    def open(self) -> None:
        from searchkit import SearchIndex

        self.ix = SearchIndex(self.where / "index", create=False)

    def search(self, q: QuerySpec) -> tuple[int, list[str]]:
        res = self.ix.search(
            q.text(),
            sources=[q.source] if q.source else None,
            since=q.since,
            until=q.until,
            limit=TOP,
        )
        return res.total, [h.snippet for h in res.hits]

    def doc_count(self) -> int:
        return len(self.ix)

    def close(self) -> None:
        if self.ix is not None:
            self.ix.close()

    def size(self) -> int:
        return dir_size(self.where / "index")


# ---------------------------------------------------------------------------
_FTS5_SCHEMA = """
CREATE TABLE docs(id INTEGER PRIMARY KEY, ext_id TEXT NOT NULL UNIQUE, day INTEGER NOT NULL);
CREATE INDEX docs_day ON docs(day, id);
CREATE TABLE doc_sources(source TEXT NOT NULL, doc INTEGER NOT NULL,
                         PRIMARY KEY(source, doc)) WITHOUT ROWID;
CREATE VIRTUAL TABLE fts USING fts5(headline, body, tokenize='porter');
"""


class Fts5Engine:
    """SQLite FTS5 (porter): text in the FTS table, date and sources beside it.

    ``docs.id`` is the FTS rowid, so the date filter is a join on the
    primary key and the source filter an IN over a covering index.
    """

    name = "fts5"

    def __init__(self, where: Path, corpus: Path) -> None:
        self.where = where
        self.corpus = corpus
        self.db: sqlite3.Connection | None = None

    @property
    def path(self) -> Path:
        return self.where / "fts5.db"

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def _insert(self, db: sqlite3.Connection, files: list[Path]) -> int:
        start = db.execute("SELECT coalesce(max(id), 0) FROM docs").fetchone()[0]
        n = 0
        docs: list[tuple[int, str, int]] = []
        texts: list[tuple[int, str, str]] = []
        srcs: list[tuple[str, int]] = []

        def flush() -> None:
            db.executemany("INSERT INTO docs(id, ext_id, day) VALUES (?, ?, ?)", docs)
            db.executemany("INSERT INTO fts(rowid, headline, body) VALUES (?, ?, ?)", texts)
            db.executemany("INSERT OR IGNORE INTO doc_sources(source, doc) VALUES (?, ?)", srcs)
            docs.clear()
            texts.clear()
            srcs.clear()

        for rec in iter_records(files):
            n += 1
            rowid = start + n
            docs.append((rowid, rec["id"], day_of(rec["date"])))
            texts.append((rowid, rec["headline"], rec["body"]))
            srcs.extend((k, rowid) for k in source_keys(rec))
            if len(docs) >= WRITE_BATCH:
                flush()
        flush()
        db.commit()
        return n

    def build(self) -> int:
        _fresh(self.where)
        db = self._connect()
        db.executescript(_FTS5_SCHEMA)
        n = self._insert(db, corpus_files(self.corpus))
        # Fold the WAL into the database so the size on disk is the index.
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        return n

    def add(self, file: Path) -> int:
        assert self.db is not None
        return self._insert(self.db, [file])

    def open(self) -> None:
        self.db = self._connect()

    def search(self, q: QuerySpec) -> tuple[int, list[str]]:
        assert self.db is not None
        # Every word quoted: FTS5 barewords reject some tokens (AND, NOT...).
        match = " ".join(f'"{w}"' for w in q.words) if q.shape != "phrase" else q.text()
        where = "fts MATCH ?"
        args: list[Any] = [match]
        join = ""
        if q.filter == "date":
            # CROSS JOIN keeps fts as the outer loop: one MATCH, then a
            # primary-key lookup per match (not a MATCH per dated row).
            join = "CROSS JOIN docs ON docs.id = fts.rowid"
            where += " AND docs.day BETWEEN ? AND ?"
            args += [q.since.toordinal() if q.since else 1, q.until.toordinal() if q.until else 10**7]
        elif q.filter == "source":
            # The unary + hides the rowid constraint from FTS5; without it,
            # FTS5 re-runs the MATCH once per listed rowid (736 ms p95 for a
            # source cited by 1,800 stories, instead of a few ms).
            where += " AND +fts.rowid IN (SELECT doc FROM doc_sources WHERE source = ?)"
            args.append(q.source_key)
        total = self.db.execute(f"SELECT count(*) FROM fts {join} WHERE {where}", args).fetchone()[0]
        rows = self.db.execute(
            f"SELECT fts.headline, snippet(fts, 1, '', '', '…', {FTS5_SNIPPET_TOKENS}) "
            f"FROM fts {join} WHERE {where} ORDER BY fts.rank LIMIT {TOP}",
            args,
        ).fetchall()
        return total, [r[1] for r in rows]

    def doc_count(self) -> int:
        assert self.db is not None
        return self.db.execute("SELECT count(*) FROM docs").fetchone()[0]

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def size(self) -> int:
        return dir_size(self.where)


# ---------------------------------------------------------------------------
class TantivyEngine:
    """tantivy: en_stem text fields, day as an indexed fast integer, raw sources."""

    name = "tantivy"

    def __init__(self, where: Path, corpus: Path) -> None:
        self.where = where
        self.corpus = corpus
        self.index: Any = None
        self.searcher: Any = None

    @staticmethod
    def _schema() -> Any:
        import tantivy

        sb = tantivy.SchemaBuilder()
        sb.add_text_field("id", stored=True, tokenizer_name="raw")
        sb.add_text_field("headline", stored=True, tokenizer_name="en_stem")
        sb.add_text_field("body", stored=True, tokenizer_name="en_stem")
        sb.add_integer_field("day", stored=True, indexed=True, fast=True)
        sb.add_text_field("sources", stored=True, tokenizer_name="raw")
        return sb.build()

    def _write(self, files: list[Path]) -> int:
        import tantivy

        # tantivy's defaults: 128 MB heap, one indexing thread per core.
        writer = self.index.writer()
        n = 0
        for rec in iter_records(files):
            writer.add_document(
                tantivy.Document(
                    id=rec["id"],
                    headline=rec["headline"],
                    body=rec["body"],
                    day=day_of(rec["date"]),
                    sources=source_keys(rec),
                )
            )
            n += 1
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        return n

    def build(self) -> int:
        import tantivy

        _fresh(self.where)
        self.index = tantivy.Index(self._schema(), path=str(self.where))
        return self._write(corpus_files(self.corpus))

    def add(self, file: Path) -> int:
        n = self._write([file])
        self.searcher = self.index.searcher()
        return n

    def open(self) -> None:
        import tantivy

        self.index = tantivy.Index.open(str(self.where))
        self.searcher = self.index.searcher()

    def search(self, q: QuerySpec) -> tuple[int, list[str]]:
        import tantivy

        schema = self.index.schema
        text_q = self.index.parse_query(q.text(), ["headline", "body"], conjunction_by_default=True)
        full = text_q
        if q.filter == "date":
            lo = q.since.toordinal() if q.since else None
            hi = q.until.toordinal() if q.until else None
            rng = tantivy.Query.range_query(schema, "day", tantivy.FieldType.Integer, lo, hi)
            full = tantivy.Query.boolean_query([(tantivy.Occur.Must, text_q), (tantivy.Occur.Must, rng)])
        elif q.filter == "source":
            term = tantivy.Query.term_query(schema, "sources", q.source_key)
            full = tantivy.Query.boolean_query([(tantivy.Occur.Must, text_q), (tantivy.Occur.Must, term)])
        result = self.searcher.search(full, TOP, count=True)
        # searchkit's snippet budget (imported late: a run imports its frozen copy).
        from searchkit.snippets import SNIPPET_CHARS

        gen = tantivy.SnippetGenerator.create(self.searcher, text_q, schema, "body")
        gen.set_max_num_chars(SNIPPET_CHARS)
        snippets = [gen.snippet_from_doc(self.searcher.doc(addr)).fragment() for _, addr in result.hits]
        return result.count, snippets

    def doc_count(self) -> int:
        return self.searcher.num_docs

    def close(self) -> None:
        self.searcher = None
        self.index = None

    def size(self) -> int:
        return dir_size(self.where)


ENGINES: dict[str, type[SearchkitEngine] | type[Fts5Engine] | type[TantivyEngine]] = {
    "searchkit": SearchkitEngine,
    "fts5": Fts5Engine,
    "tantivy": TantivyEngine,
}


def available() -> list[str]:
    """Engine names whose libraries import here (tantivy is an optional extra)."""
    names = ["searchkit", "fts5"]
    try:
        import tantivy  # noqa: F401
    except ImportError:
        return names
    return [*names, "tantivy"]


def make(name: str, where: Path, corpus: Path) -> SearchkitEngine | Fts5Engine | TantivyEngine:
    return ENGINES[name](where, corpus)

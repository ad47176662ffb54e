"""Index runs: what changed on disk since the last run, written in batches
that each commit atomically (see storage.py and catalog.py).

A batch commits when it holds ``Tuning.batch_articles`` articles or
``Tuning.commit_seconds`` have passed, so an interrupted run keeps nearly all its work. Each commit
writes a new Whoosh generation, then records it in the catalog with the
file and article rows and near-duplicate links that describe it, in one
transaction: a run killed at any point leaves the last committed pair.

A file whose size and mtime are unchanged is not read. A changed JSON
Lines file is read, and only its records whose digest changed are written
again. A rebuild (or the first run over an older searchkit's index) writes
its generations aside, keeping its state in TEMP tables, and swaps both in
only when it has finished; until then readers see the old index.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import writing

from . import boundaries, saved, storage
from .analysis import FAST, Numbered
from .articles import Article, Loaded, Skipped, read_file, record_digest, record_stem, walk
from .catalog import ArticleRow, Catalog, Change, FileRow
from .errors import IndexCorruptError, IndexVersionError, NothingReadError, PathMissingError
from .gazetteer import source_key
from .neardup import sketches as duplicates
from .neardup.links import DupTracker, encode_sketch
from .neardup.sketches import Groups
from .prepare import Prepared, Preparer, stored_fields, use
from .readers.dispatch import FileStream, open_file
from .readers.sidecar import find_row
from .readers.walk import left_out
from .schema import SCHEMA_VERSION, day_number
from .settings import DEFAULT_WAIT
from .tuning import Tuning, current

Clock = Callable[[], float]

# Articles between progress reports inside a file.
PROGRESS_ARTICLES = 500


@dataclass(frozen=True)
class IndexProgress:
    """Where an index run is, for a progress display.

    ``phase`` is "reading" (a file was read or found unchanged), "writing"
    (articles of the current file went to the writer), "committing" (a
    batch is being committed; the last one can take a while) or "done".
    ``bytes_done`` counts the files finished plus the share of the current
    file's bytes its articles written so far stand for, so a run of one
    large file moves too; ``articles_done`` counts articles written or found
    unchanged.
    """

    phase: str
    files_done: int
    files: int
    bytes_done: int
    bytes_total: int
    articles_done: int


Progress = Callable[[IndexProgress], None]


class _Meter:
    """Counts a run's files, bytes and articles and reports them to a Progress callback."""

    def __init__(self, callback: Progress | None, files: int, bytes_total: int) -> None:
        self.callback = callback
        self.files = files
        self.bytes_total = bytes_total
        self.files_done = 0
        self.bytes_done = 0
        self.articles_done = 0
        self._size = 0  # the current file's bytes, the stream reading it, its articles written
        self._read: FileStream | None = None
        self._written = 0

    def file_read(self, size: int, read: FileStream) -> None:
        self._size, self._read, self._written = size, read, 0

    def article(self) -> None:
        self._written += 1
        self.articles_done += 1
        if self.callback and self._written % PROGRESS_ARTICLES == 0:
            self.report("writing")

    def file_done(self, size: int) -> None:
        self.files_done += 1
        self.bytes_done += size
        self._size = self._written = 0
        self._read = None
        self.report("reading")

    def report(self, phase: str) -> None:
        if self.callback is None:
            return
        # The bytes read so far, in the share of the articles read so far
        # that are written (a streamed file's reading runs ahead of writing).
        read = self._read
        share = min(self._size, read.position * self._written // read.count) if read and read.count else 0
        self.callback(
            IndexProgress(
                phase,
                self.files_done,
                self.files,
                min(self.bytes_done + share, self.bytes_total),
                self.bytes_total,
                self.articles_done,
            )
        )


@dataclass
class UpdateReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    files: int = 0

    def summary(self) -> str:
        return (
            f"{self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.unchanged} unchanged, {len(self.skipped)} skipped "
            f"in {self.seconds:.1f}s ({self.files} {'file' if self.files == 1 else 'files'} checked)"
        )


def _under(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


def _document(
    article: Article,
    digest: str,
    stamp: int,
    sk: tuple[int, ...],
    words: str | Numbered | None = None,
    operators: dict[str, object] | None = None,
) -> dict[str, object]:
    doc: dict[str, object] = {
        # The stored ones as prepare.stored_blob makes them ahead (the writer orders fields by name).
        **stored_fields(article, digest, stamp),
        "sources": ",".join(source_key(s) for s in article.sources),
        # spelling.vocabulary's words, through the bulk analyzer (a test proves them equal).
        "words": " ".join(FAST.vocabulary(article.headline, article.body)) if words is None else words,
        "anchors": " ".join(duplicates.anchors(sk)),
        "sketch": encode_sketch(sk),
        **(boundaries.index_fields(article.headline, article.body) if operators is None else operators),
    }
    # Undated articles get day 0 explicitly (stored_fields): Whoosh 2.7's multi-segment
    # column reader breaks (IndexError) on a segment that lacks a column.
    return doc


def _path_suffix(path: str) -> str:
    return hashlib.blake2b(path.encode("utf-8"), digest_size=4).hexdigest()


@functools.lru_cache(maxsize=64)
def _line_id(path: str) -> re.Pattern[str]:
    # What the readers name an id-less record: its file's stem and line.
    return re.compile(re.escape(record_stem(Path(path))) + r"-L[0-9]+")


@functools.lru_cache(maxsize=64)
def _stem(path: str) -> str:
    return Path(path).stem  # asked once per article of a file: 2.7 s of pathlib in a profiled 19k run


class _Articles:
    """The committed articles (id -> row), read from the catalog as the run
    asks for them, with the run's own changes over them.

    A run over a large index that finds few files changed reads the rows of
    those files only; building every row up front was most of a no-change
    run. Without a catalog (a rebuild) it is the run's own rows alone.
    """

    def __init__(self, cat: Catalog | None = None) -> None:
        self._cat = cat
        self._rows: dict[str, ArticleRow | None] = {}  # None: known absent (or removed)
        self._paths: dict[str, set[str]] = {}  # the ids of each file read so far
        self._counts: dict[str, int] | None = None if cat is not None else {}
        self._lookups = 0

    # Ids looked up one at a time before the rest are read in one query (a
    # large new file asks for every one of its ids).
    LOOKUPS = 500

    def get(self, aid: str) -> ArticleRow | None:
        try:
            return self._rows[aid]
        except KeyError:
            pass
        row = None
        if self._cat is not None and not self.empty():
            self._lookups += 1
            if self._lookups <= self.LOOKUPS:
                row = self._cat.article(aid)
            else:
                self._read_all()
                return self._rows.get(aid)
        self._rows[aid] = row
        return row

    def _read_all(self) -> None:
        assert self._cat is not None
        rows = self._cat.load_state()[1]
        # Files not read yet have no change of this run: their ids as committed.
        unread: dict[str, set[str]] = {}
        for aid, row in rows.items():
            if self._rows.setdefault(aid, row) is row and row.path not in self._paths:
                unread.setdefault(row.path, set()).add(aid)
        self._cat = None  # every row is here now
        self._paths.update(unread)

    def __contains__(self, aid: str) -> bool:
        return self.get(aid) is not None

    def __getitem__(self, aid: str) -> ArticleRow:
        row = self.get(aid)
        if row is None:
            raise KeyError(aid)
        return row

    def __setitem__(self, aid: str, row: ArticleRow) -> None:
        self._rows[aid] = row

    def pop(self, aid: str) -> ArticleRow:
        row = self[aid]
        self._rows[aid] = None
        return row

    def ids(self, path: str) -> set[str]:
        """The ids the file holds (the set itself: the run keeps it up to date)."""
        ids = self._paths.get(path)
        if ids is None:
            rows = self._cat.articles_of(path) if self._cat is not None else {}
            for aid, row in rows.items():
                self._rows.setdefault(aid, row)  # the run's own change wins
            ids = self._paths[path] = set(rows)
        return ids

    def count(self, path: str) -> int:
        if path in self._paths:
            return len(self._paths[path])
        if self._counts is None:
            self._counts = self._cat.article_counts() if self._cat is not None else {}
        return self._counts.get(path, 0)

    def drop_path(self, path: str) -> set[str]:
        ids = self.ids(path)
        self._paths[path] = set()
        return ids

    def live(self) -> set[str]:
        """Every id (only without a catalog: a rebuild's own rows)."""
        assert self._cat is None
        return {aid for aid, row in self._rows.items() if row is not None}

    def empty(self) -> bool:
        if self._cat is None:
            return not any(row is not None for row in self._rows.values())
        if self._counts is None:
            self._counts = self._cat.article_counts()
        return not self._counts


@dataclass
class _State:
    """The committed (or, in a rebuild, the rebuilt so far) state of the run."""

    files: dict[str, FileRow]
    articles: _Articles
    shadows: dict[str, set[str]]  # id -> other files holding a copy of it


class _Run:
    """One index run's writer, batches and commits."""

    def __init__(
        self,
        where: Path,
        cat: Catalog,
        state: _State,
        base: int,
        aside: bool,
        old_stamps: dict[str, int],
        groups: Groups,
        report: UpdateReport,
        clock: Clock,
        roots: list[str],
        tuning: Tuning,
        meter: _Meter | None = None,
    ) -> None:
        self.meter = meter or _Meter(None, 0, 0)
        self.where = where
        self.storage = storage.storage_for(where)
        self.cat = cat
        self.state = state
        self.committed_gen = base  # what readers see, until an aside run swaps
        self.base = base  # the generation the next writer starts from
        self.empty_base = aside
        self.aside = aside
        self.db = "temp" if aside else "main"
        self.old_stamps = old_stamps  # ids' first-commit stamps from before this run
        # A run from an empty index writes every article it will hold, so
        # near-duplicate candidates come from the run's own anchor arrays.
        self.dups = DupTracker(groups, complete=aside or state.articles.empty())
        self.report = report
        self.clock = clock
        self.roots = roots
        self.writer: writing.IndexWriter | None = None
        self.change = Change.empty()
        self.in_batch = 0
        self.dirty = False
        self.last_commit = clock()
        self.tuning = tuning
        self.added: set[str] = set()
        self.updated: set[str] = set()
        self.removed: set[str] = set()
        self.requeue: set[str] = set()
        self.prep = Preparer()  # sketches, spelling words and token cuts, on the other cores
        self.synced: dict[str, int] = {}  # files an earlier commit fsynced, with their sizes

    # -- writing -----------------------------------------------------------
    def _writer(self) -> writing.IndexWriter:
        if self.writer is None:
            ix = storage.PinnedIndex(self.storage, self.base, empty=self.empty_base)
            self.writer = _bulk_writer(ix, limitmb=256)
        return self.writer

    def _new_stamp(self) -> int:
        # The generation this batch will commit as: what alerts compare with.
        return self.base + 1

    def _stamp_guess(self, article: Article, offset: int) -> int:
        """The stamp a new article ``offset`` articles after the next one
        written gets if every one before it is written and batches commit by
        their size (a changed article keeps its own stamp: sync_file)."""
        return self.old_stamps.get(article.id, self.base + 1 + (self.in_batch + offset) // self.tuning.batch_articles)

    def write_article(self, article: Article, digest: str, stamp: int, prepared: Prepared | None = None) -> None:
        """Adds one article to the batch (the seam with the document writer)."""
        stored = None
        if prepared is None:
            sk, words, operators = duplicates.sketch(article.body), None, None
        else:
            use(article, prepared)
            sk, words, operators = prepared[0], prepared[1], prepared[3]
            made = prepared[5]
            # Made for this stamp and the article as read (sync_file drops them when its id or path changed).
            if made is not None and made[0] == stamp:
                stored = made[1], made[2]
        self._writer().add_fields(_document(article, digest, stamp, sk, words, operators), stored)
        self.dups.add(article.id, day_number(article.date) if article.date else 0, sk)

    def delete_article(self, aid: str) -> None:
        self._writer().delete_by_term("id", aid)
        self.dups.remove(aid)

    def remove_article(self, aid: str) -> None:
        row = self.state.articles.pop(aid)
        self.state.articles.ids(row.path).discard(aid)
        self.delete_article(aid)
        self.change.articles.pop(aid, None)
        self.change.articles_gone.add(aid)
        self.old_stamps.setdefault(aid, row.stamp)
        self.removed.add(aid)
        self.dirty = True
        self.in_batch += 1
        # Another file holds a copy of this id: it takes over.
        for other in self.state.shadows.pop(aid, set()):
            self.requeue.add(other)

    def remove_file(self, path: str) -> None:
        for aid in sorted(self.state.articles.drop_path(path)):
            if (row := self.state.articles.get(aid)) is not None and row.path == path:
                self.remove_article(aid)
        self._reset_shadows(path)
        self.state.files.pop(path, None)
        self.change.files.pop(path, None)
        self.change.files_gone.add(path)

    def touch_file(self, path: str, row: FileRow) -> None:
        """Same content, new size/mtime: recorded so the next run need not read it."""
        self.state.files[path] = row
        self.change.files[path] = row

    def _reset_shadows(self, path: str) -> None:
        for aid in [a for a, paths in self.state.shadows.items() if path in paths]:
            self.state.shadows[aid].discard(path)
            if not self.state.shadows[aid]:
                del self.state.shadows[aid]
        self.change.shadow_paths_reset.add(path)
        self.change.shadows_added = [s for s in self.change.shadows_added if s[1] != path]

    def _assign_id(self, item: Loaded, path: str, taken: set[str]) -> str | None:
        article = item.article
        aid = article.id
        # A one-article file (text, a web page) is named by its file; a
        # record of a multi-article file by its id or its content.
        single = aid == _stem(path)
        if not single and _line_id(path).fullmatch(aid):
            # An id-less record: named by its file and content, not its line,
            # so inserting a line above it does not make it another article,
            # and same-named files in two folders do not collide.
            key = f"{path}\0{record_digest(article)}".encode("utf-8", "surrogatepass")
            base = f"{record_stem(Path(path))}-{hashlib.blake2b(key, digest_size=6).hexdigest()}"
            aid, n = base, 1
            while aid in taken:
                n += 1
                aid = f"{base}~{n}"
        if aid in taken:
            self.report.skipped.append(Skipped(path, f"duplicate id {aid!r} within the file: article not indexed"))
            return None
        owner = self.state.articles.get(aid)
        if owner is None or owner.path == path:
            return aid
        if not single:
            # Kept as a copy: if the other file drops the id, this one is
            # indexed in its place (an article moved between files).
            self.state.shadows.setdefault(aid, set()).add(path)
            self.change.shadows_added.append((aid, path))
            self.report.skipped.append(
                Skipped(path, f"duplicate id {aid!r} (indexed from {owner.path}): kept as its copy")
            )
            return None
        # Same file name in two folders: the newcomer gets a stable suffix.
        aid = f"{aid}~{_path_suffix(path)}"
        other = self.state.articles.get(aid)
        return None if other is not None and other.path != path else aid

    def sync_file(self, path: str, st: os.stat_result, read: FileStream, rolling: bool = False) -> int:
        """Brings one file's articles in line as ``read`` yields them; returns
        how many were unchanged. The file's row (with the digest of the bytes
        read) is recorded once every article is in.

        ``rolling``: the file is a window onto a stream (a feed keeps only its
        newest entries), so an article that dropped out of it stays indexed.
        """
        old_ids = set(self.state.articles.ids(path))
        self._reset_shadows(path)
        taken: set[str] = set()
        unchanged = 0
        # The preparer reads ahead of the writer: the items it has taken and
        # not yet handed back, in order.
        items: deque[Loaded] = deque()

        def articles() -> Iterator[Article]:
            for item in read.items:
                items.append(item)
                yield item.article

        self.meter.file_read(st.st_size, read)
        for prep in self.prep.prepared(articles(), self._stamp_guess):
            item = items.popleft()
            self.meter.article()
            aid = self._assign_id(item, path, taken)
            if aid is None:
                continue
            taken.add(aid)
            article = item.article
            if aid != article.id or article.path != path:
                article = Article(**{**article.__dict__, "id": aid, "path": path})
                prep = (*prep[:5], None)  # stored fields made with the old id or path
            digest = prep[4]  # record_digest(article), made in the worker: it reads no id or path
            prev = self.state.articles.get(aid)
            self.report.warnings.extend(f"{path}: {w}" for w in item.warnings)
            if prev is not None and prev.digest == digest:
                unchanged += 1
                continue
            if prev is not None:
                self.delete_article(aid)
                self.updated.add(aid)
                stamp = prev.stamp
            else:
                stamp = self.old_stamps.get(aid, self._new_stamp())
                (self.updated if aid in self.old_stamps and not self.aside else self.added).add(aid)
            self.write_article(article, digest, stamp, prep)
            new = ArticleRow(path, digest, stamp, day_number(article.date) if article.date else 0)
            self.state.articles[aid] = new
            self.state.articles.ids(path).add(aid)
            self.change.articles[aid] = new
            self.change.articles_gone.discard(aid)
            self.dirty = True
            self.in_batch += 1
            # A big file commits in parts too; its file row waits for the end,
            # so a run stopped half-way reads it again and finds the committed
            # records unchanged.
            self.maybe_commit()
        for aid in sorted(old_ids - taken):
            if rolling and aid in self.state.articles and self.state.articles[aid].path == path:
                self.state.articles.ids(path).add(aid)
                continue
            if aid in self.state.articles and self.state.articles[aid].path == path:
                self.remove_article(aid)
        row = FileRow(st.st_size, st.st_mtime_ns, read.digest)
        self.state.files[path] = row
        self.change.files[path] = row
        self.change.files_gone.discard(path)
        return unchanged

    # -- committing ----------------------------------------------------------
    def maybe_commit(self) -> None:
        if self.in_batch >= self.tuning.batch_articles or (
            self.in_batch and self.clock() - self.last_commit >= self.tuning.commit_seconds
        ):
            self.prep.reserve()  # mid-file: the workers prepare what follows while this commits
            self.commit()

    def commit(self) -> None:
        """Commits the batch: Whoosh generation, then the catalog that names it."""
        links_added: list[tuple[str, str]] = []
        links_gone: list[tuple[str, str]] = []
        if self.dirty:
            self.meter.report("committing")
            w = self._writer()
            w.commit(mergetype=writing.MERGE_SMALL)
            gen = self.base + 1
            self.writer = None
            files = storage.segment_files(self.where, gen)
            # Segment files never change once written: those an earlier
            # commit of this run synced need no second fsync.
            storage.sync_files(self.where, [f for f in files if self.synced.get(f) != files[f]])
            self.synced = dict(files)
            if self.dups.known is not None:
                links_added, links_gone = self.dups.committed(None)
            else:
                with storage.PinnedIndex(self.storage, gen).reader() as reader:
                    links_added, links_gone = self.dups.committed(reader)
            self.change.links_added, self.change.links_gone = links_added, links_gone
            self.change.segfiles = files
            self.base = gen
            self.empty_base = False
        elif self.writer is not None:
            self.writer.cancel()
            self.writer = None
        if not self.change and not self.dirty:
            return
        with self.cat.write() as conn:
            self.cat.apply(conn, self.db, self.change)
            if not self.aside and self.dirty:
                self.cat.set_meta(conn, generation=self.base, last_update=storage.now_iso(), roots=self.roots)
        if not self.aside:
            self.committed_gen = self.base
        storage.clean(self.where, {self.committed_gen, self.base}, self.committed_gen)
        self.change = Change.empty()
        self.dirty = False
        self.in_batch = 0
        self.last_commit = self.clock()

    def finish(self, legacy: bool) -> None:
        """Commits the last batch; an aside run then swaps its work in."""
        try:
            if self.writer is not None:
                # The pool has nothing left to prepare: it encodes the
                # largest field while this process does the rest.
                self.writer.beside = self.prep.beside
            self.commit()
        finally:
            self.prep.close()
        if not self.aside:
            with self.cat.write() as conn:
                self.cat.set_meta(conn, last_update=storage.now_iso(), roots=self.roots)
            return
        if self.empty_base:
            # Nothing was written (every file empty): the rebuilt index is empty.
            self.base += 1
            storage.create_empty_at(self.where, self.base)
            with self.cat.write() as conn:
                self.cat.apply(conn, "temp", Change.empty_with_segfiles(storage.segment_files(self.where, self.base)))
        with self.cat.write() as conn:
            self.cat.swap_in_aside(conn)
            if legacy:
                saved.import_legacy(conn, self.where, self.base)
            self.cat.set_meta(
                conn,
                generation=self.base,
                last_update=storage.now_iso(),
                roots=self.roots,
                schema_version=SCHEMA_VERSION,
            )
        self.committed_gen = self.base
        if legacy:
            storage.remove_legacy(self.where)
        storage.clean(self.where, {self.base}, self.base)

    def abandon(self) -> None:
        """After an error: the uncommitted batch and its files go."""
        self.prep.close()
        if self.writer is not None:
            with contextlib.suppress(Exception):  # the writer may be closed already
                self.writer.cancel()
        # The catalog, not self.committed_gen, says what is committed: a
        # Ctrl-C can land after the catalog's COMMIT and before this run
        # noted the generation it names, and cleaning by the note would
        # delete the files of the index the catalog points at. Unreadable
        # catalog: keep both (leftovers cost the next run one clean()).
        keep = {self.committed_gen}
        try:
            named = self.cat.generation()
        except Exception:  # damaged or closed: keep more, never less
            keep.add(self.base)
        else:
            if named is not None:
                keep.add(named)
        with contextlib.suppress(Exception):
            storage.clean(self.where, keep, max(keep))


_BULK_WRITER: type | None = None


def _bulk_writer(ix: storage.PinnedIndex, **options: Any) -> writing.IndexWriter:
    """storage.writer's writer (its TOC commit deletes nothing) with the bulk
    writer's document path and searchkit's codec. Imported when first used:
    it needs numpy, which a command's start-up does not."""
    global _BULK_WRITER
    if _BULK_WRITER is None:
        from .bulkwriter import BulkWriter

        _BULK_WRITER = type("BulkCatalogWriter", (BulkWriter, storage._Writer), {})
    return _BULK_WRITER(ix, _lk=False, **options)


def _roots(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Absolute, symlink-free roots; a missing one stops the run before anything changes."""
    roots = []
    for raw in paths:
        if not os.path.lexists(raw):
            raise PathMissingError(f"no such file or folder: {os.fspath(raw)} (nothing was changed)")
        roots.append(os.path.realpath(raw))
    return list(dict.fromkeys(roots))


def _open(where: Path, rebuild: bool, roots: list[str]) -> tuple[Catalog, int, bool, bool]:
    """The catalog, the generation to start from, whether to work aside, and
    whether the folder holds an older searchkit's index."""
    state = storage.kind(where)
    if state == "foreign":
        raise IndexCorruptError(f"{where} holds files but no searchkit index; give another --index-dir")
    if state == "legacy":
        if not rebuild:
            raise IndexVersionError(
                f"index at {where} was written by an older searchkit: {storage.rebuild_hint(where, roots)}"
            )
        cat = Catalog(where, create=True)
        return cat, storage.latest_toc(where), True, True
    if state in ("missing", "empty"):
        where.mkdir(parents=True, exist_ok=True)
        cat = Catalog(where, create=True)
        gen = storage.create_empty(where)
        with cat.write() as conn:
            cat.set_meta(conn, generation=gen, created=storage.now_iso(), schema_version=SCHEMA_VERSION)
        return cat, gen, False, False
    try:
        cat = Catalog(where)
        known = cat.generation()
    except IndexCorruptError as exc:
        if not rebuild:
            raise IndexCorruptError(f"{exc}: {storage.rebuild_hint(where, roots)}") from exc
        # Kept, not deleted: whatever it still holds can be looked at.
        os.replace(where / "catalog.sqlite", where / f"catalog.sqlite.damaged-{int(time.time())}")
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(where / f"catalog.sqlite{suffix}")
        cat = Catalog(where, create=True)
        return cat, storage.latest_toc(where), True, False
    if known is None:
        # A first run killed before it committed anything: start afresh.
        gen = storage.create_empty(where)
        with cat.write() as conn:
            cat.set_meta(conn, generation=gen, created=storage.now_iso(), schema_version=SCHEMA_VERSION)
        return cat, gen, rebuild, False
    gen = known
    if not rebuild:
        # Segments written by another analyzer or codec must not be mixed
        # with new ones: only a rebuild may replace them.
        storage.check_schema(cat, where, roots)
    storage.clean(where, {gen}, gen)  # what a killed or failed run left behind
    if not rebuild:
        storage.verify(where, cat, roots)
    return cat, gen, rebuild, False


def update(
    index_dir: str | os.PathLike[str],
    paths: Iterable[str | os.PathLike[str]],
    rebuild: bool = False,
    wait: float = DEFAULT_WAIT,
    progress: Progress | None = None,
    clock: Clock = time.monotonic,
    tuning: Tuning | None = None,
) -> UpdateReport:
    """Brings the index at ``index_dir`` in line with the files under ``paths``
    (committing in batches of ``tuning``'s size)."""
    started = time.perf_counter()
    where = storage.check_dir(index_dir)
    roots = _roots(paths)
    report = UpdateReport()
    with storage.write_lock(where, wait):
        files: list[str] = []
        for item in walk(roots):
            if isinstance(item, Skipped):
                report.skipped.append(item)
            else:
                files.append(os.path.abspath(item))
        if not files:
            where_text = ", ".join(roots)
            raise NothingReadError(
                f"no article files (text, HTML, feeds, JSON Lines, CSV) under {where_text} (nothing was changed)"
            )
        cat, gen, aside, legacy = _open(where, rebuild, roots)
        try:
            _index(where, cat, gen, aside, legacy, roots, files, report, progress, clock, current(tuning))
        finally:
            cat.close()
    report.seconds = time.perf_counter() - started
    return report


def _index(
    where: Path,
    cat: Catalog,
    gen: int,
    aside: bool,
    legacy: bool,
    roots: list[str],
    files: list[str],
    report: UpdateReport,
    progress: Progress | None,
    clock: Clock,
    tuning: Tuning,
) -> None:
    if aside:
        old_stamps: dict[str, int] = {}
        with contextlib.suppress(IndexCorruptError):
            _, old, _ = cat.load_state()
            old_stamps = {aid: row.stamp for aid, row in old.items()}
        cat.start_aside()
        state = _State({}, _Articles(), {})
        groups = Groups()
    else:
        file_rows, shadow_rows = cat.load_files()
        shadows: dict[str, set[str]] = {}
        for aid, path in shadow_rows:
            shadows.setdefault(aid, set()).add(path)
        state = _State(file_rows, _Articles(cat), shadows)
        old_stamps = {}
        groups = Groups.from_links(cat.links(), cat.linked_days())
    before = set(old_stamps)
    sizes = [_size(p) for p in files]
    meter = _Meter(progress, len(files), sum(sizes))
    run = _Run(where, cat, state, gen, aside, old_stamps, groups, report, clock, roots, tuning, meter)
    present = set(files)
    readable = 0
    try:
        for path in sorted(p for p in state.files if _under(p, roots) and p not in present):
            if left_out(path, roots):  # now ignored, or not an article: dropped, not kept
                run.remove_file(path)
                continue
            try:
                os.stat(path)
            except (FileNotFoundError, NotADirectoryError):
                run.remove_file(path)
                continue
            except OSError as exc:
                reason = exc.strerror or str(exc)
            else:
                reason = "its folder could not be listed"
            kept = state.articles.count(path)
            report.skipped.append(Skipped(path, f"{reason}: its {kept} indexed articles are kept"))
        for path, size in zip(files, sizes, strict=True):
            report.files += 1
            readable += _one_file(run, state, path, report)
            run.maybe_commit()
            meter.file_done(size)
        if not readable:
            raise NothingReadError(
                f"none of the {len(files)} article files under {', '.join(roots)} could be read (nothing was changed)"
            )
        if run.requeue:
            run.commit()  # the copies' old owners are deleted before the copies are added
            for path in sorted(run.requeue):
                if path in state.files and os.path.exists(path):
                    st = os.stat(path)
                    read = open_file(path)
                    if not read.failed:
                        run.sync_file(path, st, read)
        run.finish(legacy)
        meter.report("done")
    except BaseException:
        run.abandon()
        raise
    # An id that left one file and arrived in another was moved: an update.
    back = run.removed & (run.added | run.updated)
    report.added = len(run.added - run.removed)
    report.removed = len(run.removed - back)
    report.updated = len(run.updated | back)
    if aside:
        # A rebuild indexes every article afresh; what it lost is counted.
        report.updated = 0
        report.removed = len(before - state.articles.live())


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _one_file(run: _Run, state: _State, path: str, report: UpdateReport) -> int:
    """Reads one file if it changed; returns 1 if it yielded articles (or was unchanged)."""
    try:
        st = os.stat(path)
    except OSError:
        report.skipped.extend(read_file(path).skipped)  # the reader names the reason
        return 0
    row = state.files.get(path)
    # A file a sidecar describes is read again (its digest covers the row):
    # editing the sidecar changes it without touching the file.
    if row is not None and row.size == st.st_size and row.mtime_ns == st.st_mtime_ns and not find_row(Path(path)):
        report.unchanged += state.articles.count(path)
        return 1
    read = open_file(path, row.digest if row else None)
    if read.unchanged:
        run.touch_file(path, FileRow(st.st_size, st.st_mtime_ns, read.digest))
        report.unchanged += state.articles.count(path)
        return 1
    if read.failed:
        report.skipped.extend(read.skipped)
        return 0  # unreadable: keep what was indexed
    rolling = read.reader == "feed"
    report.unchanged += run.sync_file(path, st, read, rolling)
    report.skipped.extend(read.skipped)  # complete now that every record was read
    return 1 if read.count else 0

"""Incremental index runs: what changed on disk since the last run, and
writing it in file-aligned batches.

Every file's articles are written in the same commit as the deletion of its
old version, and a commit never splits a file, so a run killed at any point
leaves each file either wholly old or wholly new; the next run then finds
the rest by content hash.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import writing
from whoosh.index import FileIndex

from . import duplicates, manifest
from .analysis import FAST
from .articles import Article, Loaded, Skipped, read_file, walk
from .dupgroups import DupTracker, encode_sketch
from .errors import SearchkitError
from .manifest import Indexed, read_indexed
from .prepare import Preparer, use
from .schema import day_number
from .sources import source_key
from .storage import create_index, has_index, now_iso, open_index, verify, write_lock, write_meta

# Articles per commit: small enough that an interrupted run keeps most of
# its work, large enough that commit overhead stays a few percent.
BATCH_ARTICLES = 10_000
DEFAULT_WAIT = 30.0

Progress = Callable[[int, int], None]


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
    article: Article, digest: str, stamp: int, sk: tuple[int, ...], words: str | None = None
) -> dict[str, object]:
    doc: dict[str, object] = {
        "id": article.id,
        "headline": article.headline,
        "body": article.body,
        "summary": article.summary,
        "sources": ",".join(source_key(s) for s in article.sources),
        "source_names": list(article.sources),
        "path": article.path or "",
        "digest": digest,
        "indexed_at": stamp,
        # spelling.vocabulary's words, through the bulk analyzer (a test proves them equal).
        "words": " ".join(FAST.vocabulary(article.headline, article.body)) if words is None else words,
        "anchors": " ".join(duplicates.anchors(sk)),
        "sketch": encode_sketch(sk),
    }
    # Undated articles get day 0 explicitly: Whoosh 2.7's multi-segment
    # column reader breaks (IndexError) on a segment that lacks a column.
    doc["date"] = day_number(article.date) if article.date else 0
    if article.url:
        doc["url"] = article.url
    return doc


def _path_suffix(path: str) -> str:
    return hashlib.blake2b(path.encode("utf-8"), digest_size=4).hexdigest()


class _Run:
    """One index run: a writer per batch, ids kept unique across files."""

    def __init__(self, ix: FileIndex, indexed: Indexed, report: UpdateReport, clear: bool):
        self.ix = ix
        self.indexed = indexed
        self.report = report
        self.clear_on_first_commit = clear
        self.writer = self._new_writer()
        self.in_batch = 0
        self.dirty = False
        self.stamp = int(time.time())
        self.dups = DupTracker(ix)
        self.prep = Preparer()  # sketches, spelling words and token cuts, on the other cores

    def _new_writer(self) -> writing.IndexWriter:
        # Postings analysed and grouped a batch at a time, in searchkit's codec
        # (imported here: it needs numpy, which a command's start-up does not).
        from .bulkwriter import BulkWriter

        return BulkWriter(self.ix, limitmb=256)

    def commit(self) -> None:
        if not self.dirty and not self.clear_on_first_commit:
            # Nothing changed: a new generation would only make every open
            # searcher reload for nothing.
            self.writer.cancel()
            return
        merge = writing.CLEAR if self.clear_on_first_commit else writing.MERGE_SMALL
        self.writer.commit(mergetype=merge)
        self.dups.committed(reset=self.clear_on_first_commit)
        self.clear_on_first_commit = False
        self.in_batch = 0
        self.dirty = False

    def maybe_commit(self) -> None:
        if self.in_batch >= BATCH_ARTICLES:
            self.commit()
            self.writer = self._new_writer()

    def remove_path(self, path: str) -> None:
        self.dirty = True
        self.writer.delete_by_term("path", path)
        for aid in self.indexed.ids_by_path.pop(path, set()):
            self.dups.removed.add(aid)
            if self.indexed.path_by_id.get(aid) == path:
                del self.indexed.path_by_id[aid]
        self.indexed.digests.pop(path, None)

    def assign_id(self, loaded: Loaded, path: str, explicit: bool) -> str | None:
        aid = loaded.article.id
        owner = self.indexed.path_by_id.get(aid)
        if owner is None:
            return aid
        if explicit or owner == path:
            # Two records of one file, or an id the user chose twice: the
            # second would silently replace the first, so it is refused.
            return None
        # Same file name in two folders: the newcomer gets a stable suffix.
        aid = f"{aid}~{_path_suffix(path)}"
        return None if aid in self.indexed.path_by_id else aid

    def add_file(self, path: str, digest: str, loaded: list[Loaded], old_ids: set[str]) -> None:
        self.dirty = True
        new_ids: set[str] = set()
        explicit = path.lower().endswith(".jsonl")
        prepared = self.prep.prepared([item.article for item in loaded])
        for item, (sk, words, cuts) in zip(loaded, prepared, strict=True):
            aid = self.assign_id(item, path, explicit)
            if aid is None:
                self.report.skipped.append(Skipped(path, f"duplicate id {item.article.id!r}: article not indexed"))
                continue
            article = item.article
            if aid != article.id or article.path != path:
                article = Article(**{**article.__dict__, "id": aid, "path": path})
            stamp = self.indexed.first_seen.setdefault(aid, self.stamp)
            use(article, (sk, words, cuts))
            self.writer.add_document(**_document(article, digest, stamp, sk, words))
            self.indexed.path_by_id[aid] = path
            self.dups.added[aid] = (day_number(article.date) if article.date else 0, sk)
            new_ids.add(aid)
            self.report.warnings.extend(f"{path}: {w}" for w in item.warnings)
        self.indexed.ids_by_path[path] = new_ids
        self.indexed.digests[path] = digest
        self.report.added += len(new_ids - old_ids)
        self.report.updated += len(new_ids & old_ids)
        self.report.removed += len(old_ids - new_ids)
        self.in_batch += max(len(loaded), 1)


def update(
    index_dir: str | os.PathLike[str],
    paths: Iterable[str | os.PathLike[str]],
    rebuild: bool = False,
    wait: float = DEFAULT_WAIT,
    progress: Progress | None = None,
) -> UpdateReport:
    """Brings the index at ``index_dir`` in line with the files under ``paths``."""
    started = time.perf_counter()
    where = Path(index_dir)
    roots = [os.path.abspath(p) for p in paths]
    report = UpdateReport()
    with write_lock(where, wait):
        clear = False
        if rebuild:
            try:
                ix = open_index(where)
                verify(ix, where)
                clear = True  # keep the old index searchable until the first batch lands
            except SearchkitError:
                ix = create_index(where)
        elif has_index(where):
            ix = open_index(where)
            verify(ix, where)
        else:
            ix = create_index(where)
        indexed = read_indexed(ix, where)
        if clear:
            indexed = Indexed(first_seen=indexed.first_seen, segments=indexed.segments)

        files: list[Path] = []
        for item in walk(roots):
            if isinstance(item, Skipped):
                report.skipped.append(item)
            else:
                files.append(item)
        present = {os.path.abspath(f) for f in files}

        run = _Run(ix, indexed, report, clear)
        try:
            for path in sorted(p for p in indexed.digests if _under(p, roots) and p not in present):
                report.removed += len(indexed.ids_by_path.get(path, ()))
                run.remove_path(path)
            for done, file in enumerate(files, 1):
                path = os.path.abspath(file)
                read = read_file(path, indexed.digests.get(path))
                report.files += 1
                if read.unchanged:
                    report.unchanged += len(indexed.ids_by_path.get(path, ()))
                elif read.digest == "":
                    report.skipped.extend(read.skipped)  # unreadable: keep what was indexed
                else:
                    report.skipped.extend(read.skipped)
                    old_ids = indexed.ids_by_path.get(path, set())
                    if path in indexed.digests:
                        run.remove_path(path)
                    run.add_file(path, read.digest, read.loaded, old_ids)
                    run.maybe_commit()
                if progress:
                    progress(done, len(files))
            run.commit()
            if report.added or report.updated or report.removed:
                manifest.sync(ix, where, indexed.segments)
        except BaseException:
            with contextlib.suppress(Exception):  # the writer may be closed already
                run.writer.cancel()
            raise
        finally:
            run.prep.close()
        write_meta(where, last_update=now_iso())
    report.seconds = time.perf_counter() - started
    return report

"""Where an index lives on disk: its files, opening, creating, the write lock.

An index folder holds Whoosh's segment files (``MAIN_<id>.*``) and tables
of contents (``_MAIN_<generation>.toc``), searchkit's catalog
(``catalog.sqlite``, see catalog.py) and ``searchkit.lock``, held for the
whole of an index run so that a second writer waits.

Whoosh normally deletes every older generation when it writes a new one.
Here it does not (``_Writer``): the catalog names the committed generation,
readers open exactly that one (``PinnedIndex``), and files no committed or
in-progress generation uses are deleted only after the catalog has moved
on (``clean``). So a run killed at any point, or a disk that fills up,
leaves the previous index whole, and the next run removes the leftovers.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import re
import shlex
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, FileIndex
from whoosh.writing import SegmentWriter

from . import whoosh_fixes
from .catalog import CATALOG_FILE, Catalog
from .errors import IndexCorruptError, IndexLockedError, IndexMissingError, IndexVersionError, SearchkitError
from .schema import SCHEMA_VERSION, build_schema

LOCK_FILE = "searchkit.lock"
INDEX_NAME = "MAIN"
# State files of searchkit before the catalog: their presence marks an index
# this version does not read.
LEGACY_MARK = "searchkit.json"  # every older searchkit wrote it
LEGACY_FILES = (LEGACY_MARK, "manifest.json", "duplicates.json", "saved.json")
OWN_FILES = (LOCK_FILE, CATALOG_FILE, CATALOG_FILE + "-wal", CATALOG_FILE + "-shm", "MAIN_WRITELOCK")

# Exactly the names Whoosh gives its files, so cleaning never touches a
# user's file that merely starts with "MAIN".
_TOC_RE = re.compile(rf"^_{INDEX_NAME}_([0-9]+)\.toc$")
_TOC_TEMP_RE = re.compile(rf"^_{INDEX_NAME}_[0-9]+\.toc\.[0-9.]+$")
_SEGMENT_RE = re.compile(rf"^{INDEX_NAME}_([0-9a-z]{{16}})\.[A-Za-z0-9_.]+$")
_TEMP_DIR_RE = re.compile(rf"^{INDEX_NAME}\.tmp$")

# How long a superseded generation's files stay for readers still using it.
GRACE_SECONDS = 60.0

whoosh_fixes.apply()


def rebuild_hint(index_dir: Path, roots: Iterable[str] | None = None) -> str:
    """The one command that rebuilds the index at ``index_dir``."""
    paths = " ".join(shlex.quote(r) for r in roots) if roots else "PATH..."
    return f"rebuild it with `searchkit --index-dir {shlex.quote(str(index_dir))} index --rebuild {paths}`"


def check_schema(cat: Catalog, path: Path, roots: Iterable[str] | None = None) -> None:
    """Refuses an index whose segments another analyzer or codec wrote.

    Catalogs from before the version was recorded hold schema 1 (Whoosh's
    own codec, no Unicode normalisation).
    """
    version = cat.meta("schema_version", 1)
    if version != SCHEMA_VERSION:
        raise IndexVersionError(
            f"index at {path} has schema version {version}, this searchkit uses {SCHEMA_VERSION}: "
            f"{rebuild_hint(path, roots)}"
        )


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def check_dir(path: str | os.PathLike[str]) -> Path:
    # Path("") is ".": an empty --index-dir would make the current folder the index.
    if not os.fspath(path).strip():
        raise SearchkitError("the index folder is an empty string: give a folder name with --index-dir")
    return Path(path)


def kind(path: Path) -> str:
    """"index", "legacy" (an older searchkit's), "foreign" (another Whoosh
    index), "missing" or "empty" (no index, perhaps other files)."""
    if not path.is_dir():
        return "missing"
    names = set(os.listdir(path))
    if CATALOG_FILE in names:
        return "index"
    if LEGACY_MARK in names:
        return "legacy"
    if any(_TOC_RE.match(n) for n in names):
        return "foreign"
    # Other files may share the folder: cleaning only ever deletes names
    # Whoosh itself gives (see _SEGMENT_RE), never a user's MAIN_PLAN.docx.
    return "empty"


def open_catalog(path: Path, roots: Iterable[str] | None = None) -> Catalog:
    """The catalog of an existing index, or an error saying why there is none."""
    check_dir(path)
    state = kind(path)
    if state == "legacy":
        raise IndexVersionError(f"index at {path} was written by an older searchkit: {rebuild_hint(path, roots)}")
    if state == "foreign":
        raise IndexCorruptError(f"{path} holds files but no searchkit index; give another --index-dir")
    if state in ("missing", "empty"):
        raise IndexMissingError(f"no index at {path}: create it with `searchkit --index-dir {path} index PATH...`")
    try:
        cat = Catalog(path)
    except IndexCorruptError as exc:
        raise IndexCorruptError(f"{exc}: {rebuild_hint(path, roots)}") from exc
    try:
        check_schema(cat, path, roots)
    except IndexVersionError:
        cat.close()
        raise
    if cat.generation() is None:
        cat.close()
        # A first run that never committed: nothing to read, nothing lost.
        raise IndexMissingError(f"no committed index at {path} yet: run `searchkit --index-dir {path} index PATH...`")
    return cat


class PinnedIndex(FileIndex):
    """A Whoosh index fixed at one generation (the catalog's), or at an empty
    one (``gen`` with no TOC read) for a rebuild's first writer."""

    def __init__(self, storage: FileStorage, gen: int, empty: bool = False) -> None:
        self.storage = storage
        self._schema = None
        self.indexname = INDEX_NAME
        self.gen = gen
        self.empty = empty
        if not empty:
            self._read_toc()

    def _read_toc(self) -> TOC:
        if self.empty:
            return TOC(build_schema(), [], self.gen)
        return TOC.read(self.storage, INDEX_NAME, gen=self.gen)

    def latest_generation(self) -> int:
        return self.gen


class _Writer(SegmentWriter):
    """Writes a new generation's TOC but deletes nothing: the old generation
    stays whole until the catalog has committed the new one."""

    def _commit_toc(self, segments: list[Any]) -> None:
        TOC(self.schema, segments, self.generation).write(self.storage, self.indexname)


def storage_for(path: Path) -> FileStorage:
    return FileStorage(str(path))


def writer(ix: PinnedIndex, **options: Any) -> SegmentWriter:
    # Non-compound segments: a searcher on a compound segment copies it
    # into memory; separate files are memory-mapped instead. _lk=False:
    # searchkit.lock already serialises writers.
    return _Writer(ix, _lk=False, compound=False, **options)


def create_empty_at(path: Path, gen: int) -> None:
    """Writes generation ``gen`` with no segments."""
    TOC(build_schema(), [], gen).write(storage_for(path), INDEX_NAME)
    sync_files(path, [f"_{INDEX_NAME}_{gen}.toc"])


def create_empty(path: Path) -> int:
    """Writes the first generation of a new index (no segments); returns it."""
    gen = latest_toc(path) + 1
    create_empty_at(path, gen)
    return gen


def latest_toc(path: Path) -> int:
    """The highest generation with a TOC file in the folder, -1 if none."""
    gens = [int(m.group(1)) for m in map(_TOC_RE.match, os.listdir(path)) if m]
    return max(gens, default=-1)


def segment_files(path: Path, gen: int) -> dict[str, int]:
    """Each file of generation ``gen`` (its TOC and segments) with its size."""
    toc = TOC.read(storage_for(path), INDEX_NAME, gen=gen)
    ids = {s.segment_id() for s in toc.segments}
    out = {}
    for name in os.listdir(path):
        m = _SEGMENT_RE.match(name)
        if (m and m.group(0).split(".")[0] in ids) or name == f"_{INDEX_NAME}_{gen}.toc":
            out[name] = os.stat(path / name).st_size
    return out


def sync_files(path: Path, names: Iterable[str]) -> None:
    """fsyncs the files, then the folder, so a commit survives a power cut."""
    for name in names:
        fd = os.open(path / name, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def clean(path: Path, keep: Iterable[int], committed: int) -> None:
    """Deletes Whoosh files no generation still needed uses: what an
    interrupted or failed run left behind (generations after ``committed``
    other than those in ``keep``) and generations superseded more than
    GRACE_SECONDS ago.

    The grace matters because Whoosh opens a segment's column files lazily
    and takes a column whose file has gone for an empty one: a reader that
    opened a generation just before it was superseded must still find its
    files there.
    """
    storage = storage_for(path)
    names = os.listdir(path)
    tocs = sorted(int(m.group(1)) for m in map(_TOC_RE.match, names) if m)
    gens = set(keep)
    now = time.time()
    for gen, successor in itertools.pairwise(tocs):
        if gen < committed and successor <= committed:
            with contextlib.suppress(OSError):
                if now - os.stat(path / f"_{INDEX_NAME}_{successor}.toc").st_mtime < GRACE_SECONDS:
                    gens.add(gen)
    wanted: set[str] = set()
    for gen in gens:
        with contextlib.suppress(Exception):  # an unreadable TOC keeps nothing
            wanted.update(s.segment_id() for s in TOC.read(storage, INDEX_NAME, gen=gen).segments)
    for name in names:
        toc = _TOC_RE.match(name)
        seg = _SEGMENT_RE.match(name)
        doomed = (
            (toc is not None and int(toc.group(1)) not in gens)
            or _TOC_TEMP_RE.match(name) is not None
            or (seg is not None and f"{INDEX_NAME}_{seg.group(1)}" not in wanted)
        )
        if doomed:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path / name)
        elif _TEMP_DIR_RE.match(name) and (path / name).is_dir():
            for child in (path / name).iterdir():
                with contextlib.suppress(OSError):
                    child.unlink()
            with contextlib.suppress(OSError):
                (path / name).rmdir()


def remove_legacy(path: Path) -> None:
    """After a rebuild replaced an older searchkit's index: its state files go
    (saved.json was imported first and is kept as saved.json.imported)."""
    for name in LEGACY_FILES:
        target = path / name
        if not target.exists():
            continue
        if name == "saved.json":
            os.replace(target, path / "saved.json.imported")
        else:
            target.unlink()


def check_segfiles(path: Path, expected: dict[str, int]) -> None:
    """Every file of the committed generation is there at its committed size."""
    for name, size in expected.items():
        try:
            actual = os.stat(path / name).st_size
        except FileNotFoundError:
            raise IndexCorruptError(f"index at {path} is damaged ({name} is missing)") from None
        if actual != size:
            raise IndexCorruptError(f"index at {path} is damaged ({name} is {actual} bytes, {size} were committed)")


def verify(path: Path, cat: Catalog, roots: Iterable[str] | None = None) -> None:
    """The committed generation opens and its files are whole, or a named error."""
    snap = cat.snapshot()
    try:
        check_segfiles(path, snap.segfiles)
        PinnedIndex(storage_for(path), snap.generation).reader().close()
    except IndexCorruptError as exc:
        raise IndexCorruptError(f"{exc}: {rebuild_hint(path, roots)}") from exc
    except Exception as exc:  # Whoosh raises bare Exceptions, EOFError, pickle errors...
        raise damaged(path, exc, roots) from exc


def damaged(path: Path, exc: BaseException, roots: Iterable[str] | None = None) -> IndexCorruptError:
    detail = f"{exc.strerror}: {Path(exc.filename).name}" if isinstance(exc, OSError) and exc.filename else exc
    return IndexCorruptError(f"index at {path} is damaged ({detail}): {rebuild_hint(path, roots)}")


@contextlib.contextmanager
def write_lock(path: Path, wait: float) -> Iterator[None]:
    """Holds the index's write lock, waiting up to ``wait`` seconds for it.

    flock is released by the kernel when a process dies, so a killed run
    never leaves a stale lock behind.
    """
    path.mkdir(parents=True, exist_ok=True)
    fd = os.open(path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise IndexLockedError(
                        f"another searchkit process is writing to {path} "
                        f"(waited {wait:g}s; try again or pass a longer --wait)"
                    ) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)


def disk_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file())


def open_index(path: Path) -> PinnedIndex:
    """The committed Whoosh index at ``path`` (for tools that read it raw)."""
    cat = open_catalog(path)
    try:
        gen = cat.generation()
    finally:
        cat.close()
    assert gen is not None
    try:
        return PinnedIndex(storage_for(path), gen)
    except Exception as exc:  # Whoosh raises bare Exceptions, EOFError, pickle errors...
        raise damaged(path, exc) from exc


def read_meta(path: Path) -> dict[str, Any]:
    """The catalog's index-wide facts (last_update, generation, roots)."""
    cat = open_catalog(path)
    try:
        return {key: cat.meta(key) for key in ("last_update", "generation", "roots", "created")}
    finally:
        cat.close()

"""Where an index lives on disk: opening, creating, version and write lock.

Whoosh keeps its own files (``MAIN*``, ``_MAIN*``) in the folder; searchkit
adds ``searchkit.json`` (schema version, update times) and holds
``searchkit.lock`` for the whole of an index run, so that a second writer
waits instead of interleaving batches with the first.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import FileIndex

from . import whoosh_fixes
from .errors import IndexCorruptError, IndexLockedError, IndexMissingError, IndexVersionError
from .schema import SCHEMA_VERSION, build_schema

META_FILE = "searchkit.json"
DUP_FILE = "duplicates.json"  # near-duplicate groups, see dupgroups.py
MANIFEST_FILE = "manifest.json"  # indexed files per segment, see manifest.py
LOCK_FILE = "searchkit.lock"
INDEX_NAME = "MAIN"
REBUILD_HINT = "rebuild it with `searchkit index --rebuild`"

whoosh_fixes.apply()


def has_index(path: Path) -> bool:
    return path.is_dir() and whoosh_index.exists_in(str(path), indexname=INDEX_NAME)


def read_meta(path: Path) -> dict[str, Any]:
    try:
        return json.loads((path / META_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise IndexCorruptError(f"unreadable {META_FILE} in {path}: {REBUILD_HINT}") from exc


def write_meta(path: Path, **changes: Any) -> None:
    """Updates searchkit.json atomically (write a temp file, then rename)."""
    meta = read_meta(path) if (path / META_FILE).exists() else {}
    meta.update(changes)
    tmp = path / (META_FILE + ".tmp")
    tmp.write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path / META_FILE)


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def open_index(path: Path) -> FileIndex:
    """Opens an existing searchkit index or says precisely why it cannot."""
    if not has_index(path):
        if path.is_dir() and (path / META_FILE).exists():
            raise IndexCorruptError(f"index at {path} is damaged (no table of contents): {REBUILD_HINT}")
        raise IndexMissingError(f"no index at {path}: run `searchkit index` first")
    meta = read_meta(path)
    if "schema_version" not in meta:
        raise IndexCorruptError(f"{path} holds an index searchkit did not write: {REBUILD_HINT}")
    version = meta["schema_version"]
    if version != SCHEMA_VERSION:
        raise IndexVersionError(
            f"index at {path} has schema version {version}, this searchkit uses {SCHEMA_VERSION}: {REBUILD_HINT}"
        )
    try:
        return whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
    except Exception as exc:  # Whoosh raises bare Exceptions, EOFError, pickle errors...
        raise damaged(path, exc) from exc


def damaged(path: Path, exc: BaseException) -> IndexCorruptError:
    detail = f"{exc.strerror}: {Path(exc.filename).name}" if isinstance(exc, OSError) and exc.filename else exc
    return IndexCorruptError(f"index at {path} is damaged ({detail}): {REBUILD_HINT}")


def verify(ix: FileIndex, path: Path) -> None:
    """Opens every segment once, so a missing file is found before a run starts."""
    try:
        ix.reader().close()
    except Exception as exc:
        raise damaged(path, exc) from exc


def create_index(path: Path) -> FileIndex:
    """Creates an empty index, removing Whoosh files of any earlier one.

    Only Whoosh's own files go: saved searches and anything else a user put
    in the folder stay.
    """
    path.mkdir(parents=True, exist_ok=True)
    for entry in path.iterdir():
        # duplicates.json and manifest.json describe the old index: they go too.
        if entry.is_file() and entry.name.startswith((INDEX_NAME, "_" + INDEX_NAME, DUP_FILE, MANIFEST_FILE)):
            entry.unlink()
    ix = whoosh_index.create_in(str(path), build_schema(), indexname=INDEX_NAME)
    write_meta(path, schema_version=SCHEMA_VERSION, created=now_iso())
    return ix


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

"""What the index holds, by file: the state an incremental run starts from.

Reading it from the index's columns costs a seek and a decode per article
(about 1 s at 19,000 articles, growing with the index), which would make
adding a few articles to a big index slow. Whoosh segments never change
once written (deletions are kept apart), so each segment's columns are read
once and cached in ``manifest.json`` under the segment's name; a run reads
only the segments written since the last one. The cache is a convenience:
a missing, stale or unreadable file costs one full read, never a wrong
answer, because deletions always come from the index itself.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh.index import FileIndex

from .schema import as_text
from .storage import MANIFEST_FILE

_VERSION = 1


@dataclass
class Indexed:
    """The index's articles by file, as the run starts."""

    digests: dict[str, str] = field(default_factory=dict)  # path -> digest
    ids_by_path: dict[str, set[str]] = field(default_factory=dict)
    path_by_id: dict[str, str] = field(default_factory=dict)
    # When each id was first indexed: kept through updates and rebuilds so
    # that alerts report only articles that are really new.
    first_seen: dict[str, int] = field(default_factory=dict)
    # The manifest as this run found (and saved) it, so that ``sync`` at the
    # end of the run need not load it from disk again.
    segments: dict[str, Segment] = field(default_factory=dict)


# One segment's columns: files as [path, digest] pairs, and per document
# (deleted ones included) [file number, id, first indexed].
Segment = dict[str, list[Any]]


def _read_segment(leaf: Any) -> Segment:
    # Whole columns at once: indexing a column reader per document costs a
    # bisect and a seek each time.
    paths, digests, ids, stamps = (list(leaf.column_reader(n)) for n in ("path", "digest", "id", "indexed_at"))
    files: dict[tuple[str, str], int] = {}
    docs = []
    for p, d, i, s in zip(paths, digests, ids, stamps, strict=True):
        key = (as_text(p), as_text(d))
        docs.append([files.setdefault(key, len(files)), as_text(i), s])
    return {"files": [list(k) for k in files], "docs": docs}


def _load(index_dir: Path) -> dict[str, Segment]:
    try:
        doc = json.loads((index_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(doc, dict) or doc.get("version") != _VERSION or not isinstance(doc.get("segments"), dict):
        return {}
    return doc["segments"]


def _store(index_dir: Path, segments: dict[str, Segment]) -> None:
    tmp = index_dir / (MANIFEST_FILE + ".tmp")
    tmp.write_text(json.dumps({"version": _VERSION, "segments": segments}, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, index_dir / MANIFEST_FILE)


def _segments(reader: Any, cached: dict[str, Segment]) -> list[tuple[Any, Segment]]:
    """Each live segment's leaf reader and columns, from the cache when it holds them."""
    out = []
    for leaf, _ in reader.leaf_readers():
        seg = cached.get(leaf.segment().segment_id())
        if seg is None or len(seg.get("docs", ())) != leaf.doc_count_all():
            seg = _read_segment(leaf)
        out.append((leaf, seg))
    return out


def _refresh(index_dir: Path, cached: dict[str, Segment], live: list[tuple[Any, Segment]]) -> dict[str, Segment]:
    """Saves the live segments' columns if they differ from ``cached``; returns them."""
    names = {leaf.segment().segment_id(): seg for leaf, seg in live}
    if names.keys() != cached.keys():
        _store(index_dir, names)  # new segments in, merged-away ones out
    return names


def read_indexed(ix: FileIndex, index_dir: Path) -> Indexed:
    """The index's articles by file; call it holding the write lock."""
    state = Indexed()
    cached = _load(index_dir)
    with ix.reader() as reader:
        if reader.doc_count_all() == 0:
            return state  # an empty index has no column readers at all
        live = _segments(reader, cached)
        for leaf, seg in live:
            files = seg["files"]
            docs = seg["docs"]
            for docnum in leaf.all_doc_ids():
                number, aid, stamp = docs[docnum]
                path, digest = files[number]
                state.digests[path] = digest
                state.ids_by_path.setdefault(path, set()).add(aid)
                state.path_by_id[aid] = path
                state.first_seen[aid] = stamp
    state.segments = _refresh(index_dir, cached, live)
    return state


def sync(ix: FileIndex, index_dir: Path, known: dict[str, Segment]) -> None:
    """Caches the columns of segments written since ``known`` (the manifest
    ``read_indexed`` returned), so that the next run, often a small
    addition, need not read them."""
    with ix.reader() as reader:
        if reader.doc_count_all():
            _refresh(index_dir, known, _segments(reader, known))

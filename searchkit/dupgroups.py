"""Keeping near-duplicate groups in step with the index.

The groups live in ``duplicates.json`` beside the index, stamped with the
index generation they describe. After every commit the articles the batch
added are linked to their candidates (articles sharing a sketch anchor, now
all in the committed index) and the removed ones are unlinked, so the
groups stay right through incremental updates. A file whose generation
does not match (a run killed between commit and write) is rebuilt from the
index on the next run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from whoosh.index import FileIndex
from whoosh.reading import IndexReader, TermNotFound

from . import duplicates
from .duplicates import Groups
from .schema import as_text
from .storage import DUP_FILE


def encode_sketch(sk: tuple[int, ...]) -> bytes:
    # Never empty: Whoosh 2.7's VarBytesColumn cannot read back a segment
    # whose values are all empty (IndexError), which a batch of short
    # articles would produce.
    return b"s" + duplicates.pack(sk)


def decode_sketch(raw: bytes) -> tuple[int, ...]:
    return duplicates.unpack(raw[1:]) if raw else ()


def load(index_dir: Path) -> tuple[int, Groups] | None:
    """The stored groups and their generation, or None when absent or unreadable."""
    try:
        doc = json.loads((index_dir / DUP_FILE).read_text(encoding="utf-8"))
        return int(doc["generation"]), Groups.from_json(doc["groups"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(index_dir: Path, generation: int, groups: Groups) -> None:
    tmp = index_dir / (DUP_FILE + ".tmp")
    tmp.write_text(json.dumps({"generation": generation, "groups": groups.to_json()}), encoding="utf-8")
    os.replace(tmp, index_dir / DUP_FILE)


Sketched = tuple[str, int, tuple[int, ...]]  # (article id, day, sketch)


def link(reader: IndexReader, groups: Groups, articles: list[Sketched]) -> None:
    """Links each article to the indexed articles its sketch is close to.

    Only the candidates' columns are read: the articles themselves come
    with their sketches, so adding a batch costs a few postings per article.
    """
    ids = reader.column_reader("id")
    days = reader.column_reader("date")
    sketches = reader.column_reader("sketch")
    leaves = list(reader.leaf_readers())
    for article_id, day, sk in articles:
        found: set[int] = set()
        # An empty sketch (a text too short to judge) still goes to add(),
        # which drops the links an earlier version of the article had.
        for anchor in duplicates.anchors(sk):
            found.update(_sharing(leaves, anchor))
        candidates = [(as_text(ids[d]), days[d], decode_sketch(sketches[d])) for d in sorted(found)]
        groups.add(article_id, day, sk, candidates)


def _sharing(leaves: list[tuple[IndexReader, int]], anchor: str) -> list[int]:
    """The documents carrying ``anchor``, unless it is too rare or too common.

    One term lookup per segment: asking the multi-segment reader for the
    document frequency and then the postings looked every segment up twice.
    """
    present = []
    df = 0
    for leaf, offset in leaves:
        try:
            df += leaf.term_info("anchors", anchor).doc_frequency()
        except TermNotFound:
            continue
        present.append((leaf, offset))
    # An anchor shared by very many articles is a stock phrase, not a sign
    # of copying; its candidates are found through the others.
    if not 2 <= df <= duplicates.ANCHOR_MAX_DF:
        return []
    return [offset + d for leaf, offset in present for d in leaf.postings("anchors", anchor).all_ids()]


def rebuild(reader: IndexReader) -> Groups:
    groups = Groups()
    for leaf, _ in reader.leaf_readers():
        if not leaf.doc_count_all():
            continue
        ids, days, sketches = (list(leaf.column_reader(n)) for n in ("id", "date", "sketch"))
        mine = [(as_text(ids[d]), days[d], decode_sketch(sketches[d])) for d in leaf.all_doc_ids()]
        link(reader, groups, mine)
    return groups


class DupTracker:
    """Collects what a batch added and removed; updates the groups on commit."""

    def __init__(self, ix: FileIndex) -> None:
        self.ix = ix
        self.dir = Path(ix.storage.folder)
        self.added: dict[str, tuple[int, tuple[int, ...]]] = {}  # id -> (day, sketch)
        self.removed: set[str] = set()
        # The groups must describe this generation to be updated in place.
        self.generation = ix.latest_generation()
        self.groups: Groups | None = None

    def _start(self, reset: bool) -> Groups | None:
        if reset:
            return Groups()
        if self.groups is None:
            loaded = load(self.dir)
            if loaded is not None and loaded[0] == self.generation:
                self.groups = loaded[1]
        return self.groups

    def committed(self, reset: bool = False) -> None:
        groups = self._start(reset)
        with self.ix.reader() as reader:
            if groups is None:
                groups = rebuild(reader)  # stale or missing: recompute from the index
            else:
                for aid in self.removed - self.added.keys():
                    groups.remove(aid)
                link(reader, groups, [(aid, day, sk) for aid, (day, sk) in sorted(self.added.items())])
        self.generation = self.ix.latest_generation()
        self.groups = groups
        store(self.dir, self.generation, groups)
        self.added.clear()
        self.removed.clear()

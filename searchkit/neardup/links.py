"""Keeping near-duplicate groups in step with the index.

The groups' links live in the catalog (see catalog.py), written in the same
transaction as the index generation they describe. After every commit the
articles the batch added are linked to their candidates (articles sharing a
sketch anchor, now all in the committed segments) and the removed ones are
unlinked; only the links that changed are written.
"""

from __future__ import annotations

from typing import Any

from whoosh.reading import IndexReader, TermNotFound

from ..schema import as_text
from . import sketches as duplicates
from .sketches import Groups


def encode_sketch(sk: tuple[int, ...]) -> bytes:
    # Never empty: Whoosh 2.7's VarBytesColumn cannot read back a segment
    # whose values are all empty (IndexError), which a batch of short
    # articles would produce.
    return b"s" + duplicates.pack(sk)


def decode_sketch(raw: bytes) -> tuple[int, ...]:
    return duplicates.unpack(raw[1:]) if raw else ()


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
        common: list[tuple[int, list[Present], str]] = []
        # An empty sketch (a text too short to judge) still goes to add(),
        # which drops the links an earlier version of the article had.
        for anchor in duplicates.anchors(sk):
            df, present = _sharing(leaves, anchor)
            if 2 <= df <= duplicates.ANCHOR_MAX_DF:
                found.update(_postings(present, anchor))
            elif df > duplicates.ANCHOR_MAX_DF:
                common.append((df, present, anchor))
        if not found and common:
            # Every anchor is common: a stock phrase, or a story copied more
            # than ANCHOR_MAX_DF times (150 identical articles share all
            # their anchors). The rarest one's first postings still link it
            # to copies of itself, at a bounded cost.
            _, present, anchor = min(common, key=lambda c: c[0])
            found.update(_postings(present, anchor, duplicates.ANCHOR_MAX_DF))
        candidates = [(as_text(ids[d]), days[d], decode_sketch(sketches[d])) for d in sorted(found)]
        groups.add(article_id, day, sk, candidates)


# A segment holding an anchor: the reader, its first document number in the
# whole index, and the anchor's term info there (None: the reader's own lookup).
Present = tuple[IndexReader, int, Any]


def _sharing(leaves: list[tuple[IndexReader, int]], anchor: str) -> tuple[int, list[Present]]:
    """How many documents carry ``anchor``, and the segments holding it.

    One term lookup per segment: asking the multi-segment reader for the
    document frequency and then the postings looked every segment up twice.
    """
    present: list[Present] = []
    df = 0
    tbytes: bytes | None = None
    for leaf, offset in leaves:
        terms = getattr(leaf, "_terms", None)
        try:
            if terms is None:  # not a segment reader: its own lookup
                info = None
                df += leaf.term_info("anchors", anchor).doc_frequency()
            else:
                # Straight to the segment's terms reader: SegmentReader.term_info
                # re-checks the field and re-encodes the anchor for every segment.
                if tbytes is None:
                    tbytes = leaf.schema["anchors"].to_bytes(anchor)
                info = terms.term_info("anchors", tbytes)
                df += info.doc_frequency()
        except TermNotFound:
            continue
        present.append((leaf, offset, info))
    return df, present


def _postings(present: list[Present], anchor: str, limit: int | None = None) -> list[int]:
    out: list[int] = []
    for leaf, offset, info in present:
        for d in _anchor_docs(leaf, info, anchor):
            if limit is not None and len(out) >= limit:
                return out
            out.append(offset + d)
    return out


def _anchor_docs(leaf: IndexReader, info: Any, anchor: str) -> list[int]:
    """The segment's documents carrying ``anchor``, in order, deleted ones left out.

    On a segment the searchkit codec wrote, one whole-array read with the
    term info _sharing already found: ``leaf.postings`` would look the anchor
    up a second time, build a matcher and a frozenset of the deleted
    documents for every anchor. Any other segment keeps Whoosh's matcher.
    """
    if info is not None and not info.is_inlined() and getattr(leaf, "searchkit_term_postings", None) is not None:
        from .. import codec  # numpy: already loaded by the commit that called us

        docs = codec.read_postings(leaf._terms._postfile, info)[0].tolist()
        if leaf.has_deletions():
            docs = [d for d in docs if not leaf.is_deleted(d)]
        return docs
    return list(leaf.postings("anchors", anchor).all_ids())


def rebuild(reader: IndexReader) -> Groups:
    groups = Groups()
    for leaf, _ in reader.leaf_readers():
        if not leaf.doc_count_all():
            continue
        ids, days, sketches = (list(leaf.column_reader(n)) for n in ("id", "date", "sketch"))
        mine = [(as_text(ids[d]), days[d], decode_sketch(sketches[d])) for d in leaf.all_doc_ids()]
        link(reader, groups, mine)
    return groups


Link = tuple[str, str]


class DupTracker:
    """Collects what a batch added and removed; updates the groups on commit."""

    def __init__(self, groups: Groups) -> None:
        self.groups = groups
        self.added: dict[str, tuple[int, tuple[int, ...]]] = {}  # id -> (day, sketch)
        self.removed: set[str] = set()
        self._links = set(groups.links())

    def committed(self, reader: IndexReader) -> tuple[list[Link], list[Link]]:
        """Links the batch against ``reader`` (the new generation); returns
        the links that appeared and those that went, for the catalog."""
        for aid in self.removed - self.added.keys():
            self.groups.remove(aid)
        link(reader, self.groups, [(aid, day, sk) for aid, (day, sk) in sorted(self.added.items())])
        self.added.clear()
        self.removed.clear()
        now = set(self.groups.links())
        appeared, went = sorted(now - self._links), sorted(self._links - now)
        self._links = now
        return appeared, went

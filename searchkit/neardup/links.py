"""Keeping near-duplicate groups in step with the index.

The groups' links live in the catalog (see catalog.py), written in the same
transaction as the index generation they describe. After every commit the
articles the batch added are linked to their candidates (articles sharing a
sketch anchor, now all in the committed segments) and the removed ones are
unlinked; only the links that changed are written.
"""

from __future__ import annotations

import itertools
from array import array
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

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


ANCHOR_FIELD = "anchors"
# A segment's anchor postings as two arrays, written beside the segment by
# the bulk writer: "SKa1", the posting count (uint64), then the anchors'
# values (uint64, ascending) and their segment document numbers (uint32).
ANCHOR_EXT = ".anc"
_ANCHOR_MAGIC = b"SKa1"


def write_anchor_array(
    storage: Any, segment: Any, terms: list[bytes], term_starts: Any, ids: Any, extra: Sequence[tuple[Any, Any]] = ()
) -> None:
    """The anchors field's postings of a new segment, as arrays (see
    ANCHOR_EXT), with ``extra`` (values, documents) pairs: the arrays of the
    segments a merge folds in (:func:`merged_anchor_array`)."""
    import numpy as np

    try:
        values = np.asarray([int(t, 16) for t in terms], dtype=np.uint64)
    except ValueError:
        return  # not searchkit's anchors: the linker looks the terms up
    starts = np.asarray(term_starts, dtype=np.int64)
    per = starts[1:] - starts[:-1]
    vals = np.concatenate([np.repeat(values, per), *(np.asarray(v, dtype=np.uint64) for v, _ in extra)])
    docs = np.concatenate([np.asarray(ids, dtype=np.int64), *(np.asarray(d, dtype=np.int64) for _, d in extra)])
    if extra:
        order = np.lexsort((docs, vals))
        vals, docs = vals[order], docs[order]
    f = segment.create_file(storage, ANCHOR_EXT)
    f.write(_ANCHOR_MAGIC + np.uint64(len(docs)).tobytes())
    f.write(vals.astype("<u8").tobytes())
    f.write(docs.astype("<u4").tobytes())
    f.close()


def renumbered_anchor_array(leaf: IndexReader, newid: Any) -> tuple[Any, Any] | None:
    """A segment's anchor arrays with its documents renumbered as a merge
    renumbers them (``newid[d]``, -1 for a deleted one, which is left out);
    None when it has none."""
    found = _anchor_array(leaf)
    if found is None:
        return None
    values, docs = found
    renumbered = newid[docs.astype("int64")]
    keep = renumbered >= 0
    return values[keep].copy(), renumbered[keep]


def _anchor_array(leaf: IndexReader) -> tuple[Any, Any] | None:
    """A segment's anchor values and documents, if the bulk writer wrote them."""
    segment = getattr(leaf, "_segment", None)
    storage = getattr(leaf, "_storage", None)
    if segment is None or storage is None or not hasattr(segment, "make_filename"):
        return None
    name = segment.make_filename(ANCHOR_EXT)
    if not storage.file_exists(name):
        return None
    import numpy as np

    f = storage.open_file(name)
    try:
        raw = f.read(storage.file_length(name))
    finally:
        f.close()
    if raw[:4] != _ANCHOR_MAGIC:
        return None
    n = int(np.frombuffer(raw, dtype="<u8", count=1, offset=4)[0])
    values = np.frombuffer(raw, dtype="<u8", count=n, offset=12)
    docs = np.frombuffer(raw, dtype="<u4", count=n, offset=12 + 8 * n)
    return values, docs


def link(reader: IndexReader, groups: Groups, articles: list[Sketched]) -> None:
    """Links each article to the indexed articles its sketch is close to.

    Only the candidates' columns are read: the articles themselves come
    with their sketches, so adding a batch costs a few postings per article.
    A segment with anchor arrays (ANCHOR_EXT) answers all of the batch's
    anchors with one search; any other is asked anchor by anchor.
    """
    ids = reader.column_reader("id")
    days = reader.column_reader("date")
    sketches = reader.column_reader("sketch")
    leaves = _Leaves(list(reader.leaf_readers()), {v for _, _, sk in articles for v in sk[: duplicates.ANCHORS]})
    for article_id, day, sk in articles:
        found: set[int] = set()
        common: list[tuple[int, list[Present], str]] = []
        # An empty sketch (a text too short to judge) still goes to add(),
        # which drops the links an earlier version of the article had.
        for anchor in duplicates.anchors(sk):
            df, present = leaves.sharing(anchor)
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
# whole index, and the anchor's term info there (None: the reader's own
# lookup), or the anchor's documents in the segment when it has anchor arrays.
Present = tuple[IndexReader, int, Any]


class _ArrayHit:
    """An anchor's documents in a segment with anchor arrays."""

    __slots__ = ("docs",)

    def __init__(self, docs: list[int]) -> None:
        self.docs = docs

    def doc_frequency(self) -> int:
        return len(self.docs)


class _Leaves:
    """The index's segments, each answering "which documents carry this anchor"."""

    def __init__(self, leaves: list[tuple[IndexReader, int]], values: set[int]) -> None:
        self.order: list[tuple[IndexReader, int, dict[str, list[int]] | None]] = []
        wanted = sorted(values)
        for leaf, offset in leaves:
            arrays = _anchor_array(leaf) if wanted else None
            if arrays is None:
                self.order.append((leaf, offset, None))
                continue
            import numpy as np

            sv, docs = arrays
            q = np.asarray(wanted, dtype=np.uint64)
            lo = np.searchsorted(sv, q, side="left").tolist()
            hi = np.searchsorted(sv, q, side="right").tolist()
            held = {f"{v:016x}": docs[a:b].tolist() for v, a, b in zip(wanted, lo, hi, strict=True) if b > a}
            self.order.append((leaf, offset, held))

    def sharing(self, anchor: str) -> tuple[int, list[Present]]:
        """As :func:`_sharing`, over both kinds of segment, in index order."""
        present: list[Present] = []
        df = 0
        for leaf, offset, held in self.order:
            if held is None:
                n, found = _sharing([(leaf, offset)], anchor)
                df += n
                present.extend(found)
            elif anchor in held:
                hit = _ArrayHit(held[anchor])
                df += hit.doc_frequency()
                present.append((leaf, offset, hit))
        return df, present


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
    if isinstance(info, _ArrayHit):
        if leaf.has_deletions():
            return [d for d in info.docs if not leaf.is_deleted(d)]
        return info.docs
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

if TYPE_CHECKING:
    import numpy as np


class RunAnchors:
    """Every live article of an index this run has written all of, with its anchors.

    When the run started from an empty index (a first run, a rebuild), each
    article the index holds went through this process, so the candidates of
    a batch are found by one sort-and-search over the anchors of all of
    them instead of a term lookup per anchor per segment: what
    :func:`link` finds from the index (articles sharing an anchor held by 2
    to ANCHOR_MAX_DF articles; failing that, the first ANCHOR_MAX_DF holders
    of the rarest one), from arrays. Sketches are kept packed (512 bytes an
    article), not as tuples of Python ints (~2.8 KB).
    """

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.days: list[int] = []
        self.sketches: list[bytes] = []
        self.alive = bytearray()
        self.slot: dict[str, int] = {}
        self._values = array("Q")  # (anchor value, slot) pairs, in slot order
        self._slots = array("q")

    def add(self, aid: str, day: int, sk: tuple[int, ...]) -> None:
        self.remove(aid)
        s = self.slot[aid] = len(self.ids)
        self.ids.append(aid)
        self.days.append(day)
        self.sketches.append(duplicates.pack(sk))
        self.alive.append(1)
        first = sk[: duplicates.ANCHORS]
        self._values.extend(first)
        self._slots.extend([s] * len(first))

    def remove(self, aid: str) -> None:
        s = self.slot.pop(aid, None)
        if s is not None:
            self.alive[s] = 0

    def candidates(self, articles: list[Sketched]) -> list[list[int]]:
        """Each article's candidate slots (ascending), as :func:`link` would find them."""
        import numpy as np

        values = np.frombuffer(self._values, dtype=np.uint64)
        slots = np.frombuffer(self._slots, dtype=np.int64)
        live = np.frombuffer(self.alive, dtype=np.uint8)[slots].astype(bool)
        values, slots = values[live], slots[live]
        order = np.argsort(values, kind="stable")  # slot order within an anchor
        sv, ss = values[order], slots[order]
        qv = np.fromiter((v for _, _, sk in articles for v in sk[: duplicates.ANCHORS]), dtype=np.uint64)
        per = np.asarray([min(len(sk), duplicates.ANCHORS) for _, _, sk in articles], dtype=np.int64)
        qa = np.repeat(np.arange(len(articles)), per)
        lo = np.searchsorted(sv, qv, side="left")
        df = np.searchsorted(sv, qv, side="right") - lo
        rare = (df >= 2) & (df <= duplicates.ANCHOR_MAX_DF)
        n = np.where(rare, df, 0)
        owner = np.repeat(qa, n)
        cand = ss[np.repeat(lo, n) + _within(n)]
        pairs = np.unique(owner * len(self.ids) + cand)  # by article, then slot
        owner, cand = pairs // len(self.ids), pairs % len(self.ids)
        bounds = np.searchsorted(owner, np.arange(len(articles) + 1))
        flat = cand.tolist()
        out = [flat[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)]
        # No rare anchor, some common one: the rarest's first holders (the first of equals).
        lone = np.ones(len(articles), dtype=bool)
        lone[qa[rare]] = False
        common = df > duplicates.ANCHOR_MAX_DF
        for a in np.flatnonzero(lone).tolist():
            mine = np.flatnonzero((qa == a) & common)
            if len(mine):
                q = int(mine[np.argmin(df[mine])])
                out[a] = sorted(ss[lo[q] : lo[q] + duplicates.ANCHOR_MAX_DF].tolist())
        return out

    def link(self, groups: Groups, articles: list[Sketched]) -> None:
        import numpy as np  # loaded by candidates() already

        from .verify import similarities

        ids, days, sketches = self.ids, self.days, self.sketches
        found = self.candidates(articles)
        # The candidates grow with the index: their similarities come from
        # numpy in one pass, and only those that pass (and the article
        # itself) are unpacked for Groups.add, which judges them again.
        mine = [duplicates.pack(sk) for _, _, sk in articles]
        per = np.fromiter(map(len, found), dtype=np.int64, count=len(found))
        slots = np.fromiter(itertools.chain.from_iterable(found), dtype=np.int64, count=int(per.sum()))
        owner = np.repeat(np.arange(len(found)), per)
        keep = similarities(mine, sketches, owner, slots) >= duplicates.THRESHOLD - 1e-9
        close = slots[keep].tolist()  # by article, in candidate order
        bounds = np.concatenate(([0], np.cumsum(np.bincount(owner[keep], minlength=len(found))))).tolist()
        for k, (aid, day, sk) in enumerate(articles):
            mine_close = close[bounds[k] : bounds[k + 1]]
            groups.add(aid, day, sk, [(ids[s], days[s], duplicates.unpack(sketches[s])) for s in mine_close])


def _within(counts: np.ndarray) -> np.ndarray:
    """0, 1, ... restarting for each group of ``counts`` items."""
    import numpy as np

    total = int(counts.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)


class DupTracker:
    """Collects what a batch added and removed; updates the groups on commit.

    ``complete``: the run started from an empty index, so :class:`RunAnchors`
    can hold every article the index will and candidates come from arrays;
    otherwise they come from the committed index's anchor postings.
    """

    def __init__(self, groups: Groups, complete: bool = False) -> None:
        self.groups = groups
        self.added: dict[str, tuple[int, tuple[int, ...]]] = {}  # id -> (day, sketch)
        self.removed: set[str] = set()
        self._links = set(groups.links())
        self.known = RunAnchors() if complete else None

    def add(self, aid: str, day: int, sk: tuple[int, ...]) -> None:
        self.added[aid] = (day, sk)
        if self.known is not None:
            self.known.add(aid, day, sk)

    def remove(self, aid: str) -> None:
        self.removed.add(aid)
        if self.known is not None:
            self.known.remove(aid)

    def committed(self, reader: IndexReader | None) -> tuple[list[Link], list[Link]]:
        """Links the batch against ``reader`` (the new generation; None when
        ``complete``); returns the links that appeared and those that went,
        for the catalog."""
        for aid in self.removed - self.added.keys():
            self.groups.remove(aid)
        batch = [(aid, day, sk) for aid, (day, sk) in sorted(self.added.items())]
        if self.known is not None:
            self.known.link(self.groups, batch)
        else:
            assert reader is not None
            link(reader, self.groups, batch)
        self.added.clear()
        self.removed.clear()
        now = set(self.groups.links())
        appeared, went = sorted(now - self._links), sorted(self._links - now)
        self._links = now
        return appeared, went

"""What a searcher derives from its index once: the filters' arrays (date
windows and source sets as document-number sets), the near-duplicate folding
maps, the facet and timeline inputs, in one ``SearcherData`` per searcher.

Whoosh's DateRange/NumericRange filter walks many range terms per query
(about 95 ms on 19,000 articles, against 2.5 ms for the search itself).
Here each searcher reads the date column once into an array, and a filter
is a lazy set whose membership test is one array lookup, checked only for
documents the query matched. Source postings are small and read once per
searcher and source.
"""

from __future__ import annotations

import bisect
import mmap
import pickle
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh.idsets import DocIdSet
from whoosh.searching import Searcher

from .neardup import fold
from .neardup.groups import Groups
from .query import BuiltQuery, Filters
from .schema import as_text

# Up to this many matches, a searcher's first search reads their groups by
# their ids (SearcherData.group_numbers): ~2 ms at 256, against ~5 ms for
# group_index on 19k articles (and more on a bigger index).
FEW_MATCHES = 256

if TYPE_CHECKING:  # numpy and the engine load only when a query runs
    import numpy as np

    from .engine import Arrays


class FilterSet(DocIdSet):
    """Documents passing ``Filters``, tested one docnum at a time."""

    def __init__(
        self,
        days: array,
        bounds: tuple[int, int] | None,
        require: list[frozenset[int]],
        exclude: frozenset[int],
        stamps: array | None = None,
        arrived_after: int | None = None,
    ) -> None:
        self.days = days
        self.bounds = bounds
        self.require = require
        self.exclude = exclude
        self.stamps = stamps
        self.arrived_after = arrived_after

    def __contains__(self, docnum: int) -> bool:
        if self.bounds is not None:
            day = self.days[docnum]
            if not self.bounds[0] <= day <= self.bounds[1]:
                return False
        for group in self.require:
            if docnum not in group:
                return False
        if self.stamps is not None and self.stamps[docnum] <= self.arrived_after:
            return False
        return docnum not in self.exclude

    def __bool__(self) -> bool:
        return True  # Whoosh skips a filter that is falsy

    def __iter__(self) -> Iterator[int]:
        return (d for d in range(len(self.days)) if d in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


Stored = dict[str, Any]


class StoredReader:
    """Each document's stored fields (what ``Searcher.stored_fields``
    returns), read straight from the segments' stored-fields columns.

    Whoosh's path to one document's fields is five calls deep (merged
    reader, segment reader, per-document reader, pickle column, compressed
    column) before the read, the zlib inflate and the unpickle that are the
    work itself: about 6 of 21 µs a document, a page of hits at a time.
    Here each segment's column (W3's ``STORED_COLUMN``: pickled dicts,
    zlib-compressed, in a VarBytes column) is found once per searcher and
    read with the same three steps. A segment whose column is not that
    shape, or a reader that is not a plain W3 one, is read through Whoosh.
    """

    def __init__(self, searcher: Searcher) -> None:
        self._whoosh: Callable[[int], Stored] = searcher.stored_fields
        self._schema = searcher.schema
        # The schema's names as a set (Schema's own ``in`` is a Python call
        # a field); a schema with glob fields is asked name by name.
        self._names = None if getattr(self._schema, "_dyn_fields", True) else frozenset(self._schema.names())
        self._starts: list[int] = []
        self._parts: list[tuple[Any, int, Any, Any]] | None = []
        for leaf, offset in searcher.reader().leaf_readers():
            part = self._column(leaf)
            if part is None:
                self._parts = None
                return
            self._starts.append(offset)
            self._parts.append(part)

    @staticmethod
    def _column(leaf: Any) -> tuple[Any, int, Any, Any] | None:
        from whoosh import columns
        from whoosh.codec.whoosh3 import STORED_COLUMN
        from whoosh.filedb.structfile import StructFile

        from .codec import map_file

        perdoc = getattr(leaf, "_perdoc", None)
        find = getattr(perdoc, "_cached_reader", None)
        if find is None:
            return None
        col: Any = find("_stored", STORED_COLUMN)
        child: Any = getattr(col, "_child", None)
        if type(col) is not columns.PickleColumn.Reader or type(child) is not columns.CompressedBytesColumn.Reader:
            return None
        if child._decompress is not zlib.decompress:
            return None
        dbfile = child._dbfile
        # The column's file mapped: a slice of it where a seek and a read
        # were two system calls, 4 µs a document (else read as before).
        mapped = map_file(dbfile) if type(dbfile) is StructFile else None
        source: Any = dbfile.get if mapped is None else mapped
        return source, child._basepos, child._offsets, child._lengths

    def __call__(self, docnum: int) -> Stored:
        if self._parts is None:
            return self._whoosh(docnum)
        n = bisect.bisect_right(self._starts, docnum) - 1
        source, base, offsets, lengths = self._parts[n]
        here = docnum - self._starts[n]
        length = lengths[here]
        if not length:
            return {}
        at = base + offsets[here]
        raw = source[at : at + length] if type(source) is mmap.mmap else source(at, length)
        stored: Stored = pickle.loads(zlib.decompress(raw))
        if self._names is not None and stored.keys() <= self._names:
            return stored
        # As Whoosh's reader: fields the schema no longer has are left out.
        schema = self._schema
        return {k: v for k, v in stored.items() if k in schema}


class SearcherData:
    """Everything derived from one searcher's index: filters, folding,
    facets, timelines, stats, sources.

    Read once per index generation: a searcher is replaced when a commit
    lands, and this cache with it.
    """

    def __init__(self, searcher: Searcher, index_dir: Path, groups: Groups | None = None) -> None:
        self.searcher = searcher
        # The catalog's groups for this searcher's generation (read with it).
        self._groups = groups if groups is not None else Groups()
        self.reader = searcher.reader()
        self.index_dir = index_dir
        self._source_docs = lru_cache(maxsize=256)(self._read_source_docs)
        self._searched = False  # see group_numbers

    @cached_property
    def groups(self) -> Groups:
        """Near-duplicate groups of this generation (see neardup.links)."""
        return self._groups

    @cached_property
    def group_keys(self) -> dict[int, str]:
        """Docnum -> its group's leader id, for grouped articles only."""
        return fold.group_keys(self.groups, self.arrays)

    def _column(self, name: str, typecode: str) -> array:
        if not self.reader.doc_count_all():
            return array(typecode)
        return array(typecode, self.reader.column_reader(name))

    @cached_property
    def days(self) -> array:
        """Day number per docnum (0: undated), from the engine's one-read column."""
        return array("I", self.arrays.days.tolist())

    @cached_property
    def stamps(self) -> array:
        """First-indexed Unix time per docnum."""
        return self._column("indexed_at", "q")

    def _read_source_docs(self, key: str) -> frozenset[int]:
        if ("sources", key) not in self.reader:
            return frozenset()
        return frozenset(self.reader.postings("sources", key).all_ids())

    def source_docs(self, keys: frozenset[str]) -> frozenset[int]:
        found: frozenset[int] = frozenset()
        for key in keys:
            found |= self._source_docs(key)
        return found

    @cached_property
    def doc_sources(self) -> dict[int, list[str]]:
        """Source keys per docnum, from the postings (for facets)."""
        by_doc: dict[int, list[str]] = {}
        for btext in self.reader.lexicon("sources"):
            key = btext.decode("utf-8")
            for docnum in self.reader.postings("sources", key).all_ids():
                by_doc.setdefault(docnum, []).append(key)
        return by_doc

    @cached_property
    def source_names(self) -> dict[str, str]:
        """Display spelling of each source key, read from one article citing it."""
        names: dict[str, str] = {}
        for btext in self.reader.lexicon("sources"):
            key = btext.decode("utf-8")
            docs = self.reader.postings("sources", key).all_ids()
            first = next(iter(docs), None)
            if first is None:
                continue
            stored = self.searcher.stored_fields(first).get("source_names") or ()
            names[key] = next((n for n in stored if n.casefold() == key), key)
        return names

    @cached_property
    def stored(self) -> StoredReader:
        """``stored(docnum)``: the document's stored fields (StoredReader)."""
        return StoredReader(self.searcher)

    # -- the same data as arrays, for the vectorized engine -------------------
    @cached_property
    def arrays(self) -> Arrays:
        from .engine import Arrays

        return Arrays(self.searcher)

    @cached_property
    def group_index(self) -> np.ndarray:
        """Per docnum, its near-duplicate group's number, or -1 when ungrouped."""
        return fold.group_index(self.group_keys, self.arrays.count)

    def group_numbers(self, ids: np.ndarray) -> np.ndarray:
        """``group_index[ids]`` for live docnums ``ids``, up to renumbering:
        equal numbers for articles of one group, -1 for ungrouped ones.

        group_index maps every grouped article (~1,000 on Reuters) to its
        docnum by its id, ~5 ms: a cold ``searchkit search`` would pay it
        whole for one page of hits. So a searcher's first search of up to
        FEW_MATCHES matches reads each match's id from the id column
        instead (~1 ms to open, ~4 us a match; a live id is one live
        article's, as the indexer deletes an id's old copy before it adds
        the new one), and later searches build group_index once and look
        up in it (a long-lived searcher's per-search cost stays an index).
        """
        import numpy as np

        first, self._searched = not self._searched, True
        if not first or "group_index" in self.__dict__ or len(ids) > FEW_MATCHES:
            return self.group_index[ids]
        numbers = np.full(len(ids), -1, dtype=np.int64)
        if not len(self.groups) or not len(ids):
            return numbers
        keys = self._groups_by_id
        leaders: dict[str, int] = {}
        for at, docnum in enumerate(ids.tolist()):
            leader = keys.get(docnum)
            if leader is not None:
                numbers[at] = leaders.setdefault(leader, len(leaders))
        return numbers

    @cached_property
    def _groups_by_id(self) -> _GroupsByIds:
        # Kept: each docnum's group is read from its id once a searcher.
        return _GroupsByIds(self.groups, self.reader.column_reader("id"))

    @cached_property
    def _days_by_column(self) -> _ByColumn:
        return _ByColumn(self.reader, "date")

    def light_folding(self) -> tuple[Mapping[int, str], Mapping[int, int]]:
        """group_keys and days as the light path reads them (executor): for
        the docnums asked only, each one's group from its id (as in
        group_numbers) and its day from the date column, with neither
        numpy nor group_index: a search through Whoosh's matchers asks for
        the grouped ones among its few matches."""
        return self._groups_by_id, self._days_by_column

    def source_ids(self, keys: frozenset[str]) -> np.ndarray:
        """Docnums (ascending, live) of articles citing any of ``keys``."""
        import numpy as np

        from .engine import distinct

        parts = [self.arrays.postings("sources", key)[0] for key in sorted(keys)]
        parts = [p for p in parts if len(p)]
        if not parts:
            return np.zeros(0, dtype=np.int64)
        return parts[0] if len(parts) == 1 else distinct(np.concatenate(parts))

    def _sources_of(self, keys: frozenset[str]) -> np.ndarray:
        """Per docnum, whether it cites one of ``keys`` (kept per searcher)."""
        return self.arrays.in_set(("sources", keys), lambda: self.source_ids(keys))

    def mask(self, filters: Filters, ids: np.ndarray) -> np.ndarray | None:
        """Which of ``ids`` pass ``filters`` (a boolean array), or None for all."""
        import numpy as np

        if not filters or not len(ids):
            return None
        keep = np.ones(len(ids), dtype=bool)
        if filters.dated:
            lo, hi = filters.day_bounds()
            days = self.arrays.days[ids]
            keep &= (days >= lo) & (days <= hi)
        for group in filters.require:
            keep &= self._sources_of(group)[ids]
        if filters.exclude:
            keep &= ~self._sources_of(filters.exclude)[ids]
        if filters.arrived_after is not None:
            keep &= self.arrays.stamps[ids] > filters.arrived_after
        return keep

    def filter_set(self, filters: Filters) -> FilterSet | None:
        if not filters:
            return None
        bounds = filters.day_bounds() if filters.dated else None
        require = [self.source_docs(group) for group in filters.require]
        exclude = self.source_docs(filters.exclude) if filters.exclude else frozenset()
        stamps = self.stamps if filters.arrived_after is not None else None
        return FilterSet(self.days, bounds, require, exclude, stamps, filters.arrived_after)

    def matching(self, built: BuiltQuery, allow: FilterSet | None) -> Iterable[int]:
        """Every docnum the query and filters match, unscored (for facets)."""
        docs = self.reader.all_doc_ids() if built.match_all else built.query.docs(self.searcher)
        return docs if allow is None else (d for d in docs if d in allow)


class _GroupsByIds(Mapping[int, str]):
    """Docnum -> its group's leader id, for grouped articles only (what
    group_keys holds), found for each docnum asked by its id: as a mapping,
    it holds the grouped docnums asked so far."""

    def __init__(self, groups: Groups, ids: Any) -> None:
        self._groups = groups
        self._ids = ids
        self._asked: dict[int, str | None] = {}

    def _leader(self, docnum: int) -> str | None:
        if docnum not in self._asked:
            leader = None
            if len(self._groups):
                article_id = as_text(self._ids[docnum])
                if article_id in self._groups:
                    leader = self._groups.leader(article_id)
            self._asked[docnum] = leader
        return self._asked[docnum]

    def __contains__(self, docnum: object) -> bool:
        return isinstance(docnum, int) and self._leader(docnum) is not None

    def __getitem__(self, docnum: int) -> str:
        leader = self._leader(docnum)
        if leader is None:
            raise KeyError(docnum)
        return leader

    def __iter__(self) -> Iterator[int]:
        return iter([d for d, leader in self._asked.items() if leader is not None])

    def __len__(self) -> int:
        return sum(1 for leader in self._asked.values() if leader is not None)


class _ByColumn(Mapping[int, int]):
    """A column's value per docnum, read as asked (Whoosh's column reader)."""

    def __init__(self, reader: Any, name: str) -> None:
        self._column = reader.column_reader(name)
        # Whoosh's reader over several segments says 0 for its own length.
        self._count = reader.doc_count_all()

    def __getitem__(self, docnum: int) -> int:
        if not 0 <= docnum < self._count:
            raise KeyError(docnum)
        return int(self._column[docnum])

    def __iter__(self) -> Iterator[int]:
        return iter(range(self._count))

    def __len__(self) -> int:
        return self._count

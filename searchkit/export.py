"""Search results as the command line shows and exports them.

One call (:func:`run_search`) gives everything a ``search`` command
renders: the first page of results, every further hit up to ``limit``
(streamed a page at a time, so an export is not capped at one page), the
article fields an export asked for (``url``, ``body``, ``summary``),
headline highlights, hints for ``--source`` names no article cites, and a
manifest that lets the result set be cited and reproduced.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__, storage
from .errors import SearchkitError
from .gazetteer import source_key
from .headlines import HeadlineMatcher
from .options import SearchOptions
from .render import ARTICLE_FIELDS, Span
from .results import Hit, Results
from .search import MAX_LIMIT, SearchIndex
from .spelling import near_names

# Hits fetched per search call while streaming an export.
PAGE = MAX_LIMIT


class IndexChangedError(SearchkitError):
    """The index changed (a run committed) while an export was streaming."""


@dataclass
class Export:
    """A search as rendered: ``results`` is the first page; ``hits()``
    yields (hit, article fields) for every hit up to the limit."""

    results: Results
    pages: Iterator[Results]
    need_article: Sequence[str]
    ix: SearchIndex
    limit: int
    headline_spans: dict[str, tuple[Span, ...]] = field(default_factory=dict)
    exported: int = 0

    def hits(self) -> Iterator[tuple[Hit, Mapping[str, Any]]]:
        seen: set[str] = set()  # a hit is exported once, even if pages overlap
        yield from self._take(self.results, seen)
        for page in self.pages:
            if self.exported >= self.limit:
                return
            yield from self._take(page, seen)

    def _take(self, page: Results, seen: set[str]) -> Iterator[tuple[Hit, Mapping[str, Any]]]:
        for hit in page.hits:
            if self.exported >= self.limit or hit.id in seen:
                continue
            seen.add(hit.id)
            self.exported += 1
            yield hit, self._article(hit)

    def _article(self, hit: Hit) -> Mapping[str, Any]:
        if not self.need_article:
            return {}
        article = self.ix.get(hit.id)
        return {name: getattr(article, name) for name in self.need_article}


def run_search(
    ix: SearchIndex,
    query: str,
    options: SearchOptions | None = None,
    *,
    fields: Sequence[str] = (),
    stream: bool = False,
    highlight: bool = False,
    **keywords: Any,
) -> Export:
    """Runs ``query`` under ``options`` (changed by ``keywords``); with
    ``stream``, hits beyond one page are fetched page by page as they are
    consumed (``limit`` is the only cap)."""
    opts = SearchOptions.of(options, **keywords)
    first = ix.search(query, opts, limit=min(opts.limit, PAGE))
    hints = source_hints(ix, opts.sources)
    if hints:
        first = dataclasses.replace(first, warnings=first.warnings + tuple(hints))
    need = [f for f in ARTICLE_FIELDS if f in fields]
    pages = _more_pages(ix, query, first, opts) if stream else iter(())
    found = Export(first, pages, need, ix, opts.limit if stream else len(first.hits))
    if highlight and first.hits:
        matcher = HeadlineMatcher(ix.build(query, opts).query)
        found.headline_spans = {h.id: matcher.spans(h.headline) for h in first.hits}
    return found


def _more_pages(ix: SearchIndex, query: str, first: Results, options: SearchOptions) -> Iterator[Results]:
    limit, offset = options.limit, options.offset
    if len(first.hits) < PAGE or limit <= PAGE:
        return
    state = generation(ix)
    later = SearchOptions.of(options, facets=False, suggest_spelling=False)
    done = PAGE
    while done < limit:
        page = ix.search(query, later, limit=min(limit - done, PAGE), offset=offset + done)
        if generation(ix) != state:
            raise IndexChangedError("the index changed while exporting (an index run committed): export again")
        yield page
        if len(page.hits) < PAGE:
            return
        done += PAGE


def source_hints(ix: SearchIndex, requested: Sequence[str]) -> list[str]:
    """A warning for each ``--source`` name that no indexed article cites,
    naming the nearest sources that are cited."""
    if not requested:
        return []
    known = [name for name, count in ix.source_counts() if count]
    keys = {source_key(name) for name in known}
    hints = []
    for name in requested:
        if source_key(name) in keys:
            continue
        near = near_names(name, known)
        tail = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
        hints.append(f"no indexed article cites source {name!r}{tail}")
    return hints


def generation(ix: SearchIndex) -> int:
    """Whoosh's commit counter: any commit changes it (cheap, unlike
    :func:`index_state`, which reads every article's id and digest)."""
    return int(storage.open_index(ix.path).latest_generation())


def index_state(ix: SearchIndex) -> str:
    """A content hash of what the index holds: the sorted (id, digest) pairs
    of its live articles. Segment merges leave it alone; any added, changed
    or removed article changes it."""
    import hashlib  # here: loading OpenSSL is ~3 ms of every cold search

    digest = hashlib.sha256()
    with storage.open_index(ix.path).reader() as reader:
        pairs: list[tuple[str, str]] = []
        for leaf, _base in reader.leaf_readers():
            ids = list(leaf.column_reader("id"))
            digests = list(leaf.column_reader("digest"))
            pairs.extend((_text(ids[d]), _text(digests[d])) for d in leaf.all_doc_ids())
    for aid, dig in sorted(pairs):
        digest.update(f"{aid}\t{dig}\n".encode())
    return digest.hexdigest()


def _text(value: str | bytes) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


def manifest(
    ix: SearchIndex, command: str, query: str, options: SearchOptions, settings: Mapping[str, Any], total: int
) -> dict[str, Any]:
    """What reproduces a result set: the query and the command's
    ``settings`` as given (its options' record and its own, such as
    ``fields``), the date window and sources they resolved to, and the
    index state."""
    built = ix.build(query, options)
    f = built.filters
    meta = storage.read_meta(ix.path)
    return {
        "searchkit": __version__,
        "command": command,
        "query": query,
        "options": dict(settings),
        "resolved": {
            "since": f.since.isoformat() if f.since else None,
            "until": f.until.isoformat() if f.until else None,
            "sources": [sorted(group) for group in f.require],
            "exclude_sources": sorted(f.exclude),
        },
        "index": {
            "path": str(Path(ix.path).resolve()),
            "articles": len(ix),
            "last_update": meta.get("last_update"),
            "state_sha256": index_state(ix),
        },
        "total": total,
        "created": storage.now_iso(),
    }


def write_sidecar(path: str, text: str) -> None:
    """Writes a manifest file whole or not at all (temp file, then rename)."""
    where = Path(path)
    fd, tmp = tempfile.mkstemp(dir=where.parent if str(where.parent) else ".", prefix=f".{where.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, where)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

"""Turning results into text, JSON, JSON Lines and CSV, in one place.

Pure functions from the library's dataclasses to strings, so the CLI stays
a thin layer and the formats can be tested without a terminal. Each kind of
result becomes a :class:`View` (its text, its JSON document, its records);
:func:`emit` turns any view into any format, so a format behaves the same
for every command.

Article text is untrusted: it reaches terminals, spreadsheets and other
programs. Everything that leaves here goes through one of three doors:
:func:`clean` for text (no escape sequences, control or BiDi characters, no
line breaks inside one-line fields), :func:`to_json` (the same characters
escaped, so nothing is lost) and :func:`csv_cell` (cleaned, and formulas
neutralised by OWASP's rule).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from .lazy import lazy_module
from .options import SAVED, as_flags
from .results import ALL_FIELDS as ALL_FIELDS  # re-exported: the field lists live with the types
from .results import ARTICLE_FIELDS as ARTICLE_FIELDS
from .results import HIT_FIELDS as HIT_FIELDS
from .results import (
    Article,
    Copy,
    DuplicateGroup,
    Facets,
    Hit,
    Results,
)
from .settings import FORMATS as FORMATS
from .snippets import Snippet

if TYPE_CHECKING:
    from .reports import Alert, Bucket, Comparison, SavedSearch, SignificantTerms, Stats, Timeline

# The analyst commands' types and period arithmetic load on first use: a
# search's output needs neither (reports' dataclasses are ~3 ms of start-up).
analytics = lazy_module("searchkit.analytics")
reports = lazy_module("searchkit.reports")

# -- the three doors -----------------------------------------------------

# ANSI escape sequences, 7-bit (ESC [ ...) and 8-bit (CSI U+009B, OSC U+009D).
_ANSI_RE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x9b[0-?]*[ -/]*[@-~]"  # C1 CSI
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC (titles, OSC 8 links)
    r"|(?:\x1bP|\x90)[^\x1b\x9c]*(?:\x1b\\|\x9c)?"  # DCS
    r"|\x1b[@-_]"
)
# Line breaks of every kind, for fields that must stay on one line.
_BREAK_RE = re.compile(r"\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")
# C0 and C1 controls except tab and newline (handled above), and the BiDi
# embedding, override and isolate controls that reorder what follows them.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# What json.dumps(ensure_ascii=False) leaves raw but a terminal acts on.
_JSON_UNSAFE_RE = re.compile(r"[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
# OWASP CSV injection: a cell starting with one of these is run as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean(text: str, multiline: bool = False) -> str:
    """Text safe to print: no escape sequences, controls or BiDi overrides.

    One-line fields (headlines, names, ids) get every line break and tab
    as a space, so a headline cannot draw a fake result entry; ``multiline``
    keeps newlines (bodies), turning other line separators into ``\\n``.
    """
    text = _ANSI_RE.sub("", text)
    if multiline:
        text = _BREAK_RE.sub("\n", text)
    else:
        text = _BREAK_RE.sub(" ", text).replace("\t", " ")
    return _CONTROL_RE.sub("", text)


def to_json(doc: Any, indent: int | None = 2) -> str:
    """JSON with non-ASCII text readable but nothing a terminal would act on:
    C1 controls, BiDi controls and line separators become ``\\uXXXX``
    escapes, so the decoded strings are exactly the article text."""
    text = json.dumps(doc, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# Columns whose text keeps its paragraphs in a CSV cell (quoted newlines).
MULTILINE_COLUMNS = frozenset({"body", "summary"})


def csv_cell(value: Any, multiline: bool = False) -> Any:
    """A CSV cell: text cleaned (newlines kept, they are quoted) and a
    leading ``= + - @``, tab or CR defused with ``'`` so that a spreadsheet
    shows it instead of running it. Numbers are left alone (-1.5 is a number).
    Only ``multiline`` cells keep newlines: elsewhere one would draw a fake
    row on a terminal."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    if not isinstance(value, str):
        return value
    if value.startswith(_FORMULA_START):
        value = "'" + value
    return clean(value, multiline=multiline)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def record(item: Any) -> dict[str, Any]:
    """A result (a dataclass) as a JSON-ready record, its fields in their
    declared order: dates as ISO text, tuples as lists."""
    return {f.name: _plain(getattr(item, f.name)) for f in dataclasses.fields(item)}


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


# -- terminal style ------------------------------------------------------


@dataclass(frozen=True)
class Style:
    """How text output is drawn: wrapped to ``width`` columns (None: not
    wrapped, for pipes and files) and with matches in colour."""

    width: int | None = None
    color: bool = False

    def mark(self, text: str) -> str:
        return f"\x1b[1;33m{text}\x1b[0m" if self.color and text else text


PLAIN = Style()
Span = tuple[int, int]


def _clean_spans(text: str, spans: Sequence[Span]) -> tuple[str, tuple[Span, ...]]:
    """Cleans ``text`` piece by piece so that the spans still point at it."""
    out: list[str] = []
    moved: list[Span] = []
    for piece, hit in Snippet(text, tuple(spans)).parts():
        piece = clean(piece)
        start = sum(len(p) for p in out)
        out.append(piece)
        if hit and piece:
            moved.append((start, start + len(piece)))
    return "".join(out), tuple(moved)


def _line_breaks(text: str, first: int, rest: int) -> list[Span]:
    """Greedy word wrap: (start, end) of each line, ``first`` columns for
    the first line and ``rest`` for the others. A word longer than a line
    (a URL) is cut, as a terminal would, but only then."""
    lines: list[Span] = []
    words = [m.span() for m in re.finditer(r"\S+", text)]
    if not words:
        return lines
    start, end = words[0]
    room = first
    for s, e in words[1:]:
        if e - start <= room:
            end = e
            continue
        start, room = _cut_long(lines, start, end, room, rest)
        lines.append((start, end))
        room = rest
        start, end = s, e
    start, room = _cut_long(lines, start, end, room, rest)
    lines.append((start, end))
    return lines


def _cut_long(lines: list[Span], start: int, end: int, room: int, rest: int) -> tuple[int, int]:
    """Splits off full lines while the line being built is one overlong word."""
    while end - start > room:
        lines.append((start, start + room))
        start += room
        room = rest
    return start, room


def _paint(text: str, spans: Sequence[Span], style: Style) -> str:
    if not style.color or not spans:
        return text
    return Snippet(text, tuple(spans)).highlighted("\x1b[1;33m", "\x1b[0m")


def fill(text: str, style: Style, indent: str = "", first: str | None = None, spans: Sequence[Span] = ()) -> list[str]:
    """``text`` (one paragraph) as lines: cleaned, wrapped to the style's
    width with a hanging ``indent`` after the ``first`` prefix, and the
    ``spans`` marked, also across line breaks."""
    text, spans = _clean_spans(text, spans)
    first = indent if first is None else first
    if style.width is None:
        return [first + _paint(text, spans, style)]
    lines = []
    breaks = _line_breaks(text, max(style.width - len(first), 10), max(style.width - len(indent), 10))
    for n, (s, e) in enumerate(breaks):
        inside = [(max(a, s) - s, min(b, e) - s) for a, b in spans if a < e and b > s]
        lines.append((first if n == 0 else indent) + _paint(text[s:e], inside, style))
    return lines or [first.rstrip()]


# -- views: one result, every format ---------------------------------------


@dataclass(frozen=True)
class View:
    """A result ready for any format: ``text`` for people, ``document`` for
    ``--format json``, ``records`` (over ``columns``) for JSON Lines and CSV.
    ``extra`` records (facets) follow the records in JSON Lines."""

    text: Callable[[Style], str]
    document: Callable[[], Any]
    records: Callable[[], Iterable[Mapping[str, Any]]]
    columns: tuple[str, ...]
    extra: Callable[[], Iterable[Mapping[str, Any]]] = field(default=lambda: ())


def emit(view: View, fmt: str, style: Style = PLAIN) -> Iterator[str]:
    """The view in format ``fmt``, in chunks (JSON Lines and CSV stream)."""
    if fmt == "text":
        yield view.text(style) + "\n"
    elif fmt == "json":
        yield to_json(view.document()) + "\n"
    elif fmt == "jsonl":
        for record in view.records():
            yield to_json(dict(record), indent=None) + "\n"
        for record in view.extra():
            yield to_json(dict(record), indent=None) + "\n"
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(view.columns)
        for record in view.records():
            writer.writerow([csv_cell(record.get(c), c in MULTILINE_COLUMNS) for c in view.columns])
            if out.tell() > 1 << 16:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
        yield out.getvalue()
    else:
        raise ValueError(f"unknown format {fmt!r}")


# -- search results --------------------------------------------------------

# Fields an export can ask for beyond the hit itself (from the stored article).
DEFAULT_FIELDS = (*HIT_FIELDS, "url")
# CSV has no room for span lists: highlights are left out unless asked for.
CSV_DEFAULT = tuple(f for f in DEFAULT_FIELDS if f != "highlights")


def hit_dict(
    hit: Hit, extra: Mapping[str, Any] | None = None, fields: Sequence[str] = DEFAULT_FIELDS
) -> dict[str, Any]:
    """One hit as a record; ``extra`` holds article fields (url, body...)."""
    full = record(hit)
    for name in ARTICLE_FIELDS:
        full[name] = (extra or {}).get(name, getattr(hit, name, None))
    return {f: full[f] for f in fields}


@dataclass(frozen=True)
class HitList:
    """Search results as exported: the hits (possibly streamed page by page
    beyond one Results), their article fields, and the chosen fields."""

    results: Results
    hits: Iterable[tuple[Hit, Mapping[str, Any]]] = ()
    fields: tuple[str, ...] = DEFAULT_FIELDS
    manifest: Mapping[str, Any] | None = None
    headline_spans: Mapping[str, Sequence[Span]] = field(default_factory=dict)


def results_document(
    results: Results,
    hits: Iterable[tuple[Hit, Mapping[str, Any]]] | None = None,
    fields: Sequence[str] = DEFAULT_FIELDS,
    manifest: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The JSON document of a search (the web API's ``/api/search`` too)."""
    pairs = hits if hits is not None else ((h, {}) for h in results.hits)
    doc: dict[str, Any] = {
        "query": results.query,
        "total": results.total,
        "hits": [hit_dict(h, extra, fields) for h, extra in pairs],
    }
    if results.suggestion:
        doc["suggestion"] = results.suggestion
    if results.warnings:
        doc["warnings"] = list(results.warnings)
    if results.facets is not None:
        doc["facets"] = facets_dict(results.facets)
    if manifest is not None:
        doc["manifest"] = dict(manifest)
    return doc


def results_json(results: Results) -> str:
    return to_json(results_document(results))


def results_view(found: HitList) -> View:
    def records() -> Iterator[dict[str, Any]]:
        for hit, extra in found.hits:
            yield hit_dict(hit, extra, found.fields)

    def extra() -> Iterator[dict[str, Any]]:
        # Facet counts as records of their own kind, after the hits.
        if found.results.facets is not None:
            yield from facet_records(found.results.facets)

    return View(
        text=lambda style: results_text(found.results, style, found.headline_spans),
        document=lambda: results_document(found.results, found.hits, found.fields, found.manifest),
        records=records,
        columns=found.fields,
        extra=extra,
    )


def results_text(
    results: Results, style: Style = PLAIN, headline_spans: Mapping[str, Sequence[Span]] | None = None
) -> str:
    """The human listing: headlines, a line of facts, the snippet; wrapped
    with a hanging indent when the style has a width."""
    lines: list[str] = []
    for w in results.warnings:
        lines += fill(w, style, "  ", "warning: ")
    if results.total == 0:
        lines.append("No results.")
    elif not results.hits and results.offset == 0:  # --limit 0: the count only
        lines.append(f"{results.total} result{'s' if results.total != 1 else ''}")
    elif not results.hits:
        lines.append(f"{results.total} results (none on this page: offset {results.offset})")
    else:
        first = results.offset + 1
        last = results.offset + len(results.hits)
        noun = "result" if results.total == 1 else "results"
        lines.append(f"{results.total} {noun} (showing {first}–{last})")
    spans_of = headline_spans or {}
    for n, hit in enumerate(results.hits, results.offset + 1):
        meta = [_iso(hit.date) or "undated"]
        if hit.sources:
            meta.append(", ".join(hit.sources))
        meta.append(hit.id)
        if hit.copies:
            meta.append(f"+{hit.copies} cop{'y' if hit.copies == 1 else 'ies'}")
        headline = hit.headline if clean(hit.headline).strip() else "(no headline)"
        lines.append("")
        lines += fill(headline, style, "   ", f"{n}. ", spans_of.get(hit.id, ()))
        lines += fill(" · ".join(meta), style, "   ")
        if hit.snippet:
            lines += fill(hit.snippet, style, "   ", spans=hit.highlights)
    if results.suggestion:
        lines += ["", *fill(results.suggestion, style, "  ", "Did you mean: ")]
    if results.facets is not None:
        lines += ["", facets_text(results.facets)]
    return "\n".join(lines)


def explain_document(built: Any) -> dict[str, Any]:
    """``search --explain --format json``: the query tree, the resolved
    date window and the filters, as the query side describes them."""
    return dict(built.as_dict())


# -- one article -------------------------------------------------------------


def article_dict(article: Article) -> dict[str, Any]:
    return record(article)


def article_json(article: Article) -> str:
    return to_json(article_dict(article))


def _paragraphs(text: str, style: Style) -> list[str]:
    lines: list[str] = []
    for para in re.split(r"\n\s*\n", clean(text, multiline=True)):
        if lines:
            lines.append("")
        for line in para.split("\n"):
            lines += fill(line, style) if line.strip() else []
    return lines


def article_text(article: Article, style: Style = PLAIN) -> str:
    lines = fill(article.headline if clean(article.headline).strip() else "(no headline)", style)
    facts = [
        ("Date", _iso(article.date) or "undated"),
        ("Sources", ", ".join(article.sources) or "-"),
        ("Id", article.id),
        ("Path", article.path or "-"),
    ]
    if article.url:
        facts.append(("URL", article.url))
    if article.publisher:
        facts.append(("From", article.publisher))
    for name, value in facts:
        lines += fill(value, style, " " * 9, f"{name + ':':<9}")
    lines += ["", *_paragraphs(article.body, style)]
    if article.summary:
        lines += ["", "About", "", *_paragraphs(article.summary, style)]
    return "\n".join(lines)


def article_view(article: Article) -> View:
    return View(
        text=lambda style: article_text(article, style),
        document=lambda: article_dict(article),
        records=lambda: [article_dict(article)],
        columns=tuple(article_dict(article)),
    )


# -- stats and sources -------------------------------------------------------


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def stats_text(stats: Stats) -> str:
    span = f"{stats.first_date} to {stats.last_date}" if stats.first_date else "none"
    lines = [
        f"Index:        {clean(stats.path)}",
        f"Articles:     {stats.articles}",
        f"Dates:        {span} ({stats.undated} undated)",
        f"Size on disk: {human_bytes(stats.size_bytes)}",
        f"Last update:  {clean(stats.last_update or 'never')}",
        "Top sources:" if stats.top_sources else "Top sources:  none",
    ]
    names = [clean(name) for name, _ in stats.top_sources]
    width = max((len(name) for name in names), default=0)
    lines += [f"  {name.ljust(width)}  {count}" for name, (_, count) in zip(names, stats.top_sources, strict=True)]
    return "\n".join(lines)


def stats_dict(stats: Stats) -> dict[str, Any]:
    return {
        "index": stats.path,
        "articles": stats.articles,
        "first_date": _iso(stats.first_date),
        "last_date": _iso(stats.last_date),
        "undated": stats.undated,
        "size_bytes": stats.size_bytes,
        "last_update": stats.last_update,
        "top_sources": [{"source": n, "articles": c} for n, c in stats.top_sources],
    }


def stats_view(stats: Stats) -> View:
    return View(
        text=lambda style: stats_text(stats),
        document=lambda: stats_dict(stats),
        records=lambda: [{"source": n, "articles": c} for n, c in stats.top_sources],
        columns=("source", "articles"),
    )


def _table(rows: Sequence[tuple[str, Any]], indent: str = "") -> list[str]:
    names = [clean(name) for name, _ in rows]
    width = max((len(n) for n in names), default=0)
    return [f"{indent}{name.ljust(width)}  {value}" for name, (_, value) in zip(names, rows, strict=True)]


def sources_view(counts: list[tuple[str, int]]) -> View:
    return View(
        text=lambda style: "\n".join(_table(counts)) or "No sources.",
        document=lambda: [{"source": n, "articles": c} for n, c in counts],
        records=lambda: ({"source": n, "articles": c} for n, c in counts),
        columns=("source", "articles"),
    )


# -- facets ------------------------------------------------------------------


def facets_dict(facets: Facets) -> dict[str, Any]:
    return {
        "sources": [{"source": n, "hits": c} for n, c in facets.sources],
        "years": [{"year": y, "hits": c} for y, c in facets.years],
        "months": [{"month": m, "hits": c} for m, c in facets.months],
        "undated": facets.undated,
    }


def facet_records(facets: Facets) -> Iterator[dict[str, Any]]:
    """Facets as JSON Lines records, told from hits by their ``facet`` key."""
    for kind, rows in (("source", facets.sources), ("year", facets.years), ("month", facets.months)):
        for value, hits in rows:
            yield {"facet": kind, "value": value, "hits": hits}
    if facets.undated:
        yield {"facet": "undated", "value": None, "hits": facets.undated}


def facets_text(facets: Facets, top: int = 10) -> str:
    def block(title: str, rows: tuple[tuple[str, int], ...]) -> list[str]:
        more = [f"  … {len(rows) - top} more"] if len(rows) > top else []
        return [title, *_table(rows[:top], "  "), *more]

    lines = [*block("By source:", facets.sources), *block("By year:", facets.years)]
    lines += block("By month:", facets.months)
    if facets.undated:
        lines.append(f"Undated: {facets.undated}")
    return "\n".join(lines)


# -- timeline ----------------------------------------------------------------

BAR_WIDTH = 40


def _figure(bucket: Bucket, normalize: bool) -> str:
    if not normalize or bucket.share is None:
        return str(bucket.hits)
    return f"{bucket.share:6.1%} ({bucket.hits}/{bucket.articles})"


# A run of at least this many periods without hits is drawn as one gap line.
GAP_AT_LEAST = 3


def timeline_text(timeline: Timeline, normalize: bool, style: Style = PLAIN) -> str:
    """A bar per period, from the first hit to the last. Periods without
    hits show as zero bars, or, from GAP_AT_LEAST of them in a row (or any
    period without articles), as one ``…`` gap line saying how many;
    with ``normalize``, bars are shares of each period's articles."""
    if not timeline.buckets:
        return "No dated results." + (f" ({timeline.undated} undated)" if timeline.undated else "")
    values = {b.start: (b.share or 0.0) if normalize else float(b.hits) for b in timeline.buckets}
    top = max(values.values()) or 1.0
    label_width = max(len(b.period) for b in timeline.buckets)
    figure_width = max(len(_figure(b, normalize)) for b in timeline.buckets)
    bar_width = BAR_WIDTH
    if style.width is not None:
        bar_width = max(min(BAR_WIDTH, style.width - label_width - figure_width - 3), 5)
    lines = []
    for bucket, gap in _with_gaps(timeline.buckets, timeline.by):
        if gap:
            lines.append(f"{'…'.ljust(label_width)}  ({gap} {_plural(timeline.by, gap)} without hits)")
            continue
        bar = "█" * round(values[bucket.start] / top * bar_width)
        lines.append(f"{bucket.period.ljust(label_width)}  {bar} {_figure(bucket, normalize)}".rstrip())
    if timeline.undated:
        lines.append(f"(+{timeline.undated} undated)")
    return "\n".join(lines)


def _with_gaps(buckets: Sequence[Bucket], by: str) -> Iterator[tuple[Bucket, int]]:
    """The buckets to draw, each as (bucket, 0), with (previous, n) for a
    gap of n periods without hits between two drawn ones."""
    zeros: list[Bucket] = []  # zero-hit buckets since the last hit
    missing = 0  # periods without articles since the last hit
    prev: Bucket | None = None
    for bucket in buckets:
        if prev is not None:
            missing += analytics.periods_between(prev.start, bucket.start, by)
        prev = bucket
        if bucket.hits == 0:
            zeros.append(bucket)
            continue
        if missing or len(zeros) >= GAP_AT_LEAST:
            yield bucket, missing + len(zeros)
        else:
            yield from ((z, 0) for z in zeros)
        zeros, missing = [], 0
        yield bucket, 0


def _plural(by: str, n: int) -> str:
    return by if n == 1 else by + "s"


def timeline_rows(timeline: Timeline) -> list[dict[str, Any]]:
    return [
        {"period": b.period, "start": b.start.isoformat(), "hits": b.hits, "articles": b.articles, "share": b.share}
        for b in timeline.buckets
    ]


def timeline_document(timeline: Timeline) -> dict[str, Any]:
    return {"query": timeline.query, "by": timeline.by, "periods": timeline_rows(timeline), "undated": timeline.undated}


def timeline_json(timeline: Timeline) -> str:
    return to_json(timeline_document(timeline))


def timeline_view(timeline: Timeline, normalize: bool) -> View:
    return View(
        text=lambda style: timeline_text(timeline, normalize, style),
        document=lambda: timeline_document(timeline),
        records=lambda: timeline_rows(timeline),
        columns=("period", "start", "hits", "articles", "share"),
    )


# -- saved searches, alerts, duplicates ---------------------------------------


def saved_dict(s: SavedSearch) -> dict[str, Any]:
    return s.record()


def saved_text(searches: list[SavedSearch]) -> str:
    if not searches:
        return "No saved searches."
    lines = []
    for s in searches:
        extra = as_flags(s.options, SAVED)
        lines.append(f"{clean(s.name)}: {clean(s.query)}" + (" " + clean(" ".join(extra)) if extra else ""))
    return "\n".join(lines)


def saved_view(searches: list[SavedSearch]) -> View:
    records = [saved_dict(s) for s in searches]
    return View(
        text=lambda style: saved_text(searches),
        document=lambda: records,
        records=lambda: records,
        columns=tuple(reports.SavedSearch("", "").record()),
    )


def alerts_text(alerts: list[Alert]) -> str:
    if not alerts:
        return "No saved searches."
    lines: list[str] = []
    for alert in alerts:
        n = alert.results.total
        lines.append(f"== {clean(alert.search.name)}: {n} new article{'s' if n != 1 else ''}")
        for hit in alert.results.hits:
            lines.append(f"   {_iso(hit.date) or 'undated'}  {clean(hit.headline)}  [{clean(hit.id)}]")
    return "\n".join(lines)


def alerts_dict(alerts: list[Alert]) -> list[dict[str, Any]]:
    return [
        {
            "name": a.search.name,
            "query": a.search.query,
            "new": a.results.total,
            "hits": [hit_dict(h, fields=HIT_FIELDS) for h in a.results.hits],
        }
        for a in alerts
    ]


def alerts_view(alerts: list[Alert]) -> View:
    def records() -> Iterator[dict[str, Any]]:
        for a in alerts:
            for h in a.results.hits:
                yield {"search": a.search.name, **hit_dict(h, fields=HIT_FIELDS)}

    return View(
        text=lambda style: alerts_text(alerts),
        document=lambda: alerts_dict(alerts),
        records=records,
        columns=("search", *(f for f in HIT_FIELDS if f != "highlights")),
    )


def _copy_dict(c: Copy) -> dict[str, Any]:
    return record(c)


def duplicates_text(groups: list[DuplicateGroup]) -> str:
    if not groups:
        return "No near-duplicates."
    lines = [f"{len(groups)} group{'s' if len(groups) != 1 else ''} of near-duplicates"]
    for g in groups:
        lines += ["", f"{_iso(g.leader.date) or 'undated'}  {clean(g.leader.headline)}  [{clean(g.leader.id)}]"]
        lines += [f"  = {_iso(c.date) or 'undated'}  {clean(c.headline)}  [{clean(c.id)}]" for c in g.copies]
    return "\n".join(lines)


def duplicates_view(groups: list[DuplicateGroup]) -> View:
    def records() -> Iterator[dict[str, Any]]:
        for n, g in enumerate(groups, 1):
            for c in (g.leader, *g.copies):
                yield {"group": n, "leader": c is g.leader, **_copy_dict(c)}

    return View(
        text=lambda style: duplicates_text(groups),
        document=lambda: [
            {"leader": _copy_dict(g.leader), "copies": [_copy_dict(c) for c in g.copies]} for g in groups
        ],
        records=records,
        columns=("group", "leader", "id", "headline", "date", "sources", "path"),
    )


# -- significant terms ----------------------------------------------------------


def terms_rows(found: SignificantTerms) -> list[dict[str, Any]]:
    return [record(t) for t in found.terms]


def terms_document(found: SignificantTerms) -> dict[str, Any]:
    """``terms --format json`` (and ``/api/terms``): the two sets' sizes,
    the statistic, and each term's counts and score, best first."""
    doc: dict[str, Any] = {
        "query": found.query,
        "statistic": found.statistic,
        "min_count": found.min_count,
        "foreground": found.foreground,
        "background": found.background,
        "terms": terms_rows(found),
    }
    if found.warnings:
        doc["warnings"] = list(found.warnings)
    return doc


def terms_text(found: SignificantTerms, style: Style = PLAIN) -> str:
    lines: list[str] = []
    for w in found.warnings:
        lines += fill(w, style, "  ", "warning: ")
    if not found.foreground:
        return "\n".join([*lines, "No results."])
    noun = "result" if found.foreground == 1 else "results"
    head = (
        f"{len(found.terms)} significant term{'' if len(found.terms) == 1 else 's'} of {found.foreground:,} {noun} "
        f"against {found.background:,} articles (JLH; in at least {found.min_count} results)"
    )
    lines += fill(head, style)
    if not found.terms:
        return "\n".join(lines)
    table = [("term", "results", "index", "score")]
    table += [(clean(t.term), f"{t.foreground:,}", f"{t.background:,}", f"{t.score:.4f}") for t in found.terms]
    widths = [max(len(row[i]) for row in table) for i in range(4)]
    lines.append("")
    for term, *figures in table:
        cells = [term.ljust(widths[0]), *(f.rjust(w) for f, w in zip(figures, widths[1:], strict=True))]
        lines.append("  ".join(cells))
    return "\n".join(lines)


def terms_view(found: SignificantTerms) -> View:
    return View(
        text=lambda style: terms_text(found, style),
        document=lambda: terms_document(found),
        records=lambda: terms_rows(found),
        columns=tuple(f.name for f in dataclasses.fields(reports.Term)),
    )


# -- compared timelines ------------------------------------------------------------


def _label(query: str, width: int = 24) -> str:
    text = clean(query)
    return text if len(text) <= width else text[: width - 1] + "…"


def comparison_text(comparison: Comparison, normalize: bool, style: Style = PLAIN) -> str:
    """One group of bars per period, a bar per series, all on one scale (so
    that the series compare); gaps as in :func:`timeline_text`, a period
    counting as without hits when no series has one."""
    series = comparison.series
    if not comparison.periods:
        undated = sum(t.undated for t in series)
        return "No dated results." + (f" ({undated} undated)" if undated else "")
    labels = [_label(t.query) for t in series]
    values = [[(b.share or 0.0) if normalize else float(b.hits) for b in t.buckets] for t in series]
    top = max(max(v) for v in values) or 1.0
    label_width = max(len(b.period) for b in comparison.periods)
    name_width = max(len(n) for n in labels)
    figure_width = max(len(_figure(b, normalize)) for t in series for b in t.buckets)
    bar_width = BAR_WIDTH
    if style.width is not None:
        bar_width = max(min(BAR_WIDTH, style.width - label_width - name_width - figure_width - 5), 5)
    # A period is drawn when any series has a hit in it (its "hits" for the gap rule).
    combined = [
        reports.Bucket(b.period, b.start, sum(t.buckets[i].hits for t in series), b.articles)
        for i, b in enumerate(comparison.periods)
    ]
    where = {b.start: i for i, b in enumerate(combined)}
    lines = []
    for bucket, gap in _with_gaps(combined, comparison.by):
        if gap:
            lines.append(f"{'…'.ljust(label_width)}  ({gap} {_plural(comparison.by, gap)} without hits)")
            continue
        i = where[bucket.start]
        for n, (t, name) in enumerate(zip(series, labels, strict=True)):
            period = bucket.period if n == 0 else ""
            bar = "█" * round(values[n][i] / top * bar_width)
            figure = _figure(t.buckets[i], normalize)
            lines.append(f"{period.ljust(label_width)}  {name.ljust(name_width)}  {bar} {figure}".rstrip())
    without = [(name, t.undated) for name, t in zip(labels, series, strict=True) if t.undated]
    if without:
        lines.append("(+undated: " + ", ".join(f"{name} {k}" for name, k in without) + ")")
    return "\n".join(lines)


def comparison_rows(comparison: Comparison) -> list[dict[str, Any]]:
    """One record per series and period (long form: a CSV of one table)."""
    return [{"query": t.query, **row} for t in comparison.series for row in timeline_rows(t)]


def comparison_document(comparison: Comparison) -> dict[str, Any]:
    """Each series as ``timeline --format json`` gives one, over the same periods."""
    return {
        "by": comparison.by,
        "queries": [t.query for t in comparison.series],
        "series": [timeline_document(t) for t in comparison.series],
    }


def comparison_view(comparison: Comparison, normalize: bool) -> View:
    return View(
        text=lambda style: comparison_text(comparison, normalize, style),
        document=lambda: comparison_document(comparison),
        records=lambda: comparison_rows(comparison),
        columns=("query", "period", "start", "hits", "articles", "share"),
    )

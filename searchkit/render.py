"""Turning results into text, JSON, JSON Lines and CSV.

Pure functions from the library's dataclasses to strings, so the CLI stays
a thin layer and the formats can be tested without a terminal.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from .analytics import Facets, Timeline
from .articles import Article
from .saved import SavedSearch
from .search import Alert, Copy, DuplicateGroup, Hit, Results, Stats
from .snippets import Snippet

# ANSI escape sequences and C0/C1 control characters (tab and newline kept):
# article text is untrusted and must not drive the user's terminal.
_ANSI_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    return _CONTROL_RE.sub("", _ANSI_RE.sub("", text))


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def hit_dict(hit: Hit) -> dict[str, Any]:
    return {
        "id": hit.id,
        "headline": hit.headline,
        "date": _iso(hit.date),
        "sources": list(hit.sources),
        "score": hit.score,
        "snippet": hit.snippet,
        "highlights": [list(h) for h in hit.highlights],
        "path": hit.path,
        "copies": hit.copies,
    }


def results_json(results: Results) -> str:
    doc: dict[str, Any] = {
        "query": results.query,
        "total": results.total,
        "hits": [hit_dict(h) for h in results.hits],
    }
    if results.suggestion:
        doc["suggestion"] = results.suggestion
    if results.warnings:
        doc["warnings"] = list(results.warnings)
    if results.facets is not None:
        doc["facets"] = facets_dict(results.facets)
    return json.dumps(doc, ensure_ascii=False, indent=2)


def results_jsonl(results: Results) -> str:
    return "".join(json.dumps(hit_dict(h), ensure_ascii=False) + "\n" for h in results.hits)


CSV_COLUMNS = ("id", "headline", "date", "sources", "score", "snippet", "path", "copies")


def results_csv(results: Results) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for h in results.hits:
        writer.writerow(
            [
                h.id,
                h.headline,
                _iso(h.date) or "",
                "; ".join(h.sources),
                "" if h.score is None else h.score,
                h.snippet,
                h.path or "",
                h.copies,
            ]
        )
    return out.getvalue()


Mark = Callable[[str], str]


def results_text(results: Results, mark: Mark | None = None) -> str:
    """The human listing; ``mark`` styles matched words (None: plain text)."""
    lines: list[str] = [f"warning: {clean(w)}" for w in results.warnings]
    if results.total == 0:
        lines.append("No results.")
    elif not results.hits:
        lines.append(f"{results.total} results (none on this page: offset {results.offset})")
    else:
        first = results.offset + 1
        last = results.offset + len(results.hits)
        noun = "result" if results.total == 1 else "results"
        lines.append(f"{results.total} {noun} (showing {first}–{last})")
    for n, hit in enumerate(results.hits, results.offset + 1):
        meta = [_iso(hit.date) or "undated"]
        if hit.sources:
            meta.append(", ".join(hit.sources))
        meta.append(hit.id)
        if hit.copies:
            meta.append(f"+{hit.copies} cop{'y' if hit.copies == 1 else 'ies'}")
        lines += ["", f"{n}. {clean(hit.headline) or '(no headline)'}", "   " + clean(" · ".join(meta))]
        if hit.snippet:
            lines.append("   " + _marked(Snippet(hit.snippet, hit.highlights), mark))
    if results.suggestion:
        lines += ["", f"Did you mean: {clean(results.suggestion)}"]
    if results.facets is not None:
        lines += ["", facets_text(results.facets)]
    return "\n".join(lines)


def _marked(snippet: Snippet, mark: Mark | None) -> str:
    if mark is None:
        return clean(snippet.text)
    return "".join(mark(clean(piece)) if hit else clean(piece) for piece, hit in snippet.parts())


def article_dict(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "headline": article.headline,
        "date": _iso(article.date),
        "sources": list(article.sources),
        "body": article.body,
        "summary": article.summary,
        "path": article.path,
    }


def article_text(article: Article) -> str:
    lines = [
        clean(article.headline) or "(no headline)",
        f"Date:    {_iso(article.date) or 'undated'}",
        f"Sources: {clean(', '.join(article.sources)) or '-'}",
        f"Id:      {clean(article.id)}",
        f"Path:    {clean(article.path or '-')}",
    ]
    if article.url:
        lines.append(f"URL:     {clean(article.url)}")
    lines += ["", clean(article.body)]
    if article.summary:
        lines += ["", "About", "", clean(article.summary)]
    return "\n".join(lines)


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
        f"Index:        {stats.path}",
        f"Articles:     {stats.articles}",
        f"Dates:        {span} ({stats.undated} undated)",
        f"Size on disk: {human_bytes(stats.size_bytes)}",
        f"Last update:  {stats.last_update or 'never'}",
        "Top sources:" if stats.top_sources else "Top sources:  none",
    ]
    width = max((len(name) for name, _ in stats.top_sources), default=0)
    lines += [f"  {clean(name).ljust(width)}  {count}" for name, count in stats.top_sources]
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


def sources_render(counts: list[tuple[str, int]], fmt: str) -> str:
    if fmt == "json":
        return json.dumps([{"source": n, "articles": c} for n, c in counts], ensure_ascii=False, indent=2)
    if fmt == "jsonl":
        return "".join(json.dumps({"source": n, "articles": c}, ensure_ascii=False) + "\n" for n, c in counts)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["source", "articles"])
        writer.writerows(counts)
        return out.getvalue()
    width = max((len(n) for n, _ in counts), default=0)
    return "\n".join(f"{clean(n).ljust(width)}  {c}" for n, c in counts) or "No sources."


def facets_dict(facets: Facets) -> dict[str, Any]:
    return {
        "sources": [{"source": n, "hits": c} for n, c in facets.sources],
        "years": [{"year": y, "hits": c} for y, c in facets.years],
        "months": [{"month": m, "hits": c} for m, c in facets.months],
        "undated": facets.undated,
    }


def facets_text(facets: Facets, top: int = 10) -> str:
    def block(title: str, rows: tuple[tuple[str, int], ...]) -> list[str]:
        width = max((len(k) for k, _ in rows[:top]), default=0)
        more = [f"  … {len(rows) - top} more"] if len(rows) > top else []
        return [title, *(f"  {clean(k).ljust(width)}  {n}" for k, n in rows[:top]), *more]

    lines = [*block("By source:", facets.sources), *block("By year:", facets.years)]
    lines += block("By month:", facets.months)
    if facets.undated:
        lines.append(f"Undated: {facets.undated}")
    return "\n".join(lines)


BAR_WIDTH = 40


def timeline_text(timeline: Timeline, normalize: bool) -> str:
    if not timeline.buckets:
        return "No dated results." + (f" ({timeline.undated} undated)" if timeline.undated else "")
    values = [(b.share or 0.0) if normalize else float(b.hits) for b in timeline.buckets]
    top = max(values) or 1.0
    label_width = max(len(b.period) for b in timeline.buckets)
    lines = []
    for bucket, value in zip(timeline.buckets, values, strict=True):
        bar = "█" * round(value / top * BAR_WIDTH)
        if normalize:
            figure = f"{value:6.1%} ({bucket.hits}/{bucket.articles})"
        else:
            figure = str(bucket.hits)
        lines.append(f"{bucket.period.ljust(label_width)}  {bar} {figure}".rstrip())
    if timeline.undated:
        lines.append(f"(+{timeline.undated} undated)")
    return "\n".join(lines)


def timeline_rows(timeline: Timeline) -> list[dict[str, Any]]:
    return [
        {"period": b.period, "start": b.start.isoformat(), "hits": b.hits, "articles": b.articles, "share": b.share}
        for b in timeline.buckets
    ]


def timeline_json(timeline: Timeline) -> str:
    doc = {"query": timeline.query, "by": timeline.by, "periods": timeline_rows(timeline), "undated": timeline.undated}
    return json.dumps(doc, ensure_ascii=False, indent=2)


def timeline_csv(timeline: Timeline) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, ["period", "start", "hits", "articles", "share"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(timeline_rows(timeline))
    return out.getvalue()


def saved_text(searches: list[SavedSearch]) -> str:
    if not searches:
        return "No saved searches."
    lines = []
    for s in searches:
        extra = [f"--source {x}" for x in s.sources] + [f"--exclude-source {x}" for x in s.exclude_sources]
        extra += [f"--since {s.since}"] if s.since else []
        extra += [f"--until {s.until}"] if s.until else []
        extra += ["--any"] if s.any_words else []
        lines.append(f"{clean(s.name)}: {clean(s.query)}" + (" " + clean(" ".join(extra)) if extra else ""))
    return "\n".join(lines)


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
            "hits": [hit_dict(h) for h in a.results.hits],
        }
        for a in alerts
    ]


def _copy_dict(c: Copy) -> dict[str, Any]:
    return {"id": c.id, "headline": c.headline, "date": _iso(c.date), "sources": list(c.sources), "path": c.path}


def duplicates_json(groups: list[DuplicateGroup]) -> str:
    doc = [{"leader": _copy_dict(g.leader), "copies": [_copy_dict(c) for c in g.copies]} for g in groups]
    return json.dumps(doc, ensure_ascii=False, indent=2)


def duplicates_text(groups: list[DuplicateGroup]) -> str:
    if not groups:
        return "No near-duplicates."
    lines = [f"{len(groups)} group{'s' if len(groups) != 1 else ''} of near-duplicates"]
    for g in groups:
        lines += ["", f"{_iso(g.leader.date) or 'undated'}  {clean(g.leader.headline)}  [{clean(g.leader.id)}]"]
        lines += [f"  = {_iso(c.date) or 'undated'}  {clean(c.headline)}  [{clean(c.id)}]" for c in g.copies]
    return "\n".join(lines)

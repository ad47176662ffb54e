"""Reuters-21578 (SGML) to searchkit JSON Lines records.

The benchmark indexes the same records into searchkit, SQLite FTS5 and
tantivy, so everything an engine could compute differently is decided here,
once: the ISO date, the paragraph layout of the body and the cited sources
(``searchkit.sources.extract_sources`` on the body, stored in the record, so
that the source filter of every engine works on identical data).

    python benchmarks/reuters.py OUT.jsonl        # all ~19,000 stories
    python benchmarks/reuters.py OUT.jsonl --docs 500

Only stories with a TITLE, a BODY and a readable DATE are kept.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

# /work/main/benchmarks/reuters.py -> /work/shared/corpora/reuters21578
DEFAULT_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "reuters21578"

Record = dict[str, Any]

_DOC_RE = re.compile(r"<REUTERS\b([^>]*)>(.*?)</REUTERS>", re.DOTALL)
_NEWID_RE = re.compile(r'NEWID="(\d+)"')
_DATE_RE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})")
_MONTHS = {
    m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)
}
# Control characters appear both as numeric entities (&#3; ends every body)
# and, in a few stories, raw; keep only tab and newline.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Every body ends with the wire sign-off "Reuter"; it is no attribution and
# would otherwise make "Reuters" a source of every story.
_SIGNOFF_RE = re.compile(r"\s*\bREUTERS?\b\s*$", re.IGNORECASE)
# A new paragraph starts on a line indented by spaces; other line breaks are
# only the wire's wrapping at ~65 columns.
_PARA_RE = re.compile(r"\n(?=[ \t]+\S)")


def _tag(doc: str, name: str) -> str | None:
    m = re.search(rf"<{name}>(.*?)</{name}>", doc, re.DOTALL)
    return m.group(1) if m else None


def _clean(raw: str) -> str:
    return _CONTROL_RE.sub("", html.unescape(raw))


def parse_date(raw: str) -> date | None:
    """``26-FEB-1987 15:01:01.79`` -> 1987-02-26 (the time is dropped).

    A few DATE elements carry garbled times, so only the day part is read.
    """
    m = _DATE_RE.search(raw)
    if not m:
        return None
    month = _MONTHS.get(m.group(2).upper())
    if month is None:
        return None
    try:
        return date(int(m.group(3)), month, int(m.group(1)))
    except ValueError:
        return None


def body_paragraphs(raw_body: str) -> list[str]:
    """The body as paragraphs, each one line of single-spaced text."""
    text = _SIGNOFF_RE.sub("", _clean(raw_body).replace("\r", ""))
    paras = (" ".join(p.split()) for p in _PARA_RE.split(text))
    return [p for p in paras if p]


def parse_sgml(text: str) -> Iterator[tuple[str, str, date, list[str]]]:
    """(newid, headline, date, paragraphs) for each complete story."""
    for m in _DOC_RE.finditer(text):
        attrs, doc = m.group(1), m.group(2)
        newid = _NEWID_RE.search(attrs)
        title, body, when = _tag(doc, "TITLE"), _tag(doc, "BODY"), _tag(doc, "DATE")
        if not (newid and title and body and when):
            continue
        day = parse_date(when)
        paras = body_paragraphs(body)
        headline = " ".join(_clean(title).split())
        if day is None or not paras or not headline:
            continue
        yield newid.group(1), headline, day, paras


def sgm_files(source_dir: Path = DEFAULT_DIR) -> list[Path]:
    files = sorted(source_dir.glob("reut2-*.sgm"))
    if not files:
        raise FileNotFoundError(f"no reut2-*.sgm files in {source_dir}")
    return files


def records(source_dir: Path = DEFAULT_DIR, limit: int | None = None, with_sources: bool = True) -> list[Record]:
    """Reuters stories as searchkit JSON Lines records, in NEWID file order.

    ``body`` separates paragraphs with blank lines (what searchkit's JSON
    Lines reader expects); ``sources`` is ``extract_sources(body)``, computed
    here once. ``with_sources=False`` leaves it out (searchkit would then
    extract it itself at index time, and the other engines would have none).
    """
    extract = None
    if with_sources:
        # Imported late: the converter's parsing does not depend on searchkit.
        from searchkit.sources import extract_sources

        extract = extract_sources
    out: list[Record] = []
    for path in sgm_files(source_dir):
        # latin-1 never fails to decode, and the files are in fact ASCII plus
        # a few stray high bytes.
        text = path.read_text(encoding="latin-1")
        for newid, headline, day, paras in parse_sgml(text):
            body = "\n\n".join(paras)
            rec: Record = {
                "id": f"reuters-{newid}",
                "headline": headline,
                "date": day.isoformat(),
                "body": body,
            }
            if extract is not None:
                rec["sources"] = list(extract(body))
            out.append(rec)
            if limit is not None and len(out) >= limit:
                return out
    return out


def write_jsonl(recs: Iterable[Record], path: Path) -> int:
    """Writes one JSON object per line (UTF-8); returns the number written."""
    n = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as fh:
        for rec in recs:
            fh.write(json.dumps(rec, ensure_ascii=False))
            fh.write("\n")
            n += 1
    return n


def read_jsonl(path: Path) -> list[Record]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="the .jsonl file to write")
    ap.add_argument("--source-dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--docs", type=int, default=None, help="only the first N stories")
    ap.add_argument("--no-sources", action="store_true", help="leave out the sources key")
    args = ap.parse_args(argv)
    n = write_jsonl(records(args.source_dir, args.docs, not args.no_sources), args.out)
    print(f"wrote {n} records to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Articles/s of each reader on real files, beside the whole index run.

    python benchmarks/readers.py              # MUC-3/4 XHTML, DVIDS text + manifest, a feed, Reuters JSON Lines
    python benchmarks/readers.py --reuters-docs 2000

"read" is ``read_file`` alone (decode, extract, dates, cited sources);
"index" is ``SearchIndex.update`` on the same files into a fresh index
(read + Whoosh write + near-duplicate linking). The read share says how
much of an index run the reader is: HTML extraction must not be the
bottleneck. The feed is the 56 DVIDS stories (real text) wrapped as one
RSS 2.0 file with content:encoded, as a news site would publish them.
"""

from __future__ import annotations

import argparse
import csv
import html
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import reuters
from searchkit import SearchIndex
from searchkit.articles import Skipped, read_file, walk

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpora"


def dvids_feed(out: Path) -> Path:
    root = SHARED / "dvids"
    rows = list(csv.DictReader((root / "manifest.csv").open(encoding="utf-8")))
    items = []
    for row in rows:
        text = (root / "corpus" / f"{row['id']}.txt").read_text(encoding="utf-8")
        body = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n")[1:] if p.strip())
        when = format_datetime(datetime.fromisoformat(row["published_date"]).replace(tzinfo=timezone.utc))
        items.append(
            f"<item><title>{html.escape(row['title'])}</title><link>{html.escape(row['source_url'])}</link>"
            f"<guid>{row['id']}</guid><pubDate>{when}</pubDate>"
            f"<content:encoded><![CDATA[{body}]]></content:encoded></item>"
        )
    out.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>DVIDS</title>'
        + "\n".join(items)
        + "</channel></rss>\n",
        encoding="utf-8",
    )
    return out


def files_of(paths: list[Path]) -> list[Path]:
    return [p for p in walk(paths) if not isinstance(p, Skipped)]


def measure(name: str, paths: list[Path]) -> tuple[str, int, int, float, float]:
    files = files_of(paths)
    started = time.perf_counter()
    articles = sum(len(read_file(f).loaded) for f in files)
    read_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp, SearchIndex(Path(tmp) / "ix", create=True) as ix:
        started = time.perf_counter()
        ix.update(paths)
        index_s = time.perf_counter() - started
    return name, len(files), articles, read_s, index_s


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reuters-docs", type=int, default=None, help="only the first N Reuters stories")
    args = ap.parse_args(argv)
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        jsonl = work / "reuters.jsonl"
        reuters.write_jsonl(reuters.records(limit=args.reuters_docs), jsonl)
        (work / "feed").mkdir()
        feed = dvids_feed(work / "feed" / "dvids.rss")
        rows = [
            measure("HTML (MUC-3/4 .xhtml)", [SHARED / "muc34"]),
            measure("text + sidecar (DVIDS)", [SHARED / "dvids"]),
            measure("feed (DVIDS as RSS)", [feed]),
            measure(f"JSON Lines (Reuters, {jsonl.stat().st_size / 1e6:.1f} MB)", [jsonl]),
        ]
    head = ("reader", "files", "articles", "read s", "read art/s", "index s", "index art/s", "read share")
    table = [head] + [
        (n, f"{f:,}", f"{a:,}", f"{r:.2f}", f"{a / r:,.0f}", f"{i:.1f}", f"{a / i:,.0f}", f"{r / i:.0%}")
        for n, f, a, r, i in rows
    ]
    widths = [max(len(row[c]) for row in table) for c in range(len(head))]
    for k, row in enumerate(table):
        print(
            "  ".join(
                cell.ljust(w) if c == 0 else cell.rjust(w) for c, (cell, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if k == 0:
            print("  ".join("-" * w for w in widths))
    return 0


if __name__ == "__main__":
    sys.exit(main())

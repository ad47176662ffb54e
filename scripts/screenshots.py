"""The README's screenshots of the web UI, made by a real browser.

    python scripts/screenshots.py                 # writes docs/screenshots/*.png

Indexes a small archive into a temporary folder (the shipped corpus/, the
test library and, when ../shared is there, the DVIDS sample of U.S.
military news with its manifest's dates and URLs), serves it on a loopback
port and has Debian's chromium (tests/browser.py) capture the search page
and an article page.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from searchkit import SearchIndex  # noqa: E402
from searchkit.web import create_app  # noqa: E402
from searchkit.web.server import running  # noqa: E402
from tests import browser  # noqa: E402

DVIDS = ROOT.parent / "shared" / "corpora" / "dvids"
OUT = ROOT / "docs" / "screenshots"
SEARCH = "/?q=missile+defense"
ARTICLE = "000_63906143f63b2427"  # the shipped article: sources, a summary and similar articles
WIDTH = 1280


def dvids_records(folder: Path = DVIDS) -> list[dict[str, Any]]:
    """The DVIDS sample as JSON Lines records: headline and body from the
    text, date and URL from the manifest."""
    records = []
    with (folder / "manifest.csv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            path = folder / "corpus" / f"{row['id']}.txt"
            if not path.exists():
                continue
            headline, _, body = path.read_text(encoding="utf-8").partition("\n")
            records.append({"id": row["id"], "headline": headline.strip() or row["title"], "body": body.strip(),
                            "date": row["published_date"], "url": row["source_url"]})
    return records


def build(where: Path) -> Path:
    paths = [ROOT / "corpus", ROOT / "tests" / "data" / "library"]
    if DVIDS.exists():
        data = where / "dvids.jsonl"
        data.write_text("".join(json.dumps(r) + "\n" for r in dvids_records()), encoding="utf-8")
        paths.append(data)
    index = where / "index"
    print(SearchIndex(index, create=True).update(paths).summary(), file=sys.stderr)
    return index


def take(chromium: Any, out: Path) -> list[Path]:
    """Both screenshots, with an already launched browser."""
    out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        SearchIndex(build(Path(tmp)), create=False) as ix,
        running(create_app(ix)) as url,
    ):
        page = chromium.new_page(viewport={"width": WIDTH, "height": 900})
        page.goto(url + SEARCH)
        page.screenshot(path=str(out / "search.png"), full_page=True)
        page.click(f"li.hit h3 a[href='/article/{ARTICLE}']")
        page.wait_for_selector("#headline")
        page.screenshot(path=str(out / "article.png"), full_page=True)
        page.close()
    return [out / "search.png", out / "article.png"]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=OUT, help=f"folder for the PNG files (default {OUT.relative_to(ROOT)})")
    args = ap.parse_args(argv)
    reason = browser.missing_reason()
    if reason:
        print(f"cannot take screenshots: {reason}", file=sys.stderr)
        return 1
    with sync_playwright() as playwright:
        chromium = browser.launch(playwright)
        try:
            written = take(chromium, args.out)
        finally:
            chromium.close()
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The readers on the real corpora in ../shared (each test skips, with the
reason, when the data is absent)."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import tracemalloc
from datetime import date
from pathlib import Path

import pytest

from searchkit import SearchIndex
from searchkit.articles import Loaded, Skipped, iter_file, read_file, walk
from searchkit.readers.limits import MAX_ARTICLE_BYTES

from .conftest import ROOT, shared_path

_DC_DATE_RE = re.compile(rb'<meta name="DC\.date" content="([^"]+)"')


def test_all_muc_articles_read_with_their_dc_dates() -> None:
    root = shared_path("corpora", "muc34")
    files = [p for p in walk([root]) if isinstance(p, Path) and p.suffix == ".xhtml"]
    assert len(files) == 1700
    dated = 0
    for path in files:
        read = read_file(path)
        assert read.reader == "html" and not read.skipped, path
        (item,) = read.loaded
        match = _DC_DATE_RE.search(path.read_bytes())
        want = date.fromisoformat(match.group(1).decode()) if match else None
        assert item.article.date == want, path
        assert item.article.id == path.stem and len(item.article.body) > 100
        dated += want is not None
    assert dated == 1615  # SOURCE.txt: 85 files say "NO DATE"


def test_muc_folder_indexes_articles_not_notes(tmp_path: Path) -> None:
    root = shared_path("corpora", "muc34")
    kinds = {}
    for item in walk([root]):
        if isinstance(item, Skipped):
            kinds[Path(item.path).name] = item.kind
        else:
            read = read_file(item)
            if item.suffix == ".txt":  # the gazetteers in lists/
                assert not read.loaded and read.skipped[0].reason == "a word list, not an article", item
    assert kinds == {
        "LICENSE": "not-article",
        "README.md": "not-article",
        "SOURCE.txt": "not-article",
        "README.txt": "not-article",
        "coverage-geo.rdf": "unsupported",
        "description.rdf": "unsupported",
        "documents.rdf": "unsupported",
        "publisher.rdf": "unsupported",
    }
    # One folder of it through the whole index: the dates are searchable.
    with SearchIndex(tmp_path / "ix", create=True) as ix:
        report = ix.update([root / "tst1"])
        assert report.added == 100 and not report.skipped
        assert ix.search("*", since="1989-01-01", until="1989-12-31", limit=200).total == sum(
            1 for p in (root / "tst1").glob("*.xhtml") if b'DC.date" content="1989' in p.read_bytes()
        )


def test_dvids_stories_dated_and_linked_from_manifest(tmp_path: Path) -> None:
    root = shared_path("corpora", "dvids")
    rows = {r["id"]: r for r in csv.DictReader((root / "manifest.csv").open(encoding="utf-8"))}
    with SearchIndex(tmp_path / "ix", create=True) as ix:
        report = ix.update([root])
        assert report.added == 56
        assert [s.path for s in report.skipped] == [str(root.resolve() / "SOURCE.txt")]  # the indexer resolves symlinks
        assert not [w for w in report.warnings if "undated" in w]
        assert len(rows) == 56
        for story_id, row in rows.items():
            article = ix.get(story_id)
            assert article.date == date.fromisoformat(row["published_date"])
            assert article.url == row["source_url"]


@pytest.fixture(scope="module")
def reuters_jsonl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = shared_path("corpora", "reuters21578")
    out = tmp_path_factory.mktemp("reuters") / "reuters.jsonl"
    sys.path.insert(0, str(ROOT))
    try:
        from benchmarks import reuters
    finally:
        sys.path.remove(str(ROOT))
    reuters.write_jsonl(reuters.records(src), out)
    return out


def test_reuters_export_read_whole(reuters_jsonl: Path) -> None:
    size = reuters_jsonl.stat().st_size
    assert size > 17_000_000 > MAX_ARTICLE_BYTES  # over the old whole-file limit
    lines = sum(1 for _ in reuters_jsonl.open("rb"))
    read = read_file(reuters_jsonl)
    assert (len(read.loaded), read.skipped) == (lines, [])
    assert len({item.article.id for item in read.loaded}) == lines
    assert all(item.article.date for item in read.loaded)


def test_jsonl_streams_in_memory_bounded_by_one_record(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    record = '{"id": "r%d", "headline": "H", "date": "2001-02-03", "body": "%s"}\n'
    with path.open("w") as f:
        for n in range(40):
            f.write(record % (n, "w" * 1_000_000))  # 40 MB in all, 1 MB a record
    tracemalloc.start()
    try:
        count = sum(isinstance(item, Loaded) for item in iter_file(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 40
    assert peak < 12_000_000  # a few copies of one record, never the 40 MB file


@pytest.mark.slow
def test_index_dry_run_and_report_by_type() -> None:
    root = shared_path("corpora", "muc34")
    run = subprocess.run(
        [sys.executable, "-m", "searchkit", "-i", "/nonexistent/never-created", "index", str(root), "--dry-run"],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert f"html   {root / 'dev' / 'DEV-MUC3-0001.xhtml'}" in lines
    assert f"skip   {root / 'lists' / 'weapon.txt'}: a word list, not an article" in lines
    assert lines[-1] == (
        "1,700 .xhtml read as HTML; 4 files of unsupported type skipped: .rdf (4); "
        "13 not articles (README, LICENSE, SOURCE, word lists...)"
    )
    assert not Path("/nonexistent/never-created").exists()

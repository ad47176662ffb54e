"""Incremental updates, each on its own tmp_path index."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from searchkit import IndexCorruptError, IndexMissingError, IndexVersionError, SearchIndex

from .conftest import LIBRARY, ROOT, SEED_ID


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(LIBRARY, folder)
    return folder


def _ids(ix: SearchIndex) -> list[str]:
    return sorted(h.id for h in ix.search("*", limit=1000).hits)


def test_add_change_delete_unchanged(tmp_path: Path, corpus: Path) -> None:
    ix = SearchIndex(tmp_path / "ix", create=True)
    first = ix.update([corpus])
    assert (first.added, first.updated, first.removed, first.unchanged) == (8, 0, 0, 0)

    again = ix.update([corpus])
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 8)

    (corpus / "02_kyodo_radar.txt").write_text("Radar Plan Dropped\n\nThe plan was dropped, Kyodo reported.\n")
    (corpus / "06_tass_treaty.txt").unlink()
    (corpus / "09_new.txt").write_text("Brand New Story\n\nA submarine surfaced.\n\nMay 1, 2020\n")
    third = ix.update([corpus])
    assert (third.added, third.updated, third.removed, third.unchanged) == (1, 1, 1, 6)

    assert ix.search("submarine").total == 1
    assert ix.search("dropped").total == 1
    assert ix.search("telemetry").total == 0
    assert len(_ids(ix)) == 8


def test_removal_only_under_the_given_paths(tmp_path: Path, corpus: Path) -> None:
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([corpus, ROOT / "corpus"])
    (corpus / "01_tass_missile_talks.txt").unlink()
    report = ix.update([corpus])  # corpus/ of the project not named: untouched
    assert report.removed == 1
    assert SEED_ID in _ids(ix)


def test_rebuild_starts_from_empty(tmp_path: Path, corpus: Path) -> None:
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([corpus])
    report = ix.update([ROOT / "corpus"], rebuild=True)
    assert report.added == 1
    assert _ids(ix) == [SEED_ID]


def test_same_stem_in_two_folders_gets_distinct_stable_ids(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "story.txt").write_text(f"Story {name}\n\nBody of {name}.\n")
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([tmp_path / "a", tmp_path / "b"])
    ids = _ids(ix)
    assert len(ids) == 2 and "story" in ids
    (tmp_path / "b" / "story.txt").write_text("Story b\n\nBody of b, changed.\n")
    ix.update([tmp_path / "a", tmp_path / "b"])
    assert _ids(ix) == ids
    assert ix.get("story").headline == "Story a"


def test_jsonl_articles(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    records = [
        {
            "id": "r1",
            "title": "Missile test",
            "published": "1987-03-05",
            "sources": ["kyodo"],
            "text": "A missile test, TASS reported.",
        },
        {"headline": "", "date": "not a date", "body": "An undated body about radar."},
        {
            "id": "r3",
            "headline": "Radar",
            "date": "March 9, 1987",
            "source": "Reuters",
            "content": "Radar body.",
            "url": "http://x",
        },
    ]
    feed.write_text("\n".join(json.dumps(r) for r in records) + "\n{broken\n")
    ix = SearchIndex(tmp_path / "ix", create=True)
    report = ix.update([feed])
    assert report.added == 3
    assert [(s.path, s.reason) for s in report.skipped] == [
        (f"{feed}:4", "malformed JSON (Expecting property name enclosed in double quotes)")
    ]
    assert any("line 2: unparsable date 'not a date'" in w for w in report.warnings)
    # An explicit source is used as given (canonicalised); the body is not mined.
    assert ix.get("r1").sources == ("Kyodo News",)
    (undated,) = [h for h in ix.search("*", limit=10).hits if h.id not in ("r1", "r3")]
    assert undated.id.startswith("feed-") and ix.get(undated.id).date is None
    assert ix.get("r3").url == "http://x"


def test_search_without_index_raises(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="create it with `searchkit --index-dir"):
        SearchIndex(tmp_path / "none")
    # Nothing was created by asking.
    assert not (tmp_path / "none").exists()


def test_an_older_searchkits_index_names_the_rebuild(tmp_path: Path, corpus: Path) -> None:
    where = tmp_path / "ix"
    where.mkdir()
    (where / "searchkit.json").write_text('{"schema_version": 1}')
    (where / "saved.json").write_text(
        json.dumps({"searches": [{"name": "old", "query": "missile", "seen_until": 1700000000}]})
    )
    with pytest.raises(IndexVersionError, match=f"rebuild it with `searchkit --index-dir {where} index --rebuild"):
        SearchIndex(where)
    with pytest.raises(IndexVersionError, match="older searchkit"):
        SearchIndex(where, create=True).update([corpus])
    SearchIndex(where, create=True).update([corpus], rebuild=True)
    ix = SearchIndex(where)
    assert ix.search("missile").total > 0
    # Its saved searches came along, and alerts start from the rebuilt index.
    assert [s.name for s in ix.saved_searches()] == ["old"]
    assert ix.alerts()[0].results.total == 0
    assert not (where / "searchkit.json").exists() and (where / "saved.json.imported").exists()


def test_foreign_folder_is_refused(tmp_path: Path, corpus: Path) -> None:
    from whoosh import fields, index

    index.create_in(str(tmp_path), fields.Schema(x=fields.TEXT))
    with pytest.raises(IndexCorruptError, match="no searchkit index"):
        SearchIndex(tmp_path)
    with pytest.raises(IndexCorruptError, match="no searchkit index"):
        SearchIndex(tmp_path, create=True).update([corpus])


def test_progress_counts_articles_and_bytes_of_one_large_file_and_the_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run of one file used to report 0 files done, then 1: it reports the
    articles written (every PROGRESS_ARTICLES), a share of the file's bytes,
    each commit, and the end."""
    import searchkit.indexer
    from searchkit.indexer import IndexProgress
    from searchkit.tuning import Tuning

    monkeypatch.setattr(searchkit.indexer, "PROGRESS_ARTICLES", 40)
    feed = tmp_path / "c" / "all.jsonl"
    feed.parent.mkdir()
    lines = [
        json.dumps({"id": f"a{k}", "headline": f"Story {k}", "body": f"Radar order number {k}."}) for k in range(120)
    ]
    feed.write_text("\n".join(lines) + "\n")
    (tmp_path / "c" / "one.txt").write_text("One\n\nA text file.\n")
    size = feed.stat().st_size
    total = size + (tmp_path / "c" / "one.txt").stat().st_size
    seen: list[IndexProgress] = []
    ix = SearchIndex(tmp_path / "ix", create=True, tuning=Tuning(batch_articles=100))
    ix.update([tmp_path / "c"], progress=seen.append)
    events = [(p.phase, p.files_done, p.bytes_done, p.articles_done) for p in seen]
    assert events == [
        ("writing", 0, size * 40 // 120, 40),
        ("writing", 0, size * 80 // 120, 80),
        ("committing", 0, size * 100 // 120, 100),  # a full batch, inside the file
        ("writing", 0, size * 120 // 120, 120),
        ("reading", 1, size, 120),
        ("reading", 2, total, 121),
        ("committing", 2, total, 121),  # the last batch
        ("done", 2, total, 121),
    ]
    assert {(p.files, p.bytes_total) for p in seen} == {(2, total)}
    # Nothing changed: the files are checked, nothing is committed.
    seen.clear()
    ix.update([tmp_path / "c"], progress=seen.append)
    assert [(p.phase, p.files_done, p.bytes_done, p.articles_done) for p in seen] == [
        ("reading", 1, size, 0),
        ("reading", 2, total, 0),
        ("done", 2, total, 0),
    ]


@pytest.mark.parametrize("lookups", [2, 10_000])
def test_a_run_reads_the_catalog_rows_it_needs_one_by_one_or_all_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lookups: int
) -> None:
    """indexer._Articles reads a changed file's rows, then ids of other files
    one query each until LOOKUPS, then every row at once; the run must come
    out the same either way."""
    import searchkit.indexer

    monkeypatch.setattr(searchkit.indexer._Articles, "LOOKUPS", lookups)
    c = tmp_path / "c"
    c.mkdir()

    def feed(name: str, ids: list[str], text: str = "radar") -> None:
        recs = [json.dumps({"id": i, "headline": f"H {i}", "body": f"{text} {i}"}) for i in ids]
        (c / name).write_text("\n".join(recs) + "\n")

    feed("a.jsonl", ["a1", "a2", "a3", "shared"])
    feed("b.jsonl", ["b1", "b2"])
    feed("z.jsonl", ["z1"])
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([c])
    # New ids, one already in a.jsonl, and b.jsonl changed.
    feed("m.jsonl", ["m1", "m2", "m3", "m4", "shared", "m5"])
    feed("b.jsonl", ["b1", "b2"], text="sonar")
    report = ix.update([c])
    assert (report.added, report.updated, report.removed, report.unchanged) == (5, 2, 0, 5)
    assert [s.reason for s in report.skipped] == ["duplicate id 'shared' (indexed from " + str(c / "a.jsonl") + "): kept as its copy"]
    (c / "a.jsonl").unlink()  # its copy in m.jsonl takes over
    report = ix.update([c])
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 1, 3, 8)
    assert sorted(_ids(ix)) == ["b1", "b2", "m1", "m2", "m3", "m4", "m5", "shared", "z1"]
    assert ix.get("shared").path == str(c / "m.jsonl")


@pytest.mark.parametrize("workers", ["0", "1"])
def test_a_streamed_file_with_bad_records_indexes_the_rest_and_reports_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: str
) -> None:
    """A JSON Lines file is parsed while its first chunks are being prepared
    and written (readers.dispatch.open_file): bad records between good ones
    are reported with their line numbers once the file is read, every good
    one is indexed, mid-file commits included, and a change to the file is
    picked up by the next run."""
    from searchkit import prepare
    from searchkit.readers import limits
    from searchkit.tuning import Tuning

    monkeypatch.setattr(prepare, "CHUNK", 4)
    monkeypatch.setattr(prepare, "MIN_ARTICLES", 8)
    monkeypatch.setattr(limits, "MAX_ARTICLE_BYTES", 2_000)
    monkeypatch.setenv("SEARCHKIT_WORKERS", workers)
    lines = [json.dumps({"id": f"s{k}", "headline": f"Radar {k}", "body": f"Radar order number {k}."}) for k in range(40)]
    lines[5] = '{"id": "broken", "headline": '  # not JSON
    lines[11] = "[1, 2]"  # not an object
    lines[17] = json.dumps({"id": "huge", "headline": "Huge", "body": "word " * 1_000})  # over the limit
    lines[23] = ""  # blank: skipped silently
    feed = tmp_path / "c" / "all.jsonl"
    feed.parent.mkdir()
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ix = SearchIndex(tmp_path / "ix", create=True, tuning=Tuning(batch_articles=10))
    report = ix.update([feed.parent])
    assert (report.added, report.unchanged) == (36, 0)
    assert [(s.path.rsplit(":", 1)[-1], s.reason.split(" (")[0]) for s in report.skipped] == [
        ("6", report.skipped[0].reason.split(" (")[0]),
        ("12", "not a JSON object"),
        ("18", "record 'huge' too large"),
    ]
    assert "JSON" in report.skipped[0].reason
    assert ix.search("radar", limit=0).total == 36
    # The file's row was recorded after its last record: an unchanged file
    # is not read again, an appended record is the only one added.
    assert ix.update([feed.parent]).unchanged == 36
    with feed.open("a", encoding="utf-8") as f:
        f.write(json.dumps({"id": "s99", "headline": "Radar 99", "body": "Radar order 99."}) + "\n")
    again = ix.update([feed.parent])
    assert (again.added, again.unchanged, len(again.skipped)) == (1, 36, 3)

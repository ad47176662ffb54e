"""The catalog: state committed with the segments, exact alerts, safe
rebuilds, incremental JSON Lines, damaged state named and repairable, and
ids that stay put (issues 11 and 12)."""

from __future__ import annotations

import json
import os
import shutil
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

import searchkit.indexer
from searchkit import IndexCorruptError, IndexMissingError, SearchIndex, SearchkitError
from searchkit.catalog import Catalog
from searchkit.cli import cli
from searchkit.indexer import IndexProgress
from searchkit.tuning import Tuning

from .conftest import LIBRARY, ROOT

BODY = "The ministry said the radar report was filed on time, Kyodo reported. " + "More words about radar. " * 30


def _record(k: int, word: str = "radar", **extra: object) -> str:
    # Distinct words, so that no two records are near-duplicates of each other.
    body = f"{word} {k} " + " ".join(f"w{k}x{i}" for i in range(40))
    return json.dumps({"id": f"r{k}", "headline": f"Story {k}", "date": "2013-10-01", "body": body, **extra})


def _feed(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _ids(ix: SearchIndex) -> list[str]:
    return [h.id for h in ix.search("*", limit=10_000, all_copies=True).hits]


def _cli(index_dir: Path | str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["-i", str(index_dir), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(LIBRARY, folder)
    return folder


# -- alerts ------------------------------------------------------------------
def test_alerts_during_a_run_report_each_article_exactly_once(tmp_path: Path) -> None:
    """Issue 11: alerts run while an index run is going lost a third of it."""
    feeds = tmp_path / "feeds"
    _feed(feeds / "a0.jsonl", [_record(0)])
    writer = SearchIndex(tmp_path / "ix", create=True, tuning=Tuning(batch_articles=7))
    writer.update([feeds])
    reader = SearchIndex(tmp_path / "ix")
    reader.save_search("radar", "radar")
    for f in range(1, 30):
        _feed(feeds / f"a{f:02d}.jsonl", [_record(f * 10 + j) for j in range(3)])
    reported: list[str] = []

    def alerts_now(progress: IndexProgress | None) -> None:
        for alert in reader.alerts(limit=10_000):
            reported.extend(h.id for h in alert.results.hits)

    writer.update([feeds], progress=alerts_now)
    alerts_now(None)
    assert len(reported) == len(set(reported))
    assert sorted(reported) == sorted(f"r{f * 10 + j}" for f in range(1, 30) for j in range(3))


def test_each_alerts_call_marks_what_it_reported(tmp_path: Path, corpus: Path) -> None:
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([corpus])
    ix.save_search("radar", "radar")
    assert ix.alerts()[0].results.total == 0
    _feed(corpus / "new.jsonl", [_record(1)])
    ix.update([corpus])
    assert ix.alerts(mark_seen=False)[0].results.total == 1  # --peek marks nothing
    assert [h.id for h in ix.alerts()[0].results.hits] == ["r1"]
    assert ix.alerts()[0].results.total == 0


def test_prepending_an_id_less_record_alerts_only_the_new_one(tmp_path: Path) -> None:
    """Issue 12: line-numbered ids made an old article look new."""
    feed = _feed(tmp_path / "c" / "feed.jsonl", [json.dumps({"headline": "Old", "body": f"old radar {BODY}"})])
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([feed.parent])
    ix.save_search("radar", "radar")
    old_id = _ids(ix)[0]
    _feed(feed, [json.dumps({"headline": "New", "body": f"new radar {BODY} extra"}), feed.read_text().strip()])
    report = ix.update([feed.parent])
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 0, 0, 1)
    assert old_id in _ids(ix)
    assert [h.headline for h in ix.alerts()[0].results.hits] == ["New"]


# -- rebuilds and missing things ----------------------------------------------
def test_rebuild_from_the_wrong_folder_changes_nothing(tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    where = tmp_path / "ix"
    assert _cli(where, "index", str(corpus))[0] == 0
    before = _cli(where, "search", "*", "--format", "json")[1]
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # no corpus/ here
    code, _, err = _cli(where, "index", "--rebuild")
    assert (code, err) == (1, "Error: no such file or folder: corpus (nothing was changed)\n")
    code, _, err = _cli(where, "index", "--rebuild", str(tmp_path / "nope"))
    assert code == 1 and "no such file or folder" in err
    (tmp_path / "empty").mkdir()
    code, _, err = _cli(where, "index", "--rebuild", str(tmp_path / "empty"))
    assert code == 1 and err.startswith("Error: no article files (text, HTML, feeds, JSON Lines, CSV) under")
    assert _cli(where, "search", "*", "--format", "json")[1] == before


def test_a_run_where_no_file_could_be_read_changes_nothing(tmp_path: Path, corpus: Path) -> None:
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([corpus])
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.txt").write_bytes(b"")
    (bad / "b.txt").write_bytes(b"\x00\x01")
    with pytest.raises(SearchkitError, match="none of the 2 article files"):
        ix.update([bad], rebuild=True)
    assert len(ix) == 8


def test_index_of_a_missing_path_is_an_error(tmp_path: Path) -> None:
    code, _, err = _cli(tmp_path / "ix", "index", str(tmp_path / "nonexistent"))
    assert code == 1 and "no such file or folder" in err
    assert not (tmp_path / "ix").exists()


def test_no_index_is_an_error_not_an_empty_index(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError):
        SearchIndex(tmp_path / "typo").search("x")
    assert not (tmp_path / "typo").exists()


def test_rebuild_interrupted_leaves_the_old_index_and_its_alert_marks(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(searchkit.storage, "GRACE_SECONDS", 0.0)
    ix = SearchIndex(tmp_path / "ix", create=True, tuning=Tuning(batch_articles=2))
    ix.update([corpus])
    ix.save_search("all", "*")
    before = sorted(_ids(ix))

    def interrupt(p: IndexProgress) -> None:
        if p.phase == "reading" and p.files_done == 5:
            assert sorted(_ids(SearchIndex(tmp_path / "ix"))) == before  # readers still see the old index
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ix.update([corpus], rebuild=True, progress=interrupt)
    assert sorted(_ids(ix)) == before
    ix.update([corpus], rebuild=True)
    assert sorted(_ids(ix)) == before
    assert ix.alerts()[0].results.total == 0  # nothing old reported as new
    assert [s.name for s in ix.saved_searches()] == ["all"]
    leftovers = [p.name for p in ix.path.iterdir() if p.name.startswith("_MAIN_")]
    assert len(leftovers) == 1  # superseded generations and the interrupted rebuild's were cleaned


# -- interrupted runs keep their work -------------------------------------------
def test_commits_by_time_as_well_as_by_count(tmp_path: Path, corpus: Path) -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 6.0  # each file "takes" six seconds
        return now[0]

    def interrupt(p: IndexProgress) -> None:
        if p.phase == "reading" and p.files_done == 6:
            raise KeyboardInterrupt

    ix = SearchIndex(tmp_path / "ix", create=True)
    with pytest.raises(KeyboardInterrupt):
        ix.update([corpus], clock=clock, progress=interrupt)
    # Far below Tuning.batch_articles, yet every ten seconds' work was committed.
    assert len(SearchIndex(tmp_path / "ix")) >= 4


# -- incremental JSON Lines ---------------------------------------------------
def test_appending_a_line_indexes_one_article(tmp_path: Path) -> None:
    feed = _feed(tmp_path / "c" / "feed.jsonl", [_record(k) for k in range(40)])
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([feed])
    with feed.open("a") as f:
        f.write(_record(40) + "\n")
    report = ix.update([feed])
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 0, 0, 40)
    lines = feed.read_text().splitlines()
    lines[3] = _record(3, word="sonar")
    feed.write_text("\n".join(lines) + "\n")
    report = ix.update([feed])
    assert (report.added, report.updated, report.removed, report.unchanged) == (0, 1, 0, 40)
    assert [h.id for h in ix.search("sonar").hits] == ["r3"]


def test_an_unchanged_file_is_not_read(tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([corpus])

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unchanged file was read")

    monkeypatch.setattr(searchkit.indexer, "read_file", no_reading)
    report = ix.update([corpus])
    assert report.unchanged == 8 and report.files == 8


# -- ids that stay put ----------------------------------------------------------
def test_moving_an_article_between_files_is_an_update(tmp_path: Path) -> None:
    """Issue 12: archive rotation lost the article for good."""
    c = tmp_path / "c"
    _feed(c / "archive.jsonl", [_record(0)])
    _feed(c / "current.jsonl", [_record(1), _record(2)])
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([c])
    _feed(c / "archive.jsonl", [_record(0), _record(1)])
    _feed(c / "current.jsonl", [_record(2)])
    report = ix.update([c])
    assert (report.added, report.removed) == (0, 0)
    assert sorted(_ids(ix)) == ["r0", "r1", "r2"]
    assert ix.get("r1").path == str(c / "archive.jsonl")
    assert ix.update([c]).unchanged == 3


def test_deleting_the_first_copy_of_a_duplicated_id_keeps_the_other(tmp_path: Path) -> None:
    c = tmp_path / "c"
    _feed(c / "a.jsonl", [_record(1)])
    _feed(c / "b.jsonl", [_record(1, word="sonar")])
    ix = SearchIndex(tmp_path / "ix", create=True)
    report = ix.update([c])
    assert any("duplicate id 'r1'" in s.reason for s in report.skipped)
    (c / "a.jsonl").unlink()
    ix.update([c])
    assert _ids(ix) == ["r1"] and ix.get("r1").path == str(c / "b.jsonl")
    assert ix.search("sonar").total == 1


def test_same_named_id_less_files_in_two_folders(tmp_path: Path) -> None:
    for year in ("2013", "2014"):
        _feed(tmp_path / "c" / year / "feed.jsonl", [json.dumps({"headline": f"H{k}", "body": f"{year} {k}"}) for k in range(3)])
    ix = SearchIndex(tmp_path / "ix", create=True)
    report = ix.update([tmp_path / "c"])
    assert report.added == 6 and not report.skipped
    first = sorted(_ids(ix))
    ix.update([tmp_path / "c"], rebuild=True)
    assert sorted(_ids(ix)) == first  # stable across a rebuild


def test_a_symlinked_path_does_not_double_the_articles(tmp_path: Path, corpus: Path) -> None:
    (tmp_path / "link").symlink_to(corpus)
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([corpus])
    report = ix.update([tmp_path / "link"])
    assert (report.added, report.removed, report.unchanged) == (0, 0, 8)
    assert len(ix) == 8


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder whatever its mode")
def test_an_unreadable_subfolder_keeps_its_articles(tmp_path: Path, corpus: Path) -> None:
    sub = corpus / "sub"
    _feed(sub / "feed.jsonl", [_record(1)])
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([corpus])
    sub.chmod(0)
    try:
        report = ix.update([corpus])
    finally:
        sub.chmod(0o755)
    assert report.removed == 0 and any("kept" in s.reason for s in report.skipped)
    assert "r1" in _ids(ix)


def test_a_missing_root_keeps_its_articles(tmp_path: Path, corpus: Path) -> None:
    other = _feed(tmp_path / "drive" / "feed.jsonl", [_record(1)]).parent
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([corpus, other])
    shutil.rmtree(other)  # an unmounted drive
    with pytest.raises(SearchkitError, match="no such file or folder"):
        ix.update([corpus, other])
    assert "r1" in _ids(ix)


def test_150_identical_articles_fold_like_50(tmp_path: Path) -> None:
    for n in (50, 150):
        feed = _feed(tmp_path / f"c{n}" / "same.jsonl", [
            json.dumps({"id": f"s{k}", "headline": "Same", "date": "2013-10-01", "body": BODY}) for k in range(n)
        ])
        ix = SearchIndex(tmp_path / f"ix{n}", create=True)
        ix.update([feed])
        assert ix.search("radar").total == 1
        assert [len(g.copies) for g in ix.duplicates()] == [n - 1]


# -- the index folder ------------------------------------------------------------
def test_creating_an_index_keeps_the_users_files(tmp_path: Path, corpus: Path) -> None:
    where = tmp_path / "ix"
    where.mkdir()
    mine = ["MAINTENANCE_LOG.txt", "MAIN_PLAN.docx", "_MAIN_notes.txt", "manifest.json", "duplicates.json", "MAIN_x.y"]
    for name in mine:
        (where / name).write_text("mine")
    ix = SearchIndex(where, create=True)
    ix.update([corpus])
    (corpus / "01_tass_missile_talks.txt").unlink()
    ix.update([corpus])
    ix.update([corpus], rebuild=True)
    assert all((where / name).read_text() == "mine" for name in mine)


def test_an_empty_index_dir_is_refused(tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _cli("", "index", str(corpus))
    assert code == 1 and "empty string" in err
    assert not (tmp_path / "catalog.sqlite").exists()


# -- damaged state --------------------------------------------------------------
@pytest.mark.parametrize("content", [b"", b"5", b"[]", b"garbage" * 100])
def test_a_damaged_catalog_is_named_and_rebuild_repairs_it(tmp_path: Path, corpus: Path, content: bytes) -> None:
    where = tmp_path / "ix"
    assert _cli(where, "index", str(corpus))[0] == 0
    (where / "catalog.sqlite").write_bytes(content)
    for args in (["search", "radar"], ["saved"], ["alerts"], ["stats"], ["index", str(corpus)]):
        code, _, err = _cli(where, *args)
        assert code == 1 and "catalog.sqlite" in err and "--rebuild" in err and "Traceback" not in err, (args, err)
    assert _cli(where, "index", "--rebuild", str(corpus))[0] == 0
    assert "results" in _cli(where, "search", "radar")[1]


@pytest.mark.parametrize("victim", ["toc-empty", "toc-garbage", ".pst", ".trm", "._stored.col"])
def test_damaged_segments_are_named_and_rebuild_repairs_them(tmp_path: Path, corpus: Path, victim: str) -> None:
    where = tmp_path / "ix"
    assert _cli(where, "index", str(corpus))[0] == 0
    if victim.startswith("toc"):
        toc = max(where.glob("_MAIN_*.toc"), key=lambda p: int(p.stem.split("_")[-1]))
        toc.write_bytes(b"" if victim == "toc-empty" else b"\x07garbage")
    else:
        target = next(p for p in where.iterdir() if p.name.startswith("MAIN_") and p.name.endswith(victim))
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    for args in (["search", "radar"], ["index", str(corpus)]):
        code, _, err = _cli(where, *args)
        assert code == 1 and "is damaged" in err and "--rebuild" in err and "Traceback" not in err, (args, err)
    assert _cli(where, "index", "--rebuild", str(corpus))[0] == 0
    assert "results" in _cli(where, "search", "radar")[1]


def test_damaged_saved_searches_are_named(tmp_path: Path, corpus: Path) -> None:
    where = tmp_path / "ix"
    assert _cli(where, "index", str(corpus))[0] == 0
    assert _cli(where, "save", "r", "radar")[0] == 0
    cat = Catalog(where)
    cat.conn.execute("UPDATE saved SET options = '[]'")
    cat.conn.execute("INSERT INTO saved VALUES ('x', 'q', 'not json', 'c', 0)")
    cat.close()
    for args in (["saved"], ["alerts"]):
        code, _, err = _cli(where, *args)
        assert code == 1 and "catalog.sqlite" in err and "Traceback" not in err, err


# -- crashes between the two commits, and racing readers ----------------------
def test_a_crash_between_whoosh_and_catalog_commit_is_invisible(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12: a kill after the Whoosh commit gave TermNotFound tracebacks."""
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([corpus, ROOT / "corpus"])
    before = sorted(_ids(ix))
    (corpus / "01_tass_missile_talks.txt").unlink()
    _feed(corpus / "new.jsonl", [_record(1)])

    def die(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # as if killed: the new generation's TOC is on disk

    monkeypatch.setattr(Catalog, "apply", die)
    with pytest.raises(KeyboardInterrupt):
        ix.update([corpus])
    monkeypatch.undo()
    fresh = SearchIndex(tmp_path / "ix")
    assert sorted(_ids(fresh)) == before
    assert fresh.search("radar", facets=True).total >= 1
    assert fresh.similar("02_kyodo_radar").hits
    report = fresh.update([corpus])
    assert (report.added, report.removed) == (1, 1)


def test_a_failed_commit_leaves_no_orphans(tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12: disk full left orphaned segments that broke later runs."""
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([corpus])
    files = sorted(p.name for p in ix.path.iterdir())
    _feed(corpus / "new.jsonl", [_record(1)])

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(searchkit.storage, "sync_files", full)
    with pytest.raises(OSError):
        ix.update([corpus])
    monkeypatch.undo()
    assert sorted(p.name for p in ix.path.iterdir()) == files
    assert ix.update([corpus]).added == 1


def test_readers_racing_a_writer_never_fail(tmp_path: Path) -> None:
    small = Tuning(batch_articles=3)
    feeds = tmp_path / "c"
    _feed(feeds / "a.jsonl", [_record(0)])
    SearchIndex(tmp_path / "ix", create=True, tuning=small).update([feeds])
    long_lived = SearchIndex(tmp_path / "ix")
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                long_lived.search("radar")
                with SearchIndex(tmp_path / "ix") as fresh:
                    fresh.search("radar", facets=True)
            except BaseException as exc:
                import traceback

                traceback.print_exc()
                errors.append(exc)
                return

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for round_ in range(4):
            for f in range(6):
                _feed(feeds / f"f{round_}-{f}.jsonl", [_record(1000 + round_ * 100 + f * 10 + j) for j in range(2)])
            SearchIndex(tmp_path / "ix", create=True, tuning=small).update([feeds])
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert long_lived.search("radar").total == 49


# -- saved searches ---------------------------------------------------------------
def test_save_refuses_to_overwrite_without_replace(tmp_path: Path, corpus: Path) -> None:
    where = tmp_path / "ix"
    assert _cli(where, "index", str(corpus))[0] == 0
    assert _cli(where, "save", "r", "radar")[0] == 0
    code, _, err = _cli(where, "save", "r", "missile")
    assert (code, err) == (1, "Error: a saved search named 'r' exists: pass --replace to overwrite it\n")
    assert _cli(where, "saved")[1] == "r: radar\n"
    assert _cli(where, "save", "r", "missile", "--replace")[0] == 0
    assert _cli(where, "saved")[1] == "r: missile\n"


def test_index_corrupt_error_for_a_foreign_catalog_version(tmp_path: Path, corpus: Path) -> None:
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([corpus])
    cat = Catalog(tmp_path / "ix")
    cat.set_meta(catalog_version=99)
    cat.close()
    with pytest.raises(IndexCorruptError, match="catalog version 99"):
        SearchIndex(tmp_path / "ix")


def test_a_big_file_commits_in_parts_and_resumes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    feed = _feed(tmp_path / "c" / "big.jsonl", [_record(k) for k in range(30)])
    real = searchkit.indexer._Run.write_article
    calls = [0]

    def write_then_die(self: searchkit.indexer._Run, *args: object) -> None:
        calls[0] += 1
        if calls[0] == 20:
            raise KeyboardInterrupt
        real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(searchkit.indexer._Run, "write_article", write_then_die)
    with pytest.raises(KeyboardInterrupt):
        SearchIndex(tmp_path / "ix", create=True, tuning=Tuning(batch_articles=7)).update([feed])
    monkeypatch.undo()
    kept = len(SearchIndex(tmp_path / "ix"))
    assert kept == 14  # two whole batches of seven, from one file
    report = SearchIndex(tmp_path / "ix").update([feed])
    assert (report.added, report.unchanged) == (30 - kept, kept)
    assert sorted(_ids(SearchIndex(tmp_path / "ix"))) == sorted(f"r{k}" for k in range(30))


def test_a_folder_that_cannot_be_listed_keeps_its_articles(
    tmp_path: Path, corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As root reads every folder, the EACCES a user gets is simulated: the
    walk leaves the folder out (as os.walk does) and stat is refused."""
    sub = corpus / "sub"
    _feed(sub / "feed.jsonl", [_record(1)])
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([corpus])
    real_walk, real_stat = searchkit.indexer.walk, os.stat

    def walk_without_sub(roots: list[str]) -> object:
        return (p for p in real_walk(roots) if not str(p).startswith(str(sub)))

    def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if str(path).startswith(str(sub)):
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(searchkit.indexer, "walk", walk_without_sub)
    monkeypatch.setattr(searchkit.indexer.os, "stat", stat)
    report = ix.update([corpus])
    monkeypatch.undo()
    assert report.removed == 0
    assert "Permission denied: its 1 indexed articles are kept" in [s.reason for s in report.skipped]
    assert "r1" in _ids(ix)

"""Issue 12's reading items through a real index run: nothing hangs, nothing
aborts the run, every bad file or record is a reported skip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from searchkit import SearchIndex


@pytest.mark.slow
def test_fifo_devices_and_hostile_records_do_not_stop_a_run(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    os.mkfifo(corpus / "x.txt")  # reading it would wait for a writer forever
    (corpus / "zero.txt").symlink_to("/dev/zero")  # reading it would never end
    (corpus / "feed.jsonl").write_text(
        "\n".join(
            [
                json.dumps({"id": "ok-1", "headline": "Kept", "date": "2013-10-31", "body": "A\u2028B, Kyodo said."}),
                '{"id": "deep", "x": ' + "[" * 1000 + "]" * 1000 + "}",
                '{"id": "num", "n": ' + "7" * 5000 + "}",
                json.dumps({"id": "ok-2", "headline": "Also kept", "date": "1987", "body": "Year only."}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    run = subprocess.run(
        [sys.executable, "-m", "searchkit", "-i", str(tmp_path / "ix"), "index", str(corpus)],
        capture_output=True,
        text=True,
        timeout=120,  # a hang fails here instead of blocking the suite
    )
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert run.stdout.startswith("2 added, 0 updated, 0 removed, 0 unchanged, 4 skipped")
    for line in [
        f"skipped: {corpus / 'x.txt'}: not a regular file (a FIFO)",
        f"skipped: {corpus / 'zero.txt'}: not a regular file (a character device)",
        f"skipped: {corpus / 'feed.jsonl'}:2: nested more than 32 deep",
        f"skipped: {corpus / 'feed.jsonl'}:3: number of 5000 digits (limit 100)",
        f"warning: {corpus / 'feed.jsonl'}: line 4: partial date '1987' (no month or day): indexed undated",
    ]:
        assert line in run.stderr.splitlines(), run.stderr
    with SearchIndex(tmp_path / "ix", create=False) as ix:
        assert ix.get("ok-1").body == "A\u2028B, Kyodo said."  # one record, not two
        assert ix.get("ok-2").date is None


FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>{items}</channel></rss>"""
ITEM = "<item><title>Story {n}</title><guid>wire-{n}</guid><pubDate>Mon, 0{n} Jun 2020 10:00:00 GMT</pubDate><description>Text of story {n}.</description></item>"


def test_rereading_a_feed_adds_only_new_entries(tmp_path: Path) -> None:
    feed = tmp_path / "wire.rss"
    feed.write_text(FEED.format(items=ITEM.format(n=1) + ITEM.format(n=2)))
    with SearchIndex(tmp_path / "ix", create=True) as ix:
        first = ix.update([feed])
        assert (first.added, first.skipped) == (2, [])
        feed.write_text(FEED.format(items=ITEM.format(n=3) + ITEM.format(n=1) + ITEM.format(n=2)))
        second = ix.update([feed])
        assert (second.added, second.removed) == (1, 0)
        assert ix.get("wire-3").headline == "Story 3"
        assert ix.get("wire-3").publisher == "Wire"  # the feed's title, kept
        assert str(ix.get("wire-1").date) == "2020-06-01"


def test_entries_that_roll_out_of_a_feed_stay_indexed(tmp_path: Path) -> None:
    # A feed keeps only its newest entries: re-saving it must not delete the
    # older stories it no longer lists. Deleting the file itself still does.
    feed = tmp_path / "wire.rss"
    feed.write_text(FEED.format(items=ITEM.format(n=1) + ITEM.format(n=2)))
    with SearchIndex(tmp_path / "ix", create=True) as ix:
        ix.update([feed])
        feed.write_text(FEED.format(items=ITEM.format(n=3) + ITEM.format(n=2)))
        rolled = ix.update([feed])
        assert (rolled.added, rolled.removed) == (1, 0)
        assert ix.get("wire-1").headline == "Story 1"
        assert ix.search("story", limit=10).total == 3
        feed.write_text(FEED.format(items=ITEM.format(n=4) + ITEM.format(n=3)))
        assert ix.update([feed]).removed == 0
        assert {h.id for h in ix.search("story", limit=10).hits} == {"wire-1", "wire-2", "wire-3", "wire-4"}
        feed.unlink()
        (tmp_path / "other.rss").write_text(FEED.format(items=ITEM.format(n=5)))
        gone = ix.update([tmp_path])
        assert (gone.added, gone.removed) == (1, 4)


def test_editing_a_sidecar_updates_the_files_it_names(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "s1.txt").write_text("Story\n\nBody.\n")
    (corpus / "manifest.csv").write_text("id,published_date\ns1,2020-01-02\n")
    with SearchIndex(tmp_path / "ix", create=True) as ix:
        ix.update([corpus])
        (corpus / "manifest.csv").write_text("id,published_date\ns1,2020-03-04\n")
        report = ix.update([corpus])  # s1.txt itself did not change
        assert report.updated == 1
        assert str(ix.get("s1").date) == "2020-03-04"


def test_files_now_ignored_or_not_articles_leave_the_index(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "drafts").mkdir(parents=True)
    (corpus / "keep.txt").write_text("Kept\n\nBody.\n")
    (corpus / "drafts" / "d.txt").write_text("Draft\n\nBody.\n")
    (corpus / "notes.txt").write_text("Notes\n\nWhere the files came from.\n")
    with SearchIndex(tmp_path / "ix", create=True) as ix:
        assert ix.update([corpus]).added == 3
        (corpus / ".searchkitignore").write_text("drafts/\n")
        (corpus / "notes.txt").rename(corpus / "SOURCE.txt")
        report = ix.update([corpus])
        assert (report.removed, report.unchanged) == (2, 1)
        assert [s.reason for s in report.skipped] == ["not an article (SOURCE file)"]
        assert [h.id for h in ix.search("*").hits] == ["keep"]

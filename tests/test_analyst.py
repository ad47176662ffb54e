"""Facets, timelines, similar articles, saved searches and alerts."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit import NotFoundError, QueryError, SearchIndex, SearchkitError, SearchOptions, executor
from searchkit.analytics import build_timeline, period_label, period_start, periods_between
from searchkit.cli import cli

from .conftest import LIBRARY, ROOT, SEED_ID, syndicate


def test_facets_count_every_hit_not_just_the_page(ix: SearchIndex) -> None:
    results = ix.search("missile", limit=1, facets=True)
    assert results.facets is not None
    assert dict(results.facets.sources)["TASS"] == 2
    assert dict(results.facets.years) == {"1987": 4, "2013": 4}
    assert dict(results.facets.months)["1987-06"] == 2
    assert results.facets.undated == 1
    assert sum(n for _, n in results.facets.years) + results.facets.undated == results.total


def test_facets_respect_filters(ix: SearchIndex) -> None:
    facets = ix.search("missile", sources=["tass"], facets=True).facets
    assert facets is not None and dict(facets.sources) == {"TASS": 2}


# Timeline buckets (years without articles left out, months with articles
# but no hits kept) are cases of the case table (data/cases/commands.json).


def test_timeline_gap_is_counted_in_periods(ix: SearchIndex) -> None:
    # No article at all from 1988 to 2012: no bucket (renderers draw the gap),
    # so a timeline is never longer than the index, and no share is 0/0.
    tl = ix.timeline("missile", by="year")
    assert periods_between(tl.buckets[0].start, tl.buckets[1].start, "year") == 25


def test_timeline_normalizes_by_all_articles_of_the_period(ix: SearchIndex) -> None:
    tl = ix.timeline("radar", by="month")
    oct2013 = next(b for b in tl.buckets if b.period == "2013-10")
    assert (oct2013.hits, oct2013.articles, oct2013.share) == (2, 2, 1.0)


def test_timeline_bad_period(ix: SearchIndex) -> None:
    with pytest.raises(QueryError, match="unknown period"):
        ix.timeline("radar", by="decade")


def test_periods() -> None:
    day = date(2013, 10, 31)
    assert period_label(period_start(day, "week"), "week") == "2013-W44"
    assert period_start(day, "week") == date(2013, 10, 28)
    assert period_label(period_start(day, "month"), "month") == "2013-10"
    days = [0, date(2013, 12, 30).toordinal(), date(2014, 1, 2).toordinal()]
    tl = build_timeline("q", "week", [1, 2], days, [0, 1, 2])
    assert [b.period for b in tl.buckets] == ["2014-W01"]  # ISO week 1 of 2014 starts 2013-12-30


def test_similar(ix: SearchIndex) -> None:
    hits = ix.similar("02_kyodo_radar", limit=3).hits
    assert hits[0].id == SEED_ID  # the other X-band radar story
    assert "02_kyodo_radar" not in [h.id for h in hits]
    with pytest.raises(NotFoundError):
        ix.similar("nope")


def test_saved_searches_and_alerts(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(LIBRARY, corpus)
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([corpus])
    ix.save_search("korea", "korea", sources=["yonhap"])
    assert [s.name for s in ix.saved_searches()] == ["korea"]
    assert ix.alerts()[0].results.total == 0  # nothing new since saving

    # No waiting between runs: an article is stamped with the index
    # generation that first committed it, not with a time.
    (corpus / "10_new.txt").write_text("Korea Talks\n\nKorea and Japan met, Yonhap reported.\n\nMay 2, 2014\n")
    (corpus / "11_other.txt").write_text("Unrelated\n\nA story about radar, Kyodo reported.\n\nMay 2, 2014\n")
    ix.update([corpus])
    first = ix.alerts()
    assert [h.id for h in first[0].results.hits] == ["10_new"]
    assert ix.alerts()[0].results.total == 0  # marked seen

    # A rebuild re-reads every file but does not make old articles new.
    ix.update([corpus], rebuild=True)
    assert ix.alerts()[0].results.total == 0
    assert [s.name for s in ix.saved_searches()] == ["korea"]  # saved searches survive

    ix.delete_saved("korea")
    assert ix.saved_searches() == []
    with pytest.raises(NotFoundError):
        ix.delete_saved("korea")


def test_saving_a_broken_search_is_refused(tmp_path: Path) -> None:
    ix = SearchIndex(tmp_path / "ix", create=True)
    ix.update([ROOT / "corpus"])
    with pytest.raises(QueryError):
        ix.save_search("bad", "radar date:notadate")
    with pytest.raises(SearchkitError, match="bad name"):
        ix.save_search("no spaces please", "radar")


def test_cli_facets_timeline_similar(library_dir: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(cli, ["-i", str(library_dir), "search", "missile", "--facets"]).stdout
    assert "By source:" in out and "By year:" in out
    doc = json.loads(
        runner.invoke(cli, ["-i", str(library_dir), "search", "missile", "--facets", "--format", "json"]).stdout
    )
    assert {"year": "1987", "hits": 4} in doc["facets"]["years"]
    out = runner.invoke(cli, ["-i", str(library_dir), "timeline", "missile", "--by", "year"]).stdout
    assert out.splitlines()[0] == "1987  " + "█" * 40 + " 4"
    out = runner.invoke(cli, ["-i", str(library_dir), "timeline", "radar", "--normalize"]).stdout
    assert "2013-10  " in out and "100.0% (2/2)" in out
    csv_out = runner.invoke(cli, ["-i", str(library_dir), "timeline", "radar", "--format", "csv"]).stdout
    assert csv_out.splitlines()[0] == "period,start,hits,articles,share"
    out = runner.invoke(cli, ["-i", str(library_dir), "similar", "02_kyodo_radar", "--limit", "1"]).stdout
    assert SEED_ID in out


def test_cli_saved_and_alerts(tmp_path: Path) -> None:
    runner = CliRunner()
    where = ["-i", str(tmp_path / "ix")]
    runner.invoke(cli, [*where, "index", str(LIBRARY)])
    assert runner.invoke(cli, [*where, "save", "tass", "missile", "--source", "tass"]).stdout == "saved tass\n"
    assert runner.invoke(cli, [*where, "saved"]).stdout == "tass: missile --source tass\n"
    assert runner.invoke(cli, [*where, "alerts"]).stdout == "== tass: 0 new articles\n"
    result = runner.invoke(cli, [*where, "saved", "--delete", "nope"])
    assert (result.exit_code, result.stderr) == (1, "Error: no saved search named 'nope'\n")


def test_copies_fold_into_the_earliest(syndicated: tuple[SearchIndex, Path]) -> None:
    ix, _ = syndicated
    folded = ix.search('"x-band radar"', limit=10)
    assert sorted(h.id for h in folded.hits) == [SEED_ID, "02_kyodo_radar"]
    assert folded.total == 2
    assert next(h for h in folded.hits if h.id == "02_kyodo_radar").copies == 2
    every = ix.search('"x-band radar"', limit=10, all_copies=True)
    assert every.total == 4 and all(h.copies == 0 for h in every.hits)
    groups = ix.duplicates()
    assert [(g.leader.id, [c.id for c in g.copies]) for g in groups] == [("02_kyodo_radar", ["20_copy_a", "21_copy_b"])]


def test_similar_leaves_out_near_duplicates(syndicated: tuple[SearchIndex, Path]) -> None:
    ix, _ = syndicated
    ids = [h.id for h in ix.similar("20_copy_a", limit=5).hits]
    assert ids[0] == SEED_ID
    assert not {"02_kyodo_radar", "21_copy_b"} & set(ids)


def test_incremental_updates_keep_groups_right(syndicated: tuple[SearchIndex, Path]) -> None:
    ix, corpus = syndicated
    (corpus / "02_kyodo_radar.txt").unlink()  # the original goes: the next earliest leads
    ix.update([corpus])
    assert [(g.leader.id, [c.id for c in g.copies]) for g in ix.duplicates()] == [("20_copy_a", ["21_copy_b"])]
    (corpus / "21_copy_b.txt").write_text("Unrelated\n\nA different story entirely, about submarines and ports.\n")
    ix.update([corpus])
    assert ix.duplicates() == []
    syndicate(corpus, "22_copy_c.txt", "November 2, 2013", "Copied again.")
    ix.update([corpus])
    assert [g.leader.id for g in ix.duplicates()] == ["20_copy_a"]


def test_groups_survive_an_unrelated_run(syndicated: tuple[SearchIndex, Path]) -> None:
    ix, corpus = syndicated
    (corpus / "30_other.txt").write_text("Other\n\nSomething else happened, Reuters reported.\n")
    ix.update([corpus])
    assert [g.leader.id for g in ix.duplicates()] == ["02_kyodo_radar"]


def test_cli_duplicates_and_copies_note(syndicated: tuple[SearchIndex, Path]) -> None:
    ix, _ = syndicated
    runner = CliRunner()
    out = runner.invoke(cli, ["-i", str(ix.path), "search", "kyoto prefecture"]).stdout
    assert "+2 copies" in out
    out = runner.invoke(cli, ["-i", str(ix.path), "search", "kyoto prefecture", "--all-copies"]).stdout
    assert out.startswith("3 results")
    out = runner.invoke(cli, ["-i", str(ix.path), "duplicates"]).stdout
    assert out.splitlines()[0] == "1 group of near-duplicates"
    assert "  = 2013-10-23  Japan to Host Second X-Band Radar  [20_copy_a]" in out


@pytest.mark.parametrize("spare", [0, 10])
def test_folding_pages_and_totals_with_or_without_a_second_pass(
    syndicated: tuple[SearchIndex, Path], spare: int
) -> None:
    # Whoosh's path (the engine's folds arrays and needs no spare rows).
    ix, _ = syndicated
    searcher, cache = ix._current()
    built = ix.build("radar")
    pages = [
        executor._run_whoosh(searcher, cache, built, SearchOptions(sort="newest", limit=1, offset=k), spare)
        for k in range(3)
    ]
    assert {p.total for p in pages} == {3}  # the seed, 02 (with its 2 copies folded) and 03
    ids = [p.hits[0].id for p in pages]
    assert "20_copy_a" not in ids and "21_copy_b" not in ids
    assert ids == [h.id for h in ix.search("radar", sort="newest", limit=10).hits]


def test_timeline_counts_what_search_counts(syndicated: tuple[SearchIndex, Path]) -> None:
    ix, _ = syndicated
    folded = ix.search('"x-band radar"', facets=True)
    every = ix.search('"x-band radar"', all_copies=True)
    assert folded.total < every.total
    assert sum(b.hits for b in ix.timeline('"x-band radar"', by="year").buckets) == folded.total
    assert sum(b.hits for b in ix.timeline('"x-band radar"', by="year", all_copies=True).buckets) == every.total
    assert folded.facets is not None and sum(n for _, n in folded.facets.years) == folded.total

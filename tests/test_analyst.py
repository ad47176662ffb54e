"""Facets, timelines, similar articles, saved searches and alerts."""

from __future__ import annotations

import json
import shutil
import time
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from searchkit import NotFoundError, QueryError, SearchIndex, SearchkitError
from searchkit.analytics import build_timeline, period_label, period_start
from searchkit.cli import cli

from .conftest import LIBRARY, ROOT, SEED_ID


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


def test_timeline_by_year_fills_gaps(ix: SearchIndex) -> None:
    tl = ix.timeline("missile", by="year")
    assert tl.buckets[0].period == "1987" and tl.buckets[-1].period == "2013"
    assert len(tl.buckets) == 27
    assert [b.hits for b in tl.buckets if b.hits] == [4, 4]
    assert tl.undated == 1


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
    ix = SearchIndex(tmp_path / "ix")
    ix.update([corpus])
    ix.save_search("korea", "korea", sources=["yonhap"])
    assert [s.name for s in ix.saved_searches()] == ["korea"]
    assert ix.alerts()[0].results.total == 0  # nothing new since saving

    time.sleep(1.05)  # first-indexed times have one-second resolution
    (corpus / "10_new.txt").write_text("Korea Talks\n\nKorea and Japan met, Yonhap reported.\n\nMay 2, 2014\n")
    (corpus / "11_other.txt").write_text("Unrelated\n\nA story about radar, Kyodo reported.\n\nMay 2, 2014\n")
    ix.update([corpus])
    first = ix.alerts()
    assert [h.id for h in first[0].results.hits] == ["10_new"]
    assert ix.alerts()[0].results.total == 0  # marked seen

    # A rebuild re-reads every file but does not make old articles new.
    time.sleep(1.05)
    ix.update([corpus], rebuild=True)
    assert ix.alerts()[0].results.total == 0
    assert [s.name for s in ix.saved_searches()] == ["korea"]  # saved searches survive

    ix.delete_saved("korea")
    assert ix.saved_searches() == []
    with pytest.raises(NotFoundError):
        ix.delete_saved("korea")


def test_saving_a_broken_search_is_refused(tmp_path: Path) -> None:
    ix = SearchIndex(tmp_path / "ix")
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

"""Smoke run of benchmarks/run.py on ~300 Reuters stories.

Checks that the benchmark runs end to end and that the engines did the same
work (same documents, top-10 snippets, totals that roughly agree). It makes
no timing assertions: speed is what the benchmark reports, not what CI
should gate on.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REUTERS = SHARED / "corpora" / "reuters21578"
DOCS = 300

pytestmark = pytest.mark.skipif(
    not REUTERS.is_dir(), reason=f"needs the Reuters-21578 corpus at {REUTERS} (shared data folder missing)"
)


def _engines() -> list[str]:
    from benchmarks import engines

    return engines.available()  # tantivy only when importable (a benchmark-only extra)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("bench")
    out = work / "results.json"
    cmd = [
        sys.executable, str(ROOT / "benchmarks" / "run.py"),
        "--docs", str(DOCS), "--queries", "18", "--warmup", "9",
        "--engines", ",".join(_engines()), "--work", str(work), "--json", str(out),
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = json.loads(out.read_text())
    data["stdout"] = proc.stdout
    return data


def test_converter_records() -> None:
    from benchmarks import reuters

    recs = reuters.records(REUTERS, limit=50)
    assert len(recs) == 50
    assert recs[0]["id"] == "reuters-1"
    assert recs[0]["date"] == "1987-02-26"
    for rec in recs:
        assert set(rec) == {"id", "headline", "date", "body", "sources"}
        assert rec["headline"] and rec["body"]
        assert isinstance(rec["sources"], list)
        # &#3; and friends are gone, and so is the "Reuter" sign-off.
        assert not any(ord(c) < 32 and c != "\n" for c in rec["body"] + rec["headline"])
        assert not rec["body"].rstrip().endswith("Reuter")


def test_reuters_date() -> None:
    from benchmarks.reuters import parse_date

    assert str(parse_date("26-FEB-1987 15:01:01.79")) == "1987-02-26"
    assert str(parse_date(" 5-MAR-1987 09:58:18.63")) == "1987-03-05"
    assert parse_date("garbage") is None


def test_every_engine_did_the_same_work(run: dict[str, Any]) -> None:
    assert run["articles"] == DOCS
    n_queries = len(run["queries"])
    assert n_queries == 18
    # No query repeats inside the timing loop.
    assert len({(q["shape"], tuple(q["words"])) for q in run["queries"]}) == n_queries
    for name, res in run["engines"].items():
        q = res["query"]
        assert res["index"]["docs"] == DOCS, name
        assert res["index"]["size"] > 0 and res["index_rss"] > 0, name
        assert q["docs_before"] == DOCS and q["added"] == 200 and q["docs_after"] == DOCS + 200, name
        assert len(q["ms"]) == len(q["totals"]) == n_queries, name
        # Top 10 with a snippet each: as many snippets as hits, up to 10.
        assert q["shown"] == [min(t, 10) for t in q["totals"]], name
        assert sum(q["totals"]) > 0, name


def test_totals_roughly_agree(run: dict[str, Any]) -> None:
    totals = {n: r["query"]["totals"] for n, r in run["engines"].items()}
    sk = totals.pop("searchkit")
    assert totals, "no engine to compare searchkit with"
    for name, other in totals.items():
        close = sum(1 for a, b in zip(sk, other, strict=True) if abs(a - b) <= max(2, 0.25 * max(a, b)))
        assert close >= 0.8 * len(sk), (name, sk, other)


def test_report_prints_table_and_targets(run: dict[str, Any]) -> None:
    out = run["stdout"]
    assert "searchkit/fts5" in out
    assert "query filtered (date+source) p95 ms" in out
    assert "total hits agree?" in out
    assert out.count("PASS") + out.count("FAIL") == len(run["targets"]) == 5


def test_tantivy_column(run: dict[str, Any]) -> None:
    pytest.importorskip("tantivy", reason="tantivy is a benchmark-only extra (pip install tantivy)")
    assert "searchkit/tantivy" in run["stdout"]


def test_readers_benchmark_feed_is_the_dvids_stories(tmp_path: Path) -> None:
    from benchmarks import readers
    from searchkit.articles import read_file

    if not (readers.SHARED / "dvids" / "manifest.csv").exists():
        pytest.skip(f"needs {readers.SHARED / 'dvids'} (the shared data folder beside the project)")
    read = read_file(readers.dvids_feed(tmp_path / "dvids.rss"))
    assert (len(read.loaded), read.skipped) == (56, [])
    assert all(item.article.date and item.article.url for item in read.loaded)

"""benchmarks/web_load.py's load generator and its reading of Server-Timing,
on a tiny index (the benchmark itself needs ../shared's Reuters)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from benchmarks import web_load
from benchmarks.engines import QuerySpec
from searchkit import SearchIndex
from searchkit.web import create_app
from searchkit.web.server import running

from . import web_corpus


def test_load_counts_every_request_and_reads_the_library_time(tmp_path: Path) -> None:
    web_corpus.indexed(tmp_path)
    queries = [QuerySpec("word", "plain", ("radar",)), QuerySpec("phrase", "source", ("radar", "story"), source="TASS")]
    urls = [web_load.url_for("/api/search", q) for q in queries] + ["/api/search?q=radar&since=notadate"]
    assert urls[1] == "/api/search?q=%22radar+story%22&source=TASS"
    with SearchIndex(tmp_path / "index", create=False) as ix, running(create_app(ix)) as url:
        level = web_load.load(int(urlsplit(url).port or 0), urls, clients=3, requests=30, limit_s=60)
    assert len(level.latencies) == 30
    assert level.errors == 10  # the bad date: a 400 is counted, never hidden
    assert len(level.index) == len(level.wait) == 20  # the 200s: an error response carries no Server-Timing
    assert all(0 < t < 60 for t in level.index) and all(t >= 0 for t in level.wait)


def test_article_pages_are_timed_twice_and_a_missing_one_is_an_error(tmp_path: Path) -> None:
    web_corpus.indexed(tmp_path)
    with SearchIndex(tmp_path / "index", create=False) as ix, running(create_app(ix)) as url:
        ids = [h.id for h in ix.search("radar", limit=4).hits]
        port = int(urlsplit(url).port or 0)
        first, again = web_load.article_pages(port, ids)
        assert len(first) == len(again) == 3 and all(t > 0 for t in first + again)
        with pytest.raises(RuntimeError, match="/article/nope: 404"):
            web_load.article_pages(port, ["nope", ids[0]])

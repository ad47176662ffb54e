"""The web UI over HTTP (Starlette's TestClient): pages, the JSON API and
its agreement with the CLI, errors, escaping, the cross-site check and
concurrent clients."""

from __future__ import annotations

import json
import re
import shutil
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from searchkit import SearchIndex
from searchkit.cli import cli
from searchkit.web import create_app
from searchkit.web.failures import INTERNAL
from searchkit.web.security import CSP
from searchkit.web.server import running
from searchkit.web.shared import SharedIndex

from . import web_corpus

BASE = "http://localhost"  # a loopback name: the app refuses other Host headers


@pytest.fixture(scope="module")
def web_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index of tests/web_corpus.py, shared read-only by this module."""
    where = tmp_path_factory.mktemp("web")
    return web_corpus.indexed(where)


@pytest.fixture(scope="module")
def web_ix(web_dir: Path) -> Iterator[SearchIndex]:
    with SearchIndex(web_dir, create=False) as ix:
        yield ix


@pytest.fixture(scope="module")
def client(web_ix: SearchIndex) -> TestClient:
    return TestClient(create_app(web_ix), base_url=BASE)


@pytest.fixture()
def writable(tmp_path: Path, web_dir: Path) -> Iterator[tuple[TestClient, SearchIndex, Path]]:
    """A client over a private copy of the index, for tests that save or index."""
    copy = tmp_path / "index"
    shutil.copytree(web_dir, copy)
    with SearchIndex(copy, create=False) as ix:
        yield TestClient(create_app(ix), base_url=BASE), ix, copy


def cli_out(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def cli_error(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ")
    return result.stderr.removeprefix("Error: ").strip()


def hit_ids(html: str) -> list[str]:
    return re.findall(r'<li class="hit" value="\d+">\s*<h3><a href="/article/([^"#]+)"', html)


# -- the search page ---------------------------------------------------------


def test_search_page_lists_the_first_page_with_marked_snippets(client: TestClient, web_ix: SearchIndex) -> None:
    r = client.get("/", params={"q": "radar"})
    assert r.status_code == 200
    expected = web_ix.search("radar", limit=10)
    assert hit_ids(r.text) == [h.id for h in expected.hits]
    assert f"{expected.total} results (showing 1–10)" in r.text
    assert re.search(r"<mark>[Rr]adar</mark>", r.text)
    assert 'href="/?q=radar&amp;page=2"' in r.text  # Next, keeping the query


def test_paging_reaches_the_last_page(client: TestClient, web_ix: SearchIndex) -> None:
    total = web_ix.search("radar").total
    r = client.get("/", params={"q": "radar", "page": "3"})
    assert r.status_code == 200
    assert f"(showing 21–{total})" in r.text
    assert hit_ids(r.text) == [h.id for h in web_ix.search("radar", offset=20, limit=10).hits]
    assert 'rel="next"' not in r.text and 'rel="prev"' in r.text


def test_filters_sort_and_dates_are_the_library_s(client: TestClient, web_ix: SearchIndex) -> None:
    params = {"q": "radar", "source": ["TASS", "Xinhua"], "exclude_source": "Kyodo News", "since": "2013-01",
              "until": "2013-12", "sort": "oldest"}
    r = client.get("/", params=params)
    expected = web_ix.search("radar", sources=["TASS", "Xinhua"], exclude_sources=["Kyodo News"], since="2013-01",
                             until="2013-12", sort="oldest")
    assert expected.total > 2
    assert hit_ids(r.text) == [h.id for h in expected.hits]
    # The form comes back filled in, so the next search keeps the filters.
    assert 'value="TASS" checked' in r.text and 'value="2013-01"' in r.text
    assert '<option value="oldest" selected>' in r.text
    assert 'name="exclude_source" value="Kyodo News"' in r.text


def test_source_facet_counts_and_copies(client: TestClient, web_ix: SearchIndex) -> None:
    r = client.get("/", params={"q": "satellite radar pact"})
    facets = web_ix.search("satellite radar pact", facets=True).facets
    assert facets is not None
    for name, count in facets.sources:
        assert re.search(rf'value="{name}"> {name}</label>\s*<span class="count">{count}</span>', r.text)
    assert f'href="/article/{web_corpus.DUPLICATE_ID}#copies">+1 copy</a>' in r.text


def test_did_you_mean_links_the_corrected_query(client: TestClient) -> None:
    r = client.get("/", params={"q": "radr", "source": "TASS"})
    assert "No results." in r.text
    assert 'Did you mean <a href="/?q=radar&amp;source=TASS">radar</a>?' in r.text


def test_chart_has_a_bar_per_month_drawn_from_the_result_set(client: TestClient, web_ix: SearchIndex) -> None:
    r = client.get("/", params={"q": "radar"})
    svg = re.search(r'<svg class="timeline".*?</svg>', r.text, re.S)
    assert svg, "no chart"
    bars = re.findall(r'<rect class="bar" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"><title>([\d-]+): (\d+) results?</title>', svg.group(0))
    facets = web_ix.search("radar", facets=True).facets
    assert facets is not None
    months = dict(facets.months)
    first, last = min(months), max(months)
    assert bars[0][1] == first and bars[-1][1] == last
    assert len(bars) == (int(last[:4]) - int(first[:4])) * 12 + int(last[5:]) - int(first[5:]) + 1
    assert {period: int(n) for _, period, n in bars if int(n)} == months
    tallest = max(months.values())
    assert all((float(h) > 0) == (int(n) > 0) for h, _, n in bars)
    assert max(float(h) for h, _, n in bars if int(n) == tallest) > max(float(h) for h, _, n in bars if int(n) < tallest)
    assert "and 1 undated" not in r.text  # the undated note does not match "radar"


def test_landing_page_shows_the_index_and_browses_by_source(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert f"Search {len(web_corpus.records())} articles" in r.text
    assert 'href="/?q=%2A&amp;source=Kyodo+News">Kyodo News</a>' in r.text


# -- the article page --------------------------------------------------------


def test_article_page_shows_everything_and_its_copies(client: TestClient, web_ix: SearchIndex) -> None:
    r = client.get(f"/article/{web_corpus.DUPLICATE_ID}")
    assert r.status_code == 200
    article = web_ix.get(web_corpus.DUPLICATE_ID)
    assert f'<h1 id="headline">{article.headline}</h1>' in r.text
    assert '<dd id="date">2013-06-01</dd>' in r.text
    assert f'href="/article/{web_corpus.COPY_ID}"' in r.text.split('id="copies"')[1].split('id="similar"')[0]
    similar = web_ix.similar(web_corpus.DUPLICATE_ID, limit=5)
    assert similar.hits
    for hit in similar.hits:
        assert f'href="/article/{hit.id}"' in r.text.split('id="similar"')[1]
    for paragraph in article.body.split("\n\n"):
        assert f"<p>{paragraph}</p>" in r.text


def test_article_url_and_summary(client: TestClient) -> None:
    r = client.get("/article/radar-03")
    assert '<a href="https://news.example/radar/3" rel="noopener noreferrer">' in r.text
    assert "Summary of radar story 3." in r.text


def test_an_odd_id_survives_links_and_the_route(client: TestClient) -> None:
    r = client.get("/", params={"q": "identifier slash"})
    [link] = re.findall(r'<h3><a href="(/article/[^"]+)">Odd identifier note</a>', r.text)
    assert link == "/article/odd/id%20%231%3F"
    assert client.get(link).status_code == 200
    assert client.get("/api" + link).json()["id"] == web_corpus.ODD_ID


def test_unknown_article_is_a_404_page(client: TestClient) -> None:
    r = client.get("/article/no-such-id")
    assert r.status_code == 404
    assert "no article with id &#39;no-such-id&#39;" in r.text
    assert r.headers["content-type"].startswith("text/html")


# -- the API mirrors the CLI ------------------------------------------------


def test_api_search_is_the_cli_json_byte_for_byte(client: TestClient, web_dir: Path) -> None:
    r = client.get("/api/search", params={"q": "radar", "source": "TASS", "since": "2012-06", "limit": "4",
                                          "offset": "2", "sort": "newest", "facets": "1"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    expected = cli_out("-i", str(web_dir), "search", "radar", "--source", "TASS", "--since", "2012-06", "--limit",
                       "4", "--offset", "2", "--sort", "newest", "--facets", "--format", "json")
    assert r.text == expected
    assert len(json.loads(r.text)["hits"]) == 4


def test_api_search_all_copies_and_any(client: TestClient, web_dir: Path) -> None:
    r = client.get("/api/search", params={"q": "pact interceptor", "any": "1", "all_copies": "true"})
    expected = cli_out("-i", str(web_dir), "search", "pact interceptor", "--any", "--all-copies", "--format", "json")
    assert r.text == expected
    assert {web_corpus.DUPLICATE_ID, web_corpus.COPY_ID} <= {h["id"] for h in r.json()["hits"]}


def test_api_article_is_show_json(client: TestClient, web_dir: Path) -> None:
    r = client.get("/api/article/hostile")
    assert r.text == cli_out("-i", str(web_dir), "show", "hostile", "--format", "json")


def test_api_timeline_is_timeline_json(client: TestClient, web_dir: Path) -> None:
    r = client.get("/api/timeline", params={"q": "radar", "by": "year", "exclude_source": "TASS"})
    expected = cli_out("-i", str(web_dir), "timeline", "radar", "--by", "year", "--exclude-source", "TASS",
                       "--format", "json")
    assert r.text == expected


@pytest.mark.parametrize(
    ("url", "cli_args"),
    [
        ("/api/search?q=radar&since=notadate", ["search", "radar", "--since", "notadate"]),
        ("/api/search?q=radar&until=2013-02-30", ["search", "radar", "--until", "2013-02-30"]),
        ("/api/search?q=date:[x+TO+y]", ["search", "date:[x TO y]"]),
        ("/api/timeline?q=radar&by=decade", None),
        ("/api/search?q=radar&sort=best", None),
        ("/api/article/no-such-id", ["show", "no-such-id"]),
    ],
)
def test_api_errors_carry_the_cli_message(client: TestClient, web_dir: Path, url: str, cli_args: list[str] | None) -> None:
    r = client.get(url)
    assert r.status_code == (404 if "article" in url else 400)
    assert r.headers["content-type"] == "application/json"
    message = r.json()["error"]
    if cli_args:
        assert message == cli_error("-i", str(web_dir), *cli_args)
    assert "Traceback" not in r.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=-1", "limit must be at least 0, not -1"),
        ("limit=ten", "limit must be a whole number, not 'ten'"),
        ("offset=1.5", "offset must be a whole number, not '1.5'"),
        ("facets=maybe", "facets must be 1 or 0 (true or false), not 'maybe'"),
        ("sort=best", "unknown sort 'best': use one of relevance, newest, oldest"),
    ],
)
def test_api_parameter_errors(client: TestClient, query: str, message: str) -> None:
    r = client.get(f"/api/search?q=radar&{query}")
    assert (r.status_code, r.json()) == (400, {"error": message})


def test_api_empty_query_is_refused(client: TestClient) -> None:
    r = client.get("/api/search")
    assert r.status_code == 400
    assert "empty query" in r.json()["error"]


# -- errors on pages ----------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "notadate"}, "cannot read &#39;notadate&#39; as a date"),
        ({"page": "0"}, "page must be at least 1 and at most 1000, not 0"),
        ({"page": "two"}, "page must be a whole number, not &#39;two&#39;"),
        ({"sort": "best"}, "unknown sort &#39;best&#39;"),
    ],
)
def test_bad_parameter_shows_the_message_in_place(client: TestClient, params: dict[str, str], message: str) -> None:
    r = client.get("/", params={"q": "radar", **params})
    assert r.status_code == 400
    assert '<p class="error" role="alert">' in r.text and message in r.text
    # In place: the search form is still there, filled in, ready to correct.
    assert 'id="q" type="search" name="q" value="radar"' in r.text


def test_an_unexpected_error_shows_no_traceback(web_ix: SearchIndex, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(web_ix, "search", broken)
    client = TestClient(create_app(web_ix), base_url=BASE, raise_server_exceptions=False)
    page = client.get("/", params={"q": "radar"})
    api = client.get("/api/search", params={"q": "radar"})
    assert page.status_code == api.status_code == 500
    assert api.json() == {"error": INTERNAL}
    for r in (page, api):
        assert "secret internal detail" not in r.text and "Traceback" not in r.text
        assert r.headers["content-security-policy"] == CSP


def test_missing_index_is_a_503_with_the_cli_message(tmp_path: Path) -> None:
    # create=True defers the check to the first request, as an index removed
    # under a running server would.
    client = TestClient(create_app(SearchIndex(tmp_path / "nothing", create=True)), base_url=BASE)
    r = client.get("/api/search", params={"q": "radar"})
    assert r.status_code == 503
    assert r.json()["error"] == cli_error("-i", str(tmp_path / "nothing"), "search", "radar")
    assert client.get("/").status_code == 503


def test_unknown_path_and_method(client: TestClient) -> None:
    assert client.get("/nowhere").status_code == 404
    assert client.get("/api/nowhere").json() == {"error": "Not Found"}
    assert client.get("/saved/delete").status_code == 405


# -- untrusted text -----------------------------------------------------------


def _assert_inert(html: str) -> None:
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "<b>bold" not in html and "<i>summary" not in html
    assert "\x1b" not in html and "\x07" not in html
    assert "javascript:" not in html.split("Cite")[0].replace("javascript:alert(&#39;url&#39;)</dd>", "")


def test_hostile_text_renders_as_text_on_the_search_page(client: TestClient) -> None:
    r = client.get("/", params={"q": "radar report markup"})
    assert "hostile" in hit_ids(r.text)
    assert "&lt;script&gt;alert(&#34;headline&#34;)&lt;/script&gt; Radar &lt;b&gt;bold&lt;/b&gt; claim" in r.text
    assert "&lt;img src=x onerror=alert(&#34;body&#34;)&gt;" in r.text
    _assert_inert(r.text)


def test_hostile_text_renders_as_text_on_the_article_page(client: TestClient) -> None:
    r = client.get("/article/hostile")
    assert "&lt;script&gt;alert(&#34;headline&#34;)&lt;/script&gt;" in r.text
    assert "red[0m" not in r.text and "red terminal codes inside." in r.text
    # The javascript: URL is shown, never linked.
    assert 'href="javascript:' not in r.text
    assert "<dd>javascript:alert(&#39;url&#39;)</dd>" in r.text
    _assert_inert(r.text)


def test_hostile_query_is_escaped_where_it_is_echoed(client: TestClient) -> None:
    r = client.get("/", params={"q": '"><script>alert(1)</script>', "since": "<img src=x>"})
    assert r.status_code == 400
    assert "<script>" not in r.text and "<img" not in r.text
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in r.text


@pytest.mark.parametrize("url", ["/", "/?q=radar", "/article/hostile", "/api/search?q=radar", "/static/style.css",
                                 "/article/nope", "/saved"])
def test_every_response_carries_the_security_headers(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "script-src" not in CSP and "default-src 'none'" in CSP  # no script may run at all


def test_foreign_host_header_is_refused(client: TestClient) -> None:
    # A DNS-rebinding page would arrive with its own name as Host.
    assert client.get("/?q=radar", headers={"host": "attacker.example"}).status_code == 400
    assert client.get("/?q=radar", headers={"host": "127.0.0.1:8000"}).status_code == 200


# -- saved searches and alerts ----------------------------------------------


def test_saving_from_the_page_then_alerts(writable: tuple[TestClient, SearchIndex, Path], tmp_path: Path) -> None:
    client, ix, index_dir = writable
    form = {"name": "radar-tass", "q": "radar", "source": "TASS", "since": "2012"}
    r = client.post("/saved", data=form, headers={"origin": BASE}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/saved?done=saved")
    [saved] = ix.saved_searches()
    assert (saved.name, saved.query, saved.sources, saved.since) == ("radar-tass", "radar", ("TASS",), "2012")
    page = client.get("/saved")
    assert "radar-tass" in page.text and "0 new" in page.text

    # An article arrives (an index run by another writer); the page lists it, and looking does not mark it seen.
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps({"id": "late-radar", "headline": "Late radar story", "date": "2014-05-05",
                               "sources": ["TASS"], "body": "A late radar story for the alert test."}) + "\n")
    SearchIndex(index_dir).update([new])
    for _ in range(2):
        page = client.get("/saved")
        assert "1 new" in page.text and 'href="/article/late-radar"' in page.text
    r = client.post("/alerts/seen", headers={"origin": BASE}, follow_redirects=False)
    assert r.status_code == 303
    assert "0 new" in client.get("/saved").text

    r = client.post("/saved/delete", data={"name": "radar-tass"}, headers={"referer": BASE + "/saved"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert ix.saved_searches() == []


@pytest.mark.parametrize(
    "headers",
    [{}, {"origin": "http://attacker.example"}, {"origin": "null"}, {"referer": "http://attacker.example/x"},
     {"origin": "http://localhost:9999"}],
    ids=["none", "foreign-origin", "null-origin", "foreign-referer", "other-port"],
)
def test_cross_site_posts_are_refused(writable: tuple[TestClient, SearchIndex, Path], headers: dict[str, str]) -> None:
    client, ix, _ = writable
    r = client.post("/saved", data={"name": "evil", "q": "radar"}, headers=headers)
    assert r.status_code == 403
    assert "another site" in r.text
    assert ix.saved_searches() == []


def test_a_bad_name_is_shown_in_place(writable: tuple[TestClient, SearchIndex, Path]) -> None:
    client, ix, _ = writable
    r = client.post("/saved", data={"name": "bad name!", "q": "radar", "source": "TASS"}, headers={"origin": BASE})
    assert r.status_code == 400
    assert "bad name &#39;bad name!&#39;" in r.text
    assert 'name="source" value="TASS"' in r.text  # the attempt is kept, to correct and resend
    assert ix.saved_searches() == []


def test_an_unsaveable_query_is_refused(writable: tuple[TestClient, SearchIndex, Path]) -> None:
    client, ix, _ = writable
    r = client.post("/saved", data={"name": "x", "q": "radar", "since": "notadate"}, headers={"origin": BASE})
    assert r.status_code == 400 and "cannot read &#39;notadate&#39; as a date" in r.text
    assert ix.saved_searches() == []


def test_oversized_form_is_refused(writable: tuple[TestClient, SearchIndex, Path]) -> None:
    client, _, _ = writable
    r = client.post("/saved", content=b"name=x&q=" + b"a" * 70_000, headers={"origin": BASE,
                    "content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413


# -- live updates and concurrent clients ------------------------------------


def test_an_index_run_elsewhere_is_searchable_without_restart(writable: tuple[TestClient, SearchIndex, Path],
                                                             tmp_path: Path) -> None:
    client, _, index_dir = writable
    assert client.get("/api/search", params={"q": "zeppelin"}).json()["total"] == 0
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps({"id": "zep", "headline": "Zeppelin radar", "date": "2014-01-02",
                                 "body": "A zeppelin carried the radar."}) + "\n")
    SearchIndex(index_dir).update([extra])  # another SearchIndex: what another process would do
    assert [h["id"] for h in client.get("/api/search", params={"q": "zeppelin"}).json()["hits"]] == ["zep"]


QUERIES = ["radar", "missile OR satellite", '"early-warning radar"', "radar source:tass", "deployment",
           "navy drills", "*", "pact", "radar date:2013", "interceptor"]


@pytest.mark.parametrize("searchers", [1, 8])
def test_eight_concurrent_clients_get_the_answers_one_client_gets(web_ix: SearchIndex, searchers: int) -> None:
    app = create_app(web_ix, searchers=searchers)
    with running(app) as url:

        def get(query: str) -> str:
            target = url + "/api/search?" + urllib.parse.urlencode({"q": query, "facets": "1", "limit": "20"})
            with urllib.request.urlopen(target, timeout=30) as response:
                return str(response.read().decode())

        expected = {q: get(q) for q in QUERIES}
        failures: list[str] = []

        def client(k: int) -> None:
            for i in range(15):
                q = QUERIES[(k + i) % len(QUERIES)]
                try:
                    if get(q) != expected[q]:
                        failures.append(f"wrong answer for {q!r}")
                except Exception as exc:  # any error at all is a failure of the test
                    failures.append(f"{q!r}: {exc!r}")

        threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert failures == []
    assert all(json.loads(body)["total"] >= 0 for body in expected.values())



def test_server_timing_reports_the_library_call(client: TestClient) -> None:
    timing = client.get("/api/search", params={"q": "radar"}).headers["server-timing"]
    assert re.fullmatch(r'wait;dur=\d+\.\d\d;desc="free searcher", index;dur=\d+\.\d\d', timing)
    assert "server-timing" in client.get("/", params={"q": "radar"}).headers
    # A request that made no library call reports none (and never another request's).
    assert "server-timing" not in client.get("/", params={"q": "radar", "page": "x"}).headers
    assert "server-timing" not in client.get("/static/style.css").headers


def test_a_source_no_article_cites_is_named_with_the_nearest(client: TestClient, web_dir: Path) -> None:
    r = client.get("/", params={"q": "radar", "source": "Xinhau"})
    api = client.get("/api/search", params={"q": "radar", "source": "Xinhau"}).json()
    [warning] = api["warnings"]
    assert "Xinhua" in warning
    assert f'<p class="warning">{warning}</p>' in r.text.replace("&#39;", "'").replace("&#34;", '"')


def test_copies_are_found_anew_after_an_index_run(writable: tuple[TestClient, SearchIndex, Path], tmp_path: Path) -> None:
    client, ix, index_dir = writable
    page = client.get(f"/article/{web_corpus.COPY_ID}").text
    assert f'href="/article/{web_corpus.DUPLICATE_ID}"' in page.split('id="copies"')[1].split('id="similar"')[0]
    original = ix.get(web_corpus.DUPLICATE_ID)
    third = tmp_path / "third.jsonl"
    third.write_text(json.dumps({"id": "dup-third", "headline": "Radar pact, third copy", "date": "2013-06-09",
                                 "sources": ["TASS"], "body": "MOSCOW. " + original.body}) + "\n")
    SearchIndex(index_dir).update([third])
    copies = client.get(f"/article/{web_corpus.COPY_ID}").text.split('id="copies"')[1].split('id="similar"')[0]
    assert 'href="/article/dup-third"' in copies and f'href="/article/{web_corpus.DUPLICATE_ID}"' in copies


def _members(pool: SharedIndex, n: int, work: Callable[[SearchIndex], object]) -> list[tuple[SearchIndex, object]]:
    """``work`` on ``n`` members at once: nested calls, so each is lent while the others are busy."""
    if n == 0:
        return []
    return pool.call(lambda ix: [(ix, work(ix)), *_members(pool, n - 1, work)])


def test_the_pool_lends_each_searcher_to_one_call_and_opens_more_when_all_are_busy(web_ix: SearchIndex) -> None:
    pool = SharedIndex(web_ix, size=3)
    members = [ix for ix, _ in _members(pool, 3, lambda ix: None)]
    assert len({id(ix) for ix in members}) == 3 and members[0] is web_ix
    assert [ix for ix, _ in _members(pool, 3, lambda ix: None)] == members  # the same, not reopened (the last given back is lent first)
    # A fourth concurrent call waits until one is given back.
    order: list[str] = []
    release = threading.Event()

    def hold(ix: SearchIndex) -> None:
        order.append("held")
        release.wait(10)

    holders = [threading.Thread(target=pool.call, args=(hold,)) for _ in range(3)]
    for t in holders:
        t.start()
    while order.count("held") < 3:
        threading.Event().wait(0.01)
    waiter = threading.Thread(target=pool.call, args=(lambda ix: order.append("fourth"),))
    waiter.start()
    waiter.join(0.3)
    assert "fourth" not in order
    release.set()
    waiter.join(10)
    for t in holders:
        t.join(10)
    assert order == ["held"] * 3 + ["fourth"]
    pool.close()
    assert len(web_ix) > 0  # the caller's index stays open


def test_every_searcher_of_the_pool_sees_an_index_run_elsewhere(tmp_path: Path, web_dir: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(web_dir, copy)
    extra = tmp_path / "extra.jsonl"
    extra.write_text(json.dumps({"id": "zep", "headline": "Zeppelin radar", "date": "2014-01-02",
                                 "body": "A zeppelin carried the radar."}) + "\n")
    with SearchIndex(copy, create=False) as ix:
        pool = SharedIndex(ix, size=3)
        found = lambda ix: ix.search("zeppelin").total  # noqa: E731
        assert [n for _, n in _members(pool, 3, found)] == [0, 0, 0]
        SearchIndex(copy).update([extra])
        assert [n for _, n in _members(pool, 3, found)] == [1, 1, 1]
        pool.close()


def test_similar_articles_are_computed_once_per_article_until_the_index_changes(
    writable: tuple[TestClient, SearchIndex, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, ix, index_dir = writable
    calls: list[str] = []
    similar = SearchIndex.similar

    def counted(self: SearchIndex, article_id: str, limit: int = 10) -> object:
        calls.append(article_id)
        return similar(self, article_id, limit=limit)

    monkeypatch.setattr(SearchIndex, "similar", counted)
    first = client.get(f"/article/{web_corpus.COPY_ID}").text
    assert client.get(f"/article/{web_corpus.COPY_ID}").text == first
    assert calls == [web_corpus.COPY_ID]
    original = ix.get(web_corpus.COPY_ID)
    near = tmp_path / "near.jsonl"
    near.write_text(json.dumps({"id": "near-copy", "headline": original.headline + " again", "date": "2015-01-01",
                                "body": original.body.replace(".", ". Indeed.")}) + "\n")
    SearchIndex(index_dir).update([near])
    client.get(f"/article/{web_corpus.COPY_ID}")
    assert calls == [web_corpus.COPY_ID] * 2  # asked again: the index changed

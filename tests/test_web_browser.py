"""The web UI in a real browser: headless Debian chromium driven by
Playwright, against a real uvicorn on a loopback port.

Skips with a reason where chromium is not installed (a developer machine);
under CI=true a missing chromium fails instead, since .ci/run installs it.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from searchkit import SearchIndex, render
from searchkit.web import create_app
from searchkit.web.server import running

from . import browser, web_corpus

pytestmark = pytest.mark.slow

sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (pip install -e '.[test]')")
expect = sync_api.expect


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    reason = browser.missing_reason()
    if reason:
        if browser.in_ci():
            pytest.fail(f"CI=true but {reason}: .ci/run installs it")
        pytest.skip(reason)
    with sync_api.sync_playwright() as playwright:
        launched = browser.launch(playwright)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("browser")
    return web_corpus.indexed(where)


@pytest.fixture(scope="module")
def ix(index_dir: Path) -> Iterator[SearchIndex]:
    with SearchIndex(index_dir, create=False) as index:
        yield index


@pytest.fixture(scope="module")
def server(ix: SearchIndex) -> Iterator[str]:
    with running(create_app(ix)) as url:
        yield url


class Watched:
    """A page whose dialogs (alert() from injected script), CSP violations
    and failed subresources (stylesheet, icon) are recorded: all must stay
    empty. A page's own 400 or 404 is a subject of the tests, not a failure."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.violations: list[str] = []
        self.failed: list[str] = []
        page.on("dialog", self._dialog)
        page.on("console", self._console)
        page.on("response", self._response)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            self.violations.append(message.text)

    def _response(self, response: Any) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.failed.append(f"{response.status} {response.url}")


@pytest.fixture()
def page(chromium: Any) -> Iterator[Watched]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    watched = Watched(context.new_page())
    yield watched
    context.close()
    assert watched.dialogs == [], "a script ran"
    assert watched.violations == [], "the page breaks its own Content-Security-Policy"
    assert watched.failed == []


def params_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_search_filter_dates_page_and_open_an_article(page: Watched, server: str, ix: SearchIndex) -> None:
    p = page.page
    p.goto(server + "/")
    p.fill("#q", "radar")
    p.press("#q", "Enter")
    total = ix.search("radar").total
    expect(p.locator("#summary")).to_have_text(re.compile(rf"{total} results \(showing 1–10\)"))
    assert p.locator("mark").first.inner_text().lower() == "radar"

    # The chart is drawn: one bar per month, laid out with real height where there are hits.
    bars = p.locator("svg.timeline rect.bar")
    assert bars.count() >= 24
    box = p.locator("svg.timeline").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 50
    heights = [bars.nth(i).bounding_box()["height"] for i in range(bars.count())]  # type: ignore[index]
    assert max(heights) > 40 and sum(h > 0 for h in heights) >= 20

    # Page 2, then 3 (the last).
    p.click("nav.pager >> text=Next ›")
    expect(p.locator("#summary")).to_have_text(re.compile(r"showing 11–20"))
    p.click("nav.pager >> text=3")
    expect(p.locator("#summary")).to_have_text(re.compile(rf"showing 21–{total}"))

    # A source from the facet and a date range, applied together.
    p.check("ul.facet input[value='TASS']")
    p.fill("input[name=since]", "2012-06")
    p.fill("input[name=until]", "2013-12")
    p.click("#apply")
    expect(p.locator("#summary")).to_have_text(re.compile(r"results? \(showing 1–"))
    sent = params_of(p.url)
    assert sent["source"] == ["TASS"] and sent["since"] == ["2012-06"] and sent["until"] == ["2013-12"]
    assert "page" not in sent  # a new filter starts again from page 1
    expected = ix.search("radar", sources=["TASS"], since="2012-06", until="2013-12")
    assert f"{expected.total} result" in p.inner_text("#summary")
    shown = p.locator("li.hit h3 a").all_inner_texts()
    assert shown == [render.clean(h.headline) for h in expected.hits]
    assert all("TASS" in t for t in p.locator("li.hit .sources").all_inner_texts())
    expect(p.locator("ul.facet input[value='TASS']")).to_be_checked()

    # Open the first result.
    first = expected.hits[0]
    p.click(f"li.hit h3 a[href='/article/{first.id}']")
    expect(p.locator("#headline")).to_have_text(first.headline)
    expect(p.locator("#sources")).to_have_text("TASS")
    assert p.locator("#similar li").count() > 0
    assert render.clean(ix.get(first.id).body.split("\n\n")[0]) in p.inner_text("#body")


def test_did_you_mean_and_excluding_a_source(page: Watched, server: str, ix: SearchIndex) -> None:
    p = page.page
    p.goto(server + "/")
    p.fill("#q", "radr")
    p.press("#q", "Enter")
    expect(p.locator("#summary")).to_have_text("No results.")
    p.click("p.suggestion a")
    expect(p.locator("#q")).to_have_value("radar")
    p.click("ul.facet li:has(input[value='Kyodo News']) a.exclude")
    expect(p.locator(".left-out")).to_have_text("Kyodo News")
    expected = ix.search("radar", exclude_sources=["Kyodo News"])
    expect(p.locator("#summary")).to_have_text(re.compile(rf"^{expected.total} results"))
    assert "Kyodo News" not in " ".join(p.locator("li.hit .sources").all_inner_texts())


def test_hostile_text_is_shown_not_run(page: Watched, server: str) -> None:
    p = page.page
    p.goto(server + "/?q=radar+report+markup")
    headline = render.clean(web_corpus.HOSTILE_HEADLINE)
    expect(p.locator("li.hit h3 a").first).to_have_text(headline)
    assert "<img src=x onerror" in p.locator("li.hit .snippet").first.inner_text()
    p.click("li.hit h3 a >> nth=0")
    expect(p.locator("#headline")).to_have_text(headline)
    assert p.locator("script").count() == 0 and p.locator("img").count() == 0 and p.locator("b").count() == 0
    assert p.locator("a[href^='javascript:']").count() == 0
    # The page fixture then checks that no alert() ran and no CSP violation was logged.


def test_a_bad_date_is_shown_in_place(page: Watched, server: str) -> None:
    p = page.page
    p.goto(server + "/?q=radar")
    p.fill("input[name=since]", "notadate")
    p.click("#apply")
    expect(p.locator("p.error")).to_have_text("cannot read 'notadate' as a date")
    expect(p.locator("#q")).to_have_value("radar")
    expect(p.locator("input[name=since]")).to_have_value("notadate")


def test_save_a_search_from_the_page(chromium: Any, index_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    with SearchIndex(copy, create=False) as ix, running(create_app(ix)) as url:
        context = chromium.new_context()
        p = context.new_page()
        p.goto(url + "/?q=radar&source=TASS")
        p.fill("form.save input[name=name]", "radar-tass")
        p.click("form.save button")
        expect(p.locator("p.notice")).to_have_text("saved radar-tass")
        expect(p.locator("li.saved-search h2 a")).to_have_text("radar-tass")
        [saved] = ix.saved_searches()
        assert (saved.query, saved.sources) == ("radar", ("TASS",))
        p.click("li.saved-search button:has-text('Delete')")
        expect(p.locator("p.notice")).to_have_text("deleted radar-tass")
        assert ix.saved_searches() == []
        context.close()


def test_the_screenshot_script_draws_both_pages(chromium: Any, tmp_path: Path) -> None:
    from scripts import screenshots

    written = screenshots.take(chromium, tmp_path)
    assert [p.name for p in written] == ["search.png", "article.png"]
    for path in written:
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert width == screenshots.WIDTH and height > 900  # full pages, longer than one screen

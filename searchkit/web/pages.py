"""The HTML pages: search, article, saved searches and their alerts.

Each page is one call into the library on a SearchIndex of its own
(``SharedIndex.call``) and a template. A library error the user caused (a bad date, a bad name) is shown
in place on the page that caused it, with the status ``failures.describe``
gives it; every other error goes to the app's one handler.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import QueryParams
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from .. import export
from ..errors import SearchkitError
from ..search import SearchIndex
from . import chart, params, templating
from .copies import CopyFinder
from .failures import describe
from .security import same_origin
from .shared import SharedIndex

SIMILAR = 5
ALERT_HITS = 10
TOP_SOURCES = 30
# A saved-search form is a few hundred bytes; refuse to buffer more.
MAX_FORM_BYTES = 64 * 1024
PAGER_WINDOW = 3

# The query language, beside the query box (the README's table, shortened).
SYNTAX = (
    ("missile defense", "both words (stemmed)"),
    ('"missile defense"', "the exact phrase"),
    ('"fired missiles"~5', "words within 5 positions"),
    ("radar OR satellite", "either word"),
    ("NOT tass, (a OR b) AND c", "boolean logic"),
    ("headline:radar", "a word in one field (headline, body)"),
    ("source:kyodo", "articles citing a source"),
    ("date:1987-03", "a year or month; date:[1987-03 TO 1987-06] a range"),
    ("telemet*, telemtry~", "wildcard, fuzzy match"),
    ("oil w/5 prices, north pre/1 korea", "within 5 words; in order"),
    ("seoul /s drill, seoul /p drill", "same sentence; same paragraph"),
    ("atleast3(oil), lead:oil, =START", "3+ mentions; headline or lead; exact case"),
    ("*", "every article (browse with the filters)"),
)


def _shared(request: Request) -> SharedIndex:
    shared: SharedIndex = request.app.state.index
    return shared


def _pages(total: int) -> int:
    return max(1, -(-total // params.PAGE_SIZE))


def _pager(page: int, pages: int) -> list[int]:
    low, high = max(1, page - PAGER_WINDOW), min(pages, page + PAGER_WINDOW)
    return list(range(low, high + 1))


def search_page(request: Request) -> Response:
    form = params.Search.read(request.query_params)
    context: dict[str, Any] = {
        "form": form,
        "syntax": SYNTAX,
        "error": None,
        "results": None,
        "chart": None,
        "stats": None,
        "top_sources": (),
        "page": 1,
        "pages": 1,
        "pager": [],
    }
    status = 200
    try:
        if form.q.strip():
            page = params.page_number(request.query_params)
            offset = (page - 1) * params.PAGE_SIZE

            def run(ix: SearchIndex) -> Any:
                # The CLI's search call: its results plus a warning for a source name no article cites.
                return export.run_search(
                    ix,
                    form.q,
                    sort=form.sort,
                    recency=form.recency,
                    limit=params.PAGE_SIZE,
                    offset=offset,
                    facets=True,
                    **form.filters(),
                ).results

            results = _shared(request).call(run)
            pages = _pages(results.total)
            context.update(
                results=results,
                chart=chart.build(results.facets) if results.facets else None,
                page=page,
                pages=pages,
                pager=_pager(page, pages),
            )
        else:
            stats, sources = _shared(request).call(lambda ix: (ix.stats(), ix.source_counts()))
            context.update(stats=stats, top_sources=sources[:TOP_SOURCES])
    except SearchkitError as exc:
        failure = describe(exc)
        context["error"] = failure.message
        status = failure.status
    return templating.page("search.html", context, status, _shared(request).server_timing())


def _link(url: str | None) -> str | None:
    """Only web addresses become links (never javascript: or data:)."""
    if url and urlsplit(url.strip()).scheme.lower() in ("http", "https"):
        return url.strip()
    return None


def article_page(request: Request) -> Response:
    article_id = request.path_params["article_id"]

    finder: CopyFinder = request.app.state.copies

    def load(ix: SearchIndex) -> Any:
        return ix.get(article_id), finder.of(ix, article_id), finder.similar(ix, article_id, SIMILAR)

    article, copies, similar = _shared(request).call(load)
    context = {
        "form": params.Search(),
        "article": article,
        "paragraphs": [p for p in article.body.split("\n\n") if p.strip()],
        "link": _link(article.url),
        "copies": copies,
        "similar": similar,
        "api": "/api/article/" + quote(article_id, safe=""),
    }
    return templating.page("article.html", context, headers=_shared(request).server_timing())


def _saved_context(ix: SearchIndex) -> dict[str, Any]:
    # Peek: looking at the page must not mark anything seen.
    return {"alerts": ix.alerts(limit=ALERT_HITS, mark_seen=False)}


def saved_page(request: Request) -> Response:
    context = _shared(request).call(_saved_context)
    context.update(
        form=params.Search(),
        error=None,
        attempt=None,
        notice=request.query_params.get("done"),
    )
    return templating.page("saved.html", context)


async def _form(request: Request) -> QueryParams:
    """The posted form, after the cross-site check; refuses big bodies."""
    if not same_origin(request):
        raise HTTPException(403, "refused a form posted from another site (its Origin is not this server)")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise HTTPException(413, f"form larger than {MAX_FORM_BYTES} bytes")
    return QueryParams(body.decode("utf-8", errors="replace"))


def _done(message: str) -> RedirectResponse:
    # Post/redirect/get: reloading the page does not post again.
    return RedirectResponse("/saved?" + str(QueryParams({"done": message})), status_code=303)


async def save_search(request: Request) -> Response:
    fields = await _form(request)
    search = params.Search.read(fields)
    name = (fields.get("name") or "").strip()
    shared = _shared(request)
    try:
        await run_in_threadpool(shared.call, lambda ix: ix.save_search(name, search.q, **search.filters()))
    except SearchkitError as exc:
        failure = describe(exc)
        context = await run_in_threadpool(shared.call, _saved_context)
        context.update(form=params.Search(), error=failure.message, attempt={"name": name, "search": search},
                       notice=None)
        return templating.page("saved.html", context, failure.status)
    return _done(f"saved {name}")


async def delete_saved(request: Request) -> Response:
    fields = await _form(request)
    name = fields.get("name") or ""
    await run_in_threadpool(_shared(request).call, lambda ix: ix.delete_saved(name))
    return _done(f"deleted {name}")


async def mark_seen(request: Request) -> Response:
    await _form(request)
    await run_in_threadpool(_shared(request).call, lambda ix: ix.alerts(limit=0, mark_seen=True))
    return _done("marked every alert seen")

"""The JSON API: the same documents as the CLI's ``--format json``.

Each response is made by the very calls the CLI's command makes:
``export.run_search`` (hits with their url, warnings for source names no
article cites) and ``render.emit(view, "json")`` for search;
``render.article_view`` for show; ``render.timeline_view`` (``render.comparison_view`` with ``compare``) for timeline;
``render.terms_view`` for terms.
So a response and the CLI's output for the same query are byte for byte
the same (tests/test_web.py compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .. import export, render
from ..search import SearchIndex
from . import params
from .shared import SharedIndex


def _shared(request: Request) -> SharedIndex:
    shared: SharedIndex = request.app.state.index
    return shared


def _answer(request: Request, work: Callable[[SearchIndex], render.View]) -> Response:
    # Rendered inside the lock: a search's hits are read from the index as the document is built.
    text = _shared(request).call(lambda ix: "".join(render.emit(work(ix), "json")))
    return Response(text, media_type="application/json", headers=_shared(request).server_timing())


def search(request: Request) -> Response:
    kwargs: dict[str, Any] = params.search_kwargs(request.query_params)
    query, limit, offset = kwargs.pop("q"), kwargs.pop("limit"), kwargs.pop("offset")

    def run(ix: SearchIndex) -> render.View:
        found = export.run_search(
            ix, query, limit=limit, offset=offset, fields=render.DEFAULT_FIELDS, stream=True, **kwargs
        )
        return render.results_view(render.HitList(found.results, list(found.hits()), render.DEFAULT_FIELDS))

    return _answer(request, run)


def article(request: Request) -> Response:
    article_id = request.path_params["article_id"]
    return _answer(request, lambda ix: render.article_view(ix.get(article_id)))


def timeline(request: Request) -> Response:
    """``searchkit timeline --format json``; each ``compare`` (repeatable) adds a
    series on the same periods, as ``--compare`` does."""
    form = params.Search.read(request.query_params)
    by = params.text(request.query_params, "by") or "month"
    options = params.read_options(request.query_params, params.TIMELINE_PARAMS)
    compare = params.texts(request.query_params, "compare")

    def run(ix: SearchIndex) -> render.View:
        if compare:
            return render.comparison_view(ix.timelines([form.q, *compare], by, options), False)
        return render.timeline_view(ix.timeline(form.q, by, options), False)

    return _answer(request, run)


def terms(request: Request) -> Response:
    """``searchkit terms --format json``: the query's significant terms (``limit``, ``min_count``)."""
    form = params.Search.read(request.query_params)
    options = params.read_options(request.query_params, params.TIMELINE_PARAMS)
    limit = params.whole_number(request.query_params, "limit", 25)
    min_count = params.whole_number(request.query_params, "min_count", 3, minimum=1)
    return _answer(request, lambda ix: render.terms_view(ix.terms(form.q, options, limit=limit, min_count=min_count)))

"""The JSON API: the same documents as the CLI's ``--format json``.

Each response is render.py's rendering, the one the CLI prints, followed by
the newline ``click.echo`` adds, so a response and the CLI's output for the
same query are byte for byte the same (tests/test_web.py compares them).
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response

from .. import render
from . import params
from .shared import SharedIndex


def _shared(request: Request) -> SharedIndex:
    shared: SharedIndex = request.app.state.index
    return shared


def _json(request: Request, text: str) -> Response:
    headers = _shared(request).server_timing()
    return Response(text + "\n", media_type="application/json", headers=headers)


def search(request: Request) -> Response:
    kwargs = params.search_kwargs(request.query_params)
    return _json(request, render.results_json(_shared(request).call(lambda ix: ix.search(**kwargs))))


def article(request: Request) -> Response:
    article_id = request.path_params["article_id"]
    found = _shared(request).call(lambda ix: ix.get(article_id))
    # As `searchkit show --format json` prints it (cli.py's json.dumps call).
    return _json(request, json.dumps(render.article_dict(found), ensure_ascii=False, indent=2))


def timeline(request: Request) -> Response:
    form = params.Search.read(request.query_params)
    by = params.text(request.query_params, "by") or "month"
    filters = {**form.filters(), "any_words": params.flag(request.query_params, "any")}
    found = _shared(request).call(lambda ix: ix.timeline(form.q, by=by, **filters))
    return _json(request, render.timeline_json(found))

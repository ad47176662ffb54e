"""The Starlette application: routes, middleware and the one error handler."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import SearchkitError
from ..search import SearchIndex
from . import api, pages, params, templating
from .copies import CopyFinder
from .failures import describe
from .security import HEADERS, SecurityHeaders, allowed_hosts
from .shared import DEFAULT_SIZE, SharedIndex

STATIC = Path(__file__).parent / "static"
log = logging.getLogger("searchkit.web")


async def on_error(request: Request, exc: Exception) -> Response:
    """Every error response, API and pages alike, comes from here."""
    failure = describe(exc)
    if failure.status >= 500 and not isinstance(exc, (SearchkitError, HTTPException)):
        # Starlette re-raises after this response, so the server logs the traceback.
        log.error("%s %s failed: %r", request.method, request.url.path, exc)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": failure.message}, status_code=failure.status, headers=HEADERS)
    return templating.page("error.html", {"failure": failure, "form": params.Search()}, failure.status)


def _closing(shared: SharedIndex) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        shared.close()  # the searchers the pool opened; the caller's index stays the caller's

    return lifespan


def create_app(index: SearchIndex, hosts: Sequence[str] | None = None, searchers: int = DEFAULT_SIZE) -> Starlette:
    """The web UI over one open index; ``hosts`` are the Host names served
    (loopback names by default, see security.allowed_hosts); up to
    ``searchers`` requests search at once, each on its own SearchIndex
    (``index`` is the first; see shared.py)."""
    routes = [
        Route("/", pages.search_page),
        Route("/article/{article_id:path}", pages.article_page),
        Route("/saved", pages.saved_page, methods=["GET"]),
        Route("/saved", pages.save_search, methods=["POST"]),
        Route("/saved/delete", pages.delete_saved, methods=["POST"]),
        Route("/alerts/seen", pages.mark_seen, methods=["POST"]),
        Route("/api/search", api.search),
        Route("/api/article/{article_id:path}", api.article),
        Route("/api/timeline", api.timeline),
        Route("/api/terms", api.terms),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    shared = SharedIndex(index, searchers)
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(TrustedHostMiddleware, allowed_hosts=list(hosts or allowed_hosts("127.0.0.1"))),
        ],
        exception_handlers={SearchkitError: on_error, HTTPException: on_error, Exception: on_error},
        lifespan=_closing(shared),
    )
    app.state.index = shared
    app.state.copies = CopyFinder()
    return app

"""Defaults that keep a local UI from being used by other web pages.

* Content-Security-Policy: nothing but this server's own stylesheet loads,
  no script runs (the UI has none), forms post only here, no framing. Even
  an escaping mistake could not run a script.
* Host check: a page elsewhere that rebinds its DNS name to 127.0.0.1 sends
  its own name as Host; only loopback names are served when bound to
  loopback.
* Same-origin POSTs: a form on another site can post to localhost; saving
  and deleting refuse a request whose Origin (or, without one, Referer) is
  not this server.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # Same-origin requests keep their Referer (the fallback of the POST check).
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
_RAW_HEADERS = [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")


def allowed_hosts(bind: str) -> list[str]:
    """The Host names to answer to when listening on ``bind``."""
    if bind in LOOPBACK_NAMES or bind.startswith("127."):
        return sorted({*LOOPBACK_NAMES, bind})
    # Bound to a LAN address (or all of them): the user chose to be reached
    # under names this process cannot know.
    return ["*"]


class SecurityHeaders:
    """Adds HEADERS to every response, static files and errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in _RAW_HEADERS if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def same_origin(request: Request) -> bool:
    """True when the request comes from a page of this server."""
    origin = request.headers.get("origin")
    if origin is None:
        referer = request.headers.get("referer")
        if not referer:
            return False
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    host = request.headers.get("host")
    if not host or origin == "null":
        return False
    return origin.lower() == f"{request.url.scheme}://{host}".lower()

"""The one place where errors become status codes and messages.

The API answers ``{"error": message}`` and the pages show ``message`` in
place; the message is the library's own text, the same the CLI prints after
``Error:``. Anything unexpected becomes a 500 with no detail: tracebacks go
to the server's log, never to a page.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.exceptions import HTTPException

from ..errors import (
    IndexCorruptError,
    IndexLockedError,
    IndexMissingError,
    IndexVersionError,
    NotFoundError,
    QueryError,
    SearchkitError,
)

INTERNAL = "internal error: the server's log has the details"


@dataclass(frozen=True)
class Failure:
    status: int
    message: str


def describe(exc: BaseException) -> Failure:
    if isinstance(exc, NotFoundError):
        return Failure(404, str(exc))
    if isinstance(exc, QueryError):
        return Failure(400, str(exc))
    if isinstance(exc, (IndexMissingError, IndexLockedError)):
        return Failure(503, str(exc))  # may clear by itself: an index run is under way
    if isinstance(exc, (IndexCorruptError, IndexVersionError)):
        return Failure(500, str(exc))  # the message says how to fix it
    if isinstance(exc, SearchkitError):
        return Failure(400, str(exc))  # e.g. a bad saved-search name
    if isinstance(exc, HTTPException):
        return Failure(exc.status_code, str(exc.detail))
    if isinstance(exc, OSError):
        # As the CLI reports it, e.g. "Permission denied: index/saved.json".
        return Failure(500, f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
    return Failure(500, INTERNAL)

"""Request parameters to library arguments, with the CLI's names and rules.

``source`` and ``exclude_source`` repeat like ``--source`` and
``--exclude-source``; an empty form field means "not given", so a search
form submitted with a blank date box searches without that filter. Values
the library checks (dates, sort, period) are passed through for it to
refuse, so the message is the library's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from ..errors import QueryError

PAGE_SIZE = 10
# Deep pages cost a collector as long as offset + limit: stop well before
# that is a burden (10,000 hits, the library's own cap on a page).
MAX_PAGE = 1000
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


# A query string, or a posted form parsed as one (pages._form).
Params = QueryParams


def text(params: Params, name: str) -> str | None:
    value = params.get(name)
    return value if isinstance(value, str) and value.strip() else None


def texts(params: Params, name: str) -> tuple[str, ...]:
    return tuple(v for v in params.getlist(name) if isinstance(v, str) and v.strip())


def whole_number(params: Params, name: str, default: int, minimum: int = 0, maximum: int | None = None) -> int:
    raw = params.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise QueryError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise QueryError(f"{name} must be at least {minimum}{upper}, not {value}")
    return value


def flag(params: Params, name: str) -> bool:
    raw = params.get(name)
    if raw is None:
        return False
    value = str(raw).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise QueryError(f"{name} must be 1 or 0 (true or false), not {raw!r}")


@dataclass(frozen=True)
class Search:
    """A search as the page and the API take it; builds the page's links."""

    q: str = ""
    sources: tuple[str, ...] = ()
    exclude_sources: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    sort: str = "relevance"
    any_words: bool = False

    @classmethod
    def read(cls, params: Params) -> Search:
        """Never raises: the page refills its form from whatever was sent."""
        any_raw = str(params.get("any") or "").strip().lower()
        return cls(
            q=params.get("q") or "",
            sources=texts(params, "source"),
            exclude_sources=texts(params, "exclude_source"),
            since=text(params, "since"),
            until=text(params, "until"),
            sort=text(params, "sort") or "relevance",
            any_words=any_raw in _TRUE,
        )

    def filters(self) -> dict[str, Any]:
        """The keyword arguments search, timeline and save_search share."""
        return {
            "sources": list(self.sources),
            "exclude_sources": list(self.exclude_sources),
            "since": self.since,
            "until": self.until,
            "any_words": self.any_words,
        }

    def pairs(self, **changes: Any) -> list[tuple[str, str]]:
        """Query-string pairs of this search with ``changes`` applied."""
        values = {
            "q": self.q,
            "source": self.sources,
            "exclude_source": self.exclude_sources,
            "since": self.since,
            "until": self.until,
            "sort": None if self.sort == "relevance" else self.sort,
            "any": "1" if self.any_words else None,
            "page": None,
        }
        values.update(changes)
        out: list[tuple[str, str]] = []
        for key, value in values.items():
            for item in _many(value):
                out.append((key, str(item)))
        return out

    def url(self, **changes: Any) -> str:
        return "/?" + urlencode(self.pairs(**changes))

    def adding(self, key: str, value: str) -> str:
        """The link that adds one value of a repeatable filter."""
        current: Sequence[str] = self.sources if key == "source" else self.exclude_sources
        return self.url(**{key: [*current, value]}) if value not in current else self.url()

    def removing(self, key: str, value: str) -> str:
        current: Sequence[str] = self.sources if key == "source" else self.exclude_sources
        return self.url(**{key: [v for v in current if v != value]})


def _many(value: Any) -> Iterable[Any]:
    if value is None or value == "":
        return ()
    if isinstance(value, (list, tuple)):
        return value
    return (value,)


def page_number(params: Params) -> int:
    return whole_number(params, "page", 1, minimum=1, maximum=MAX_PAGE)


def search_kwargs(params: Params) -> dict[str, Any]:
    """/api/search's parameters as ``SearchIndex.search`` arguments
    (the CLI's defaults: ten hits, relevance order)."""
    search = Search.read(params)
    return {
        "q": search.q,
        "sort": search.sort,
        "limit": whole_number(params, "limit", 10),
        "offset": whole_number(params, "offset", 0),
        "facets": flag(params, "facets"),
        "all_copies": flag(params, "all_copies"),
        **search.filters(),
        "any_words": flag(params, "any"),
    }


"""Request parameters to library arguments, with the CLI's names and rules.

``source`` and ``exclude_source`` repeat like ``--source`` and
``--exclude-source``; an empty form field means "not given", so a search
form submitted with a blank date box searches without that filter. Values
the library checks (dates, sort, period) are passed through for it to
refuse, so the message is the library's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from ..errors import QueryError
from ..options import FLAGGED, SAVED, TIMELINE, SearchOptions, as_params, kind, spelling

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


# The options a search form carries (the page's links keep them): the
# filters, the order and the recency weighting; paging is the page number's.
FORM = tuple(n for n in FLAGGED if n in SAVED or n in ("sort", "recency"))
# The options /api/timeline reads.
TIMELINE_PARAMS = tuple(n for n in FLAGGED if n in TIMELINE)


def _read(params: Params, name: str, strict: bool) -> Any:
    """Option ``name``'s value from its parameter; absent or blank: its default.
    Not ``strict`` (the form), a flag reads any other value as false."""
    param, typ, default = spelling(name).param, kind(name), getattr(SearchOptions(), name)
    assert param is not None, name
    if typ is tuple:
        return texts(params, param)
    if typ is bool:
        return flag(params, param) if strict else str(params.get(param) or "").strip().lower() in _TRUE
    if typ is int:
        return whole_number(params, param, default)
    return text(params, param) or default


def read_options(params: Params, names: Sequence[str] = FLAGGED, strict: bool = True) -> SearchOptions:
    """SearchOptions ``names`` from request parameters (the CLI's names, repeatable)."""
    return SearchOptions(**{name: _read(params, name, strict) for name in names})


@dataclass(frozen=True)
class Search:
    """A search as the page and the API take it; builds the page's links.

    Its options read as attributes too (``form.sources``, ``form.sort``).
    """

    q: str = ""
    options: SearchOptions = field(default_factory=SearchOptions)

    def __getattr__(self, name: str) -> Any:
        if name in FORM:
            return getattr(self.options, name)
        raise AttributeError(name)

    @classmethod
    def read(cls, params: Params) -> Search:
        """Never raises: the page refills its form from whatever was sent."""
        return cls(q=params.get("q") or "", options=read_options(params, FORM, strict=False))

    def filters(self) -> dict[str, Any]:
        """The keyword arguments search, timeline and save_search share."""
        return {name: getattr(self.options, name) for name in SAVED}

    def pairs(self, **changes: Any) -> list[tuple[str, str]]:
        """Query-string pairs of this search with ``changes`` (by parameter name) applied."""
        # Every parameter in its place first, so that a link's order never depends on what is set.
        values: dict[str, Any] = {"q": self.q, **{spelling(n).param or n: None for n in FORM}}
        for param, value in as_params(self.options, FORM):
            values[param] = [*_many(values.get(param)), value]
        values["page"] = None
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
    return {"q": params.get("q") or "", **dataclasses.asdict(read_options(params))}


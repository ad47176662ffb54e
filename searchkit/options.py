"""The options of a search, declared once: ``SearchOptions``.

Every way into a search (the API's keywords, the CLI's flags, the web's
parameters, a saved search, an export manifest) reads and writes these
fields through this module, so an option is added in one place: a field
here, with its CLI flag and web parameter in the field's metadata
(:class:`Option`). Nothing heavy is imported: the CLI builds its options
from this module before any engine module loads.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .recency import parse_half_life
from .settings import SORTS

# What an option is for, which decides who takes it:
# FILTER options build the query (saved searches keep them, timeline takes them);
# COUNT options change what is counted (timeline takes them too);
# PAGE options choose which hits a search returns and how;
# INTERNAL options are the library's own (no flag, no parameter).
FILTER = "filter"
COUNT = "count"
PAGE = "page"
INTERNAL = "internal"


@dataclass(frozen=True)
class Option:
    """How one option is spelled outside Python.

    ``flag`` is the CLI's (None: the CLI has none), ``param`` the web's
    (None: the web has none); ``help`` is the CLI's help text.
    """

    role: str
    flag: str | None = None
    param: str | None = None
    help: str = ""
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    # Checks a value as given (raises SearchkitError naming it), so that the
    # CLI refuses a bad one as a usage error before anything runs.
    check: Callable[[str], object] | None = None


def _meta(role: str, **spelling: Any) -> dict[str, Option]:
    return {"option": Option(role, **spelling)}


# The date filters' help, kept apart so that each field stays one declaration line.
SINCE_HELP = "From DATE (e.g. 2013-10, 'March 1987', 7d), inclusive."
UNTIL_HELP = "Up to DATE, inclusive (1987-03 includes March 31)."


@dataclass(frozen=True)
class SearchOptions:
    """Filters, order, paging and counting of a search (everything but the query text).

    Sequences are kept as tuples and dates as given (text such as
    ``2013-10`` or ``7d``, or a ``date``); the query side checks them.
    """

    # Only articles citing any of these sources.
    sources: tuple[str, ...] = field(
        default=(),
        metadata=_meta(
            FILTER, flag="--source", param="source", metavar="S", help="Only articles citing S (repeatable: any of)."
        ),
    )
    # Leave out articles citing any of these.
    exclude_sources: tuple[str, ...] = field(
        default=(),
        metadata=_meta(
            FILTER, flag="--exclude-source", param="exclude_source", metavar="S", help="Leave out articles citing S."
        ),
    )
    # From this date, inclusive (a month or year from its first day).
    since: str | date | None = field(
        default=None, metadata=_meta(FILTER, flag="--since", param="since", metavar="DATE", help=SINCE_HELP)
    )
    # Up to this date, inclusive (a month or year to its last day).
    until: str | date | None = field(
        default=None, metadata=_meta(FILTER, flag="--until", param="until", metavar="DATE", help=UNTIL_HELP)
    )
    # Result order: one of settings.SORTS.
    sort: str = field(default="relevance", metadata=_meta(PAGE, flag="--sort", param="sort", choices=SORTS))
    # Match any word of the query instead of all of them.
    any_words: bool = field(
        default=False, metadata=_meta(FILTER, flag="--any", param="any", help="Match any word instead of all words.")
    )
    # Hits to return (capped at search.MAX_LIMIT); 0 gives the count only.
    limit: int = field(default=10, metadata=_meta(PAGE, flag="--limit", param="limit", help="Hits to show or export."))
    # Hits to skip (paging).
    offset: int = field(default=0, metadata=_meta(PAGE, flag="--offset", param="offset", help="Hits to skip (paging)."))
    # Also count every hit by source, year and month.
    facets: bool = field(
        default=False,
        metadata=_meta(PAGE, flag="--facets", param="facets", help="Also count all hits by source, year and month."),
    )
    # Every near-duplicate copy instead of one per group (the earliest).
    all_copies: bool = field(
        default=False,
        metadata=_meta(
            COUNT,
            flag="--all-copies",
            param="all_copies",
            help="Show every near-duplicate copy instead of folding them.",
        ),
    )
    # Relevance decayed by age, halved per this half-life ("90d", "2y"; recency.py).
    recency: str | None = field(
        default=None,
        metadata=_meta(
            PAGE,
            flag="--recency",
            param="recency",
            metavar="HALF_LIFE",
            help="Weigh relevance by age: a score halves per HALF_LIFE (90d, 12w, 6m, 2y) before the newest article.",
            check=parse_half_life,
        ),
    )
    # Try a did-you-mean spelling when the query finds little.
    suggest_spelling: bool = field(default=True, metadata=_meta(INTERNAL))
    # Only articles first committed after this index generation (alerts).
    arrived_after: int | None = field(default=None, metadata=_meta(INTERNAL))

    def __post_init__(self) -> None:
        # Lists from callers and JSON become tuples (the options stay
        # hashable), and one name given alone is one name, not its letters.
        for name in ("sources", "exclude_sources"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, (value,))
            elif not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value or ()))

    @classmethod
    def of(cls, options: SearchOptions | None = None, /, **changes: Any) -> SearchOptions:
        """``options`` (default: the defaults) with ``changes`` applied;
        an unknown name is a TypeError, as for a misspelt keyword."""
        unknown = sorted(set(changes) - _NAME_SET) if changes else ()
        if unknown:
            raise TypeError(f"unknown search option {unknown[0]!r}: use one of {', '.join(NAMES)}")
        if options is None:
            return cls(**changes)  # one construction, not the defaults' and then a replace
        return dataclasses.replace(options, **changes) if changes else options

    def only(self, names: Iterable[str]) -> SearchOptions:
        """These options with every other one at its default."""
        return SearchOptions(**{name: getattr(self, name) for name in names})

    def record(self, names: Iterable[str] = ()) -> dict[str, Any]:
        """The options named (default: all) as JSON-ready values, in field order."""
        wanted = set(names) or set(NAMES)
        return {name: _plain(getattr(self, name)) for name in NAMES if name in wanted}


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _spelt(options: SearchOptions, names: Iterable[str], where: str) -> Iterator[tuple[str, Any]]:
    """(spelling, value) of each option in ``names`` that is not at its
    default; ValueError for one that ``where`` ("flag" or "param") cannot give."""
    for name in tuple(names) or NAMES:
        value = getattr(options, name)
        if value == _FIELDS[name].default:
            continue
        spelt = getattr(spelling(name), where)
        if spelt is None or (isinstance(value, bool) and not value):
            raise ValueError(f"option {name}={value!r} has no {where} to give it with")
        yield spelt, value


def as_flags(options: SearchOptions, names: Iterable[str] = ()) -> list[str]:
    """The command-line arguments that give ``options`` (defaults give none)."""
    args: list[str] = []
    for flag, value in _spelt(options, names, "flag"):
        if isinstance(value, tuple):
            args += [a for v in value for a in (flag, str(v))]
        elif isinstance(value, bool):
            args.append(flag)
        else:
            args += [flag, str(value)]
    return args


def as_params(options: SearchOptions, names: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The web parameters that give ``options`` (defaults give none)."""
    pairs: list[tuple[str, str]] = []
    for param, value in _spelt(options, names, "param"):
        if isinstance(value, tuple):
            pairs += [(param, str(v)) for v in value]
        else:
            pairs.append((param, "1" if value is True else str(value)))
    return pairs


def spelling(name: str) -> Option:
    """The metadata of option ``name``."""
    spelt: Option = _FIELDS[name].metadata["option"]
    return spelt


def kind(name: str) -> type:
    """The Python type of option ``name``'s values: tuple, bool, int or str."""
    default = _FIELDS[name].default
    return type(default) if default is not None else int if name == "arrived_after" else str


def from_record(record: Mapping[str, Any], names: Iterable[str]) -> SearchOptions:
    """Options read back from ``record`` (JSON from the catalog), keeping ``names``."""
    values: dict[str, Any] = {}
    for name in names:
        if name not in record or record[name] is None:
            continue
        value = record[name]
        typ = kind(name)
        if typ is tuple:
            values[name] = tuple(str(v) for v in value)
        elif typ is bool:
            values[name] = bool(value)
        elif typ is int:
            values[name] = int(value)
        else:
            values[name] = str(value)
    return SearchOptions(**values)


_FIELDS = {f.name: f for f in dataclasses.fields(SearchOptions)}
NAMES = tuple(_FIELDS)
_NAME_SET = frozenset(NAMES)
# The options that build the query (query.build_query reads these).
QUERY = (*(n for n in NAMES if spelling(n).role == FILTER), "arrived_after")
# What a saved search keeps: the filters, not the page.
SAVED = tuple(n for n in NAMES if spelling(n).role == FILTER)
# What a timeline counts by: the filters and the counting options.
TIMELINE = tuple(n for n in NAMES if spelling(n).role in (FILTER, COUNT))
# The options the command line (and the web) can give.
FLAGGED = tuple(n for n in NAMES if spelling(n).flag)

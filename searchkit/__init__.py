"""searchkit: full-text search for defense and security news archives."""

from __future__ import annotations

# Before anything imports Whoosh: two of its imports no command uses wait for their first use.
from . import whoosh_imports
from .errors import (
    ArticleError,
    DateParseError,
    IndexCorruptError,
    IndexLockedError,
    IndexMissingError,
    IndexVersionError,
    NotFoundError,
    QueryError,
    SearchkitError,
)

# Not `from typing import ...`: the entry point (searchkit.client) imports this
# package on every command, and typing is a few milliseconds of it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .articles import load_article, parse_article
    from .indexer import UpdateReport
    from .options import SearchOptions
    from .query import BuiltQuery
    from .reports import (
        Alert,
        Bucket,
        Comparison,
        SavedSearch,
        SignificantTerms,
        Stats,
        Term,
        Timeline,
    )
    from .results import (
        Article,
        Copy,
        DuplicateGroup,
        Facets,
        Hit,
        Results,
    )
    from .search import SearchIndex

__version__ = "0.1.0"

whoosh_imports.install()

# Loaded on first use (PEP 562): `searchkit --help` and `import searchkit`
# need none of the index, reader or query machinery.
_LAZY = {
    "load_article": "articles",
    "parse_article": "articles",
    "UpdateReport": "indexer",
    "SearchOptions": "options",
    "BuiltQuery": "query",
    "SearchIndex": "search",
    **{name: "results" for name in ("Article", "Copy", "DuplicateGroup", "Facets", "Hit", "Results")},
    **{
        name: "reports"
        for name in ("Alert", "Bucket", "Comparison", "SavedSearch", "SignificantTerms", "Stats", "Term", "Timeline")
    },
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'searchkit' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "Alert",
    "Article",
    "ArticleError",
    "Bucket",
    "BuiltQuery",
    "Comparison",
    "Copy",
    "DateParseError",
    "DuplicateGroup",
    "Facets",
    "Hit",
    "IndexCorruptError",
    "IndexLockedError",
    "IndexMissingError",
    "IndexVersionError",
    "NotFoundError",
    "QueryError",
    "Results",
    "SavedSearch",
    "SearchIndex",
    "SearchOptions",
    "SearchkitError",
    "SignificantTerms",
    "Stats",
    "Term",
    "Timeline",
    "UpdateReport",
    "__version__",
    "load_article",
    "parse_article",
]

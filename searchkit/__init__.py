"""searchkit: full-text search for defense and security news archives."""

from .articles import Article, load_article, parse_article
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
from .indexer import UpdateReport
from .search import Hit, Results, SearchIndex, Stats

__version__ = "0.1.0"

__all__ = [
    "Article",
    "ArticleError",
    "DateParseError",
    "Hit",
    "IndexCorruptError",
    "IndexLockedError",
    "IndexMissingError",
    "IndexVersionError",
    "NotFoundError",
    "QueryError",
    "Results",
    "SearchIndex",
    "SearchkitError",
    "Stats",
    "UpdateReport",
    "__version__",
    "load_article",
    "parse_article",
]

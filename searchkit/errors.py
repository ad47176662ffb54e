"""The one exception hierarchy of searchkit.

The library raises these and never prints or exits; the CLI maps them to
one-line messages and exit codes in a single place.
"""

from __future__ import annotations


class SearchkitError(Exception):
    """Base class of every error searchkit raises on purpose."""


class ArticleError(SearchkitError):
    """A file could not be read or parsed as an article."""


class QueryError(SearchkitError):
    """A query or filter value that cannot mean anything (e.g. an invalid date)."""


class DateParseError(QueryError):
    """A date filter value that no date format reads."""


class IndexMissingError(SearchkitError):
    """There is no index at the given location yet."""


class IndexVersionError(SearchkitError):
    """The index was written by another schema version of searchkit."""


class IndexCorruptError(SearchkitError):
    """The folder is not a usable searchkit index (foreign or damaged)."""


class IndexLockedError(SearchkitError):
    """Another process holds the index's write lock."""


class NotFoundError(SearchkitError):
    """No article with the requested id."""


class PathMissingError(SearchkitError):
    """A path given to index does not exist: nothing was changed."""


class NothingReadError(SearchkitError):
    """An index run found no article file it could read: nothing was changed."""


class SavedExistsError(SearchkitError):
    """A saved search of that name exists and replacing it was not asked for."""

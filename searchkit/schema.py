"""The Whoosh schema and the two field types that parse their own queries.

``date`` and ``sources`` parse inline query syntax (``date:1987``,
``source:kyodo``) themselves, so that the query language and the
``since``/``sources`` options go through the same date and alias rules.
"""

from __future__ import annotations

from datetime import date

from whoosh import query
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from .analysis import news_analyzer
from .dates import period
from .errors import SearchkitError
from .gazetteer import source_key

# Bump whenever an index written by an older searchkit would be read wrongly.
# 2: postings in searchkit's codec (searchkit.codec), tokens NFKC-normalised
# and combining marks kept inside words (searchkit.analysis).
# 3: sentence and paragraph boundaries and exact-case forms (searchkit.boundaries).
# 4: searchkit.termfile term dictionaries (sorted keys and narrowed statistic arrays
# instead of W3's hash file), and single postings of fields without positions held
# by the dictionary (codec.inline_mask).
SCHEMA_VERSION = 4

HEADLINE = "headline"
BODY = "body"
SEARCH_FIELDS = (HEADLINE, BODY)


def as_text(value: str | bytes) -> str:
    """Whoosh returns column values and terms as bytes or str by field type."""
    return value.decode("utf-8") if isinstance(value, bytes) else value


def day_number(day: date) -> int:
    """Days are stored as proleptic ordinals; 0 means undated."""
    return day.toordinal()


class DateField(NUMERIC):
    """A day number that reads ``date:1987``, ``date:[1987-03 TO 1987-06]``."""

    def __init__(self) -> None:
        # default=0 so undated articles sort after every dated one on
        # "newest" and never fall inside a range.
        super().__init__(int, bits=32, stored=True, sortable=True, default=0, signed=False)

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> query.Query:
        lo, hi = period(qstring)
        return query.NumericRange(fieldname, day_number(lo), day_number(hi), boost=boost)

    def parse_range(
        self,
        fieldname: str,
        start: str | None,
        end: str | None,
        startexcl: bool,
        endexcl: bool,
        boost: float = 1.0,
    ) -> query.Query:
        lo = day_number(period(start)[0]) if start else 1
        hi = day_number(period(end)[1]) if end else day_number(date.max)
        return query.NumericRange(fieldname, lo, hi, startexcl, endexcl, boost=boost)


class SourceField(KEYWORD):
    """Canonical source names, matched through the gazetteer's aliases."""

    def __init__(self) -> None:
        super().__init__(commas=True, lowercase=True, scorable=False)

    def self_parsing(self) -> bool:
        return True

    def parse_query(self, fieldname: str, qstring: str, boost: float = 1.0) -> query.Query:
        return query.Term(fieldname, source_key(qstring), boost=boost)

    def parse_range(self, *args: object, **kwargs: object) -> query.Query:
        raise SearchkitError("source: takes a name, not a range")


def build_schema() -> Schema:
    text = news_analyzer()
    return Schema(
        id=ID(stored=True, unique=True, sortable=True),
        # chars=True stores character offsets in the postings, so snippets
        # can find matches without re-analysing each hit's text.
        # multitoken_query="phrase": a query word that analyses to several
        # tokens ("x-band", "tpy-2") must match them in sequence.
        headline=TEXT(analyzer=text, stored=True, multitoken_query="phrase"),
        body=TEXT(analyzer=text, stored=True, chars=True, multitoken_query="phrase"),
        summary=TEXT(analyzer=text, stored=True, multitoken_query="phrase"),
        date=DateField(),
        sources=SourceField(),
        source_names=STORED(),
        path=ID(stored=True, sortable=True),
        digest=ID(stored=True, sortable=True),
        url=STORED(),
        # Who published it (a feed's title, a sidecar's publisher column).
        publisher=STORED(),
        indexed_at=NUMERIC(int, bits=64, stored=True, sortable=True),
        # Unstemmed vocabulary (which articles use each word) for
        # did-you-mean; Whoosh's own corrector works on stemmed terms.
        words=KEYWORD(scorable=False),
        # Near-duplicate detection: the smallest sketch values as terms to
        # find candidates, and the packed sketch as a column to verify them
        # without unpickling any stored text.
        anchors=KEYWORD(scorable=False),
        sketch=COLUMN(VarBytesColumn()),
        # The analyst's operators (searchkit.boundaries): where the body's
        # sentences and paragraphs start, as token positions (/s, /p, lead:),
        # and the forms written with a capital letter (=START).
        bounds=COLUMN(VarBytesColumn()),
        exact=KEYWORD(scorable=False),
    )

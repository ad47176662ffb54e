"""Which reader a file gets: by its name first, by its content where the
name lies or says nothing certain.

By name (``reader_for_name``):
- ``.txt`` text in the seed layout; ``.html``/``.htm``/``.xhtml``/``.xht``
  pages; ``.rss``/``.atom`` feeds; ``.xml`` a feed or a page, by content;
  ``.jsonl``/``.ndjson`` (and ``.gz`` of them) JSON Lines; ``.csv`` a
  sidecar (no body column) or one article a row (a body column).
- Not articles, whatever the extension: ``SOURCE*``, ``README*``,
  ``LICENSE*``/``LICENCE*``, ``COPYING*``, ``NOTICE*``, ``AUTHORS*``,
  ``CHANGELOG*``/``CHANGES*``, ``CONTRIBUTING*`` (provenance and project
  notes that ship beside corpora), and hidden files.
- Anything else is an unsupported type, reported by extension.

By content (``sniff``, on the first ``SNIFF_BYTES``): a ``.txt`` or
``.xml`` file that starts as markup is read as the page or feed it is; a
page that is really a feed as a feed; and a ``.txt`` file that is a word
list (``looks_like_word_list``) is not an article.
"""

from __future__ import annotations

import re
from pathlib import Path

TEXT = "text"
HTML = "html"
FEED = "feed"
JSONL = "jsonl"
CSV = "csv"

LABELS = {TEXT: "text", HTML: "HTML", FEED: "feed", JSONL: "JSON Lines", CSV: "CSV"}

_BY_SUFFIX = {
    ".txt": TEXT,
    ".text": TEXT,
    ".html": HTML,
    ".htm": HTML,
    ".xhtml": HTML,
    ".xht": HTML,
    ".rss": FEED,
    ".atom": FEED,
    ".xml": FEED,  # decided by content
    ".jsonl": JSONL,
    ".ndjson": JSONL,
    ".jsonl.gz": JSONL,
    ".ndjson.gz": JSONL,
    ".csv": CSV,
}

_NOT_ARTICLE_RE = re.compile(
    r"^(source|readme|licen[cs]e|copying|notice|authors|changelog|changes|contributing)(\..*)?$", re.IGNORECASE
)


def suffix_of(path: Path) -> str:
    """The extension that names the type: ``.jsonl.gz`` for a gzipped one."""
    name = path.name.lower()
    if name.endswith(".gz"):
        inner = Path(name[:-3]).suffix
        return f"{inner}.gz" if inner else ".gz"
    return path.suffix.lower()


def not_article_reason(path: Path) -> str | None:
    """Why a file is plainly not an article by its name, or None."""
    if path.name.startswith("."):
        return "hidden file"
    match = _NOT_ARTICLE_RE.match(path.name)
    if match:
        return f"not an article ({match.group(1).upper()} file)"
    return None


def reader_for_name(path: Path) -> str | None:
    return _BY_SUFFIX.get(suffix_of(path))


_FEED_RE = re.compile(rb"<(rss|feed|rdf:RDF)\b[^>]*>", re.IGNORECASE)
_RSS1_RE = re.compile(rb"purl\.org/rss/1\.0|<channel\b", re.IGNORECASE)
_HTML_RE = re.compile(rb"<(!doctype\s+html|html|head|body)\b", re.IGNORECASE)


def _ascii_head(head: bytes) -> bytes:
    """The head with UTF-16 text narrowed to bytes, so markup tests see it."""
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        codec = "utf-16"
        try:
            return head[: len(head) - len(head) % 2].decode(codec, "ignore").encode("ascii", "ignore")
        except UnicodeDecodeError:
            return head
    return head.lstrip(b"\xef\xbb\xbf")


def sniff(reader: str, head: bytes) -> str | None:
    """The reader the content asks for, given the one the name chose.

    None for an ``.xml`` file that is neither a feed nor a page.
    """
    if reader not in (TEXT, HTML, FEED):
        return reader
    start = _ascii_head(head).lstrip()
    if not start.startswith(b"<"):
        return TEXT if reader == TEXT else (None if reader == FEED and not start else reader)
    feed = _FEED_RE.search(start)
    is_feed = feed and (feed.group(1).lower() != b"rdf:rdf" or _RSS1_RE.search(start))
    if feed and is_feed and not _HTML_RE.search(start[: feed.start()]):
        return FEED
    if _HTML_RE.search(start):
        return HTML
    return TEXT if reader == TEXT else None


def looks_like_word_list(text: str) -> bool:
    """A gazetteer or word list rather than an article.

    Articles have a headline and a blank line before the body; a list is
    many short lines and no paragraph break: at least 5 lines, none blank
    between the first and the last, and 9 in 10 of at most 8 words (the
    MUC-3/4 gazetteers have a few long entries).
    """
    lines = text.strip().splitlines()
    if len(lines) < 5 or any(not line.strip() for line in lines):
        return False
    short = sum(len(line.split()) <= 8 for line in lines)
    return short >= 0.9 * len(lines)

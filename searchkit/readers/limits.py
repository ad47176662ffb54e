"""Every limit a reader enforces, in one place (the README lists them).

Reaching one is never a crash: the file, or the one record, is reported as
skipped with the limit named, and the rest of the run goes on.
"""

from __future__ import annotations

# One article: a .txt or HTML file, one JSON Lines record, one CSV row.
# Bigger than any news article; past it the input is a dump or a mistake.
MAX_ARTICLE_BYTES = 10 * 1024 * 1024

# A feed is parsed whole (feedparser needs the document), so it gets a bound
# of its own, well above a real feed's size.
MAX_FEED_BYTES = 64 * 1024 * 1024

# A sidecar manifest is loaded whole to look rows up by file name.
MAX_SIDECAR_BYTES = 64 * 1024 * 1024

# JSON nesting (objects and arrays inside each other): an article record is
# two or three deep; Python's parser recurses and would overflow near 1,000.
MAX_JSON_DEPTH = 32

# Digits in one JSON number: Python refuses integers past 4,300 digits with a
# ValueError; nothing in an article record needs more than a few.
MAX_JSON_NUMBER_DIGITS = 100

# How much of a file is looked at to tell its type when the extension lies.
SNIFF_BYTES = 8192

"""Option values the command line needs before any engine module loads.

``searchkit --help`` must start in a blink: click builds every command's
options at import time, so their choices and defaults live here, in a module
that imports nothing, and the modules that own their meaning import them.
"""

from __future__ import annotations

# Result orders ``search`` accepts (query.check_sort, the --sort option).
SORTS = ("relevance", "newest", "oldest")
# Timeline periods (analytics, the --by option).
PERIODS = ("day", "week", "month", "year")
# Seconds an index run waits for another writer's lock (indexer.update, --wait).
DEFAULT_WAIT = 30.0
# Output formats every command offers (render.emit, --format).
FORMATS = ("text", "json", "jsonl", "csv")

"""Saved searches, kept in ``saved.json`` beside the index.

The file is outside Whoosh's files, so ``--rebuild`` keeps it. Each search
remembers the newest first-indexed time it has seen; ``alerts`` lists what
arrived after that.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import NotFoundError, SearchkitError
from .storage import now_iso

SAVED_FILE = "saved.json"
_NAME_RE = re.compile(r"^[\w.-]{1,64}$")


@dataclass(frozen=True)
class SavedSearch:
    name: str
    query: str
    sources: tuple[str, ...] = ()
    exclude_sources: tuple[str, ...] = ()
    since: str | None = None
    until: str | None = None
    any_words: bool = False
    created: str = field(default_factory=now_iso)
    # Newest first-indexed time (Unix seconds) already reported by alerts.
    seen_until: int = 0

    def options(self) -> dict[str, Any]:
        return {
            "sources": list(self.sources),
            "exclude_sources": list(self.exclude_sources),
            "since": self.since,
            "until": self.until,
            "any_words": self.any_words,
        }


def _file(index_dir: Path) -> Path:
    return index_dir / SAVED_FILE


def load(index_dir: Path) -> dict[str, SavedSearch]:
    try:
        raw = json.loads(_file(index_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise SearchkitError(f"cannot read saved searches in {_file(index_dir)}: {exc}") from exc
    found = {}
    for item in raw.get("searches", []):
        item["sources"] = tuple(item.get("sources", ()))
        item["exclude_sources"] = tuple(item.get("exclude_sources", ()))
        found[item["name"]] = SavedSearch(**item)
    return found


def store(index_dir: Path, searches: dict[str, SavedSearch]) -> None:
    """Writes atomically: a crash leaves the old file or the new, never half."""
    index_dir.mkdir(parents=True, exist_ok=True)
    doc = {"searches": [asdict(s) for s in sorted(searches.values(), key=lambda s: s.name)]}
    tmp = _file(index_dir).with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, _file(index_dir))


def check_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise SearchkitError(f"bad name {name!r}: use up to 64 letters, digits, '.', '_' or '-'")
    return name


def delete(index_dir: Path, name: str) -> None:
    searches = load(index_dir)
    if name not in searches:
        raise NotFoundError(f"no saved search named {name!r}")
    del searches[name]
    store(index_dir, searches)


def mark_seen(index_dir: Path, seen: dict[str, int]) -> None:
    searches = load(index_dir)
    for name, stamp in seen.items():
        if name in searches:
            searches[name] = replace(searches[name], seen_until=max(stamp, searches[name].seen_until))
    store(index_dir, searches)

"""What an index run would read, and the one-line report of it.

``survey`` walks like the indexer and decides each file's reader the way
``read_file`` will (name, then content), without parsing anything: the
basis of ``searchkit index --dry-run`` and of the run report that names
what was not read, by type.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..articles import NOT_ARTICLE, UNSUPPORTED, Skipped
from ..errors import ArticleError
from . import filetypes
from .dispatch import choose_reader
from .fileio import decode, open_regular
from .limits import SNIFF_BYTES
from .walk import Tally, _is_index_folder, walk


@dataclass(frozen=True)
class Planned:
    path: str
    reader: str | None  # None: not read, see ``skipped``
    skipped: Skipped | None = None


@dataclass
class Survey:
    files: list[Planned] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)

    def summary(self) -> str:
        read: Counter[tuple[str, str]] = Counter()
        unsupported: Counter[str] = Counter()
        not_articles = errors = 0
        for f in self.files:
            if f.reader is not None:
                read[(filetypes.suffix_of(Path(f.path)) or "(no extension)", filetypes.LABELS[f.reader])] += 1
            elif f.skipped is not None and f.skipped.kind == UNSUPPORTED:
                unsupported[f.skipped.reason.removeprefix("unsupported type ")] += 1
            elif f.skipped is not None and f.skipped.kind == NOT_ARTICLE:
                not_articles += 1
            else:
                errors += 1
        parts = [
            f"{n:,} {suffix} read as {label}"
            for (suffix, label), n in sorted(read.items(), key=lambda x: (-x[1], x[0]))
        ]
        if not parts:
            parts.append("no article files found")
        if self.tally.sidecars:
            names = ", ".join(os.path.basename(s) for s in self.tally.sidecars[:3])
            more = "" if len(self.tally.sidecars) <= 3 else ", ..."
            n = len(self.tally.sidecars)
            parts.append(f"{n} sidecar {'file' if n == 1 else 'files'} applied ({names}{more})")
        if unsupported:
            n = sum(unsupported.values())
            kinds = ", ".join(f"{k} ({v})" for k, v in sorted(unsupported.items(), key=lambda x: (-x[1], x[0])))
            parts.append(f"{n:,} {'file' if n == 1 else 'files'} of unsupported type skipped: {kinds}")
        if not_articles:
            what = "not an article" if not_articles == 1 else "not articles"
            parts.append(f"{not_articles:,} {what} (README, LICENSE, SOURCE, word lists...)")
        if self.tally.ignored:
            folders = sum(1 for p in self.tally.ignored if p.endswith(os.sep) and _is_index(p))
            if len(self.tally.ignored) > folders:
                parts.append(f"{len(self.tally.ignored) - folders:,} ignored by .searchkitignore")
            if folders:
                parts.append(f"{folders} index {'folder' if folders == 1 else 'folders'} left out")
        if errors:
            parts.append(f"{errors:,} unreadable")
        return "; ".join(parts)


def _is_index(folder: str) -> bool:
    try:
        return _is_index_folder(os.listdir(folder))
    except OSError:
        return False


def _plan(path: Path) -> Planned:
    choice = choose_reader(path)
    if isinstance(choice, Skipped):
        return Planned(str(path), None, choice)
    if choice == filetypes.TEXT:
        try:
            with open_regular(path) as f:
                head = f.read(SNIFF_BYTES)
            if filetypes.looks_like_word_list(decode(head)[0]):
                return Planned(str(path), None, Skipped(str(path), "a word list, not an article", NOT_ARTICLE))
        except ArticleError:
            pass  # empty, binary, unreadable: the text reader reports it, file by file
    return Planned(str(path), choice)


def survey(paths: Iterable[str | os.PathLike[str]]) -> Survey:
    result = Survey()
    for item in walk(paths, result.tally):
        if isinstance(item, Skipped):
            result.files.append(Planned(item.path, None, item))
        else:
            result.files.append(_plan(item))
    return result

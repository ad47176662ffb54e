"""Finding article files under the paths of an index run.

Directories are walked in a stable order, following symlinks but never the
same directory twice, so a symlink loop cannot hang a run. What is not
read is never silent: an unreadable folder or a missing path comes back as
a ``Skipped`` error (its articles may still exist), files of unsupported
types and files that are plainly not articles as ``Skipped`` of those
kinds. Sidecars are not articles and are not yielded: readers apply them.

A ``.searchkitignore`` file in a walked folder (gitignore syntax, read by
pathspec) leaves out the paths it matches below that folder; the
``Tally`` passed in counts what it left out.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..articles import ERROR, NOT_ARTICLE, UNSUPPORTED, Skipped
from ..catalog import CATALOG_FILE
from .fileio import os_reason
from .filetypes import not_article_reason, reader_for_name, suffix_of
from .sidecar import is_sidecar

if TYPE_CHECKING:
    import pathspec

IGNORE_FILE = ".searchkitignore"


@dataclass
class Tally:
    """What a walk left out without a Skipped entry."""

    ignored: list[str] = field(default_factory=list)  # by .searchkitignore, and index folders
    sidecars: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Rules:
    base: str
    spec: pathspec.PathSpec


def _load_rules(folder: str) -> _Rules | Skipped | None:
    path = os.path.join(folder, IGNORE_FILE)
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            lines = f.read(1024 * 1024).splitlines()
    except OSError as exc:
        return Skipped(path, f"cannot read ignore file: {os_reason(exc)}")
    # Imported here: a walk of folders without an ignore file (every
    # no-change run of a plain corpus) does not pay its 16 ms.
    import pathspec

    return _Rules(folder, pathspec.GitIgnoreSpec.from_lines(lines))


def _ignored(rules: list[_Rules], path: str, is_dir: bool) -> bool:
    for r in rules:
        rel = os.path.relpath(path, r.base).replace(os.sep, "/")
        if r.spec.match_file(rel + "/" if is_dir else rel):
            return True
    return False


# Older searchkit indexes marked their folder with this file instead.
LEGACY_INDEX_MARK = "searchkit.json"


def _is_index_folder(filenames: list[str]) -> bool:
    names = set(filenames)
    return CATALOG_FILE in names or (LEGACY_INDEX_MARK in names and any(n.endswith(".toc") for n in names))


def classify(path: Path) -> Skipped | None:
    """Why walk would not yield this file, or None when a reader takes it."""
    reason = not_article_reason(path)
    if reason:
        return Skipped(str(path), reason, NOT_ARTICLE)
    if reader_for_name(path) is None:
        suffix = suffix_of(path) or "(no extension)"
        return Skipped(str(path), f"unsupported type {suffix}", UNSUPPORTED)
    return None


def walk(paths: Iterable[str | os.PathLike[str]], tally: Tally | None = None) -> Iterator[Path | Skipped]:
    """Yields the article files under ``paths``, and Skipped for the rest."""
    tally = tally if tally is not None else Tally()
    seen_dirs: set[tuple[int, int]] = set()
    for raw in paths:
        p = Path(raw)
        try:
            p.stat()
        except OSError as exc:
            yield Skipped(str(p), os_reason(exc), ERROR)
            continue
        if not p.is_dir():
            # Named on the command line: read it even if its name says
            # "README", but still tell sidecars and unsupported types apart.
            if is_sidecar(p):
                tally.sidecars.append(str(p))
            elif reader_for_name(p) is None:
                yield classify(p) or Skipped(str(p), "unsupported type", UNSUPPORTED)
            else:
                yield p
            continue
        yield from _walk_dir(p, seen_dirs, tally)


def _walk_dir(root: Path, seen_dirs: set[tuple[int, int]], tally: Tally) -> Iterator[Path | Skipped]:
    errors: list[OSError] = []
    rules_at: dict[str, list[_Rules]] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=errors.append):
        for error in errors:
            yield Skipped(str(error.filename or dirpath), f"cannot read folder: {os_reason(error)}", ERROR)
        errors.clear()
        try:
            st = os.stat(dirpath)
        except OSError as exc:
            dirnames[:] = []
            yield Skipped(dirpath, f"cannot read folder: {os_reason(exc)}", ERROR)
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            dirnames[:] = []
            continue
        seen_dirs.add(key)
        if _is_index_folder(filenames):
            # A searchkit index kept inside the corpus: its files are not
            # articles, nor files of an unsupported type to report.
            dirnames[:] = []
            tally.ignored.append(dirpath + os.sep)
            continue
        inherited = rules_at.get(dirpath, [])
        loaded = _load_rules(dirpath)
        if isinstance(loaded, Skipped):
            yield loaded
        rules = [*inherited, loaded] if isinstance(loaded, _Rules) else inherited
        kept = []
        for name in sorted(dirnames):
            sub = os.path.join(dirpath, name)
            if name.startswith(".") or _ignored(rules, sub, True):
                if not name.startswith("."):
                    tally.ignored.append(sub + os.sep)
                continue
            kept.append(name)
            rules_at[sub] = rules
        dirnames[:] = kept
        for name in sorted(filenames):
            if name == IGNORE_FILE:
                continue
            path = os.path.join(dirpath, name)
            if _ignored(rules, path, False):
                tally.ignored.append(path)
                continue
            skip = classify(Path(path))
            if skip is not None:
                if not name.startswith("."):
                    yield skip
                continue
            if is_sidecar(Path(path)):
                tally.sidecars.append(path)
                continue
            yield Path(path)
    for error in errors:
        yield Skipped(str(error.filename or root), f"cannot read folder: {os_reason(error)}", ERROR)


def left_out(path: str, roots: Iterable[str]) -> str | None:
    """Why ``walk`` deliberately leaves out ``path`` (under one of ``roots``),
    or None when it would yield it or could not see it (an unreadable folder).

    For an indexer: a file it indexed earlier that walk now leaves out by
    decision (a .searchkitignore, a not-an-article name, a sidecar) is to be
    dropped, unlike one walk could not reach, whose articles are kept.
    """
    p = Path(path)
    root = next((Path(r) for r in roots if path == r or path.startswith(str(r).rstrip(os.sep) + os.sep)), None)
    if root is None or p == root:
        return None
    skip = classify(p)
    if skip is not None:
        return skip.reason
    rules: list[_Rules] = []
    folder = root
    for part in p.relative_to(root).parts[:-1]:
        loaded = _load_rules(str(folder))
        if isinstance(loaded, _Rules):
            rules.append(loaded)
        try:
            if _is_index_folder(os.listdir(folder / part)):
                return "inside an index folder"
        except OSError:
            return None
        folder = folder / part
        if part.startswith(".") or _ignored(rules, str(folder), True):
            return f"ignored by {IGNORE_FILE}" if not part.startswith(".") else "in a hidden folder"
    loaded = _load_rules(str(folder))
    if isinstance(loaded, _Rules):
        rules.append(loaded)
    if _ignored(rules, path, False):
        return f"ignored by {IGNORE_FILE}"
    if is_sidecar(p):
        return "sidecar metadata"
    return None

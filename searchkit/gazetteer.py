"""The source gazetteer: canonical outlet names, their aliases and index keys.

Query time needs only this (``source:kyodo`` and ``--source Kyodo`` become the
term ``kyodo news``); finding citations in article text is ingest time's job
(``searchkit.sources``), so the query side and opening an index never import
the extractor's word lists and regexes. The names come from the packaged
``data/sources.tsv``, read once on first use.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

__all__ = ["aliases", "canonical_source", "gazetteer_size", "source_key"]

# Words and single punctuation marks: the unit of gazetteer lookups, so that
# "ACAN - EFE", "ACAN-EFE" and "Acan-Efe" all become the same key.
_TOKEN_RE = re.compile(r"[^\W_]+|[^\w\s]")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})


def _tokens(name: str) -> list[str]:
    return _TOKEN_RE.findall(name.translate(_APOSTROPHES))


def _key(name: str) -> str:
    return " ".join(_tokens(name)).casefold()


@dataclass(frozen=True)
class _Gazetteer:
    canonical: dict[str, str]  # key of a canonical name or alias -> canonical
    aliases: dict[str, tuple[str, ...]]  # key of a canonical name -> its aliases
    spellings: dict[str, tuple[tuple[str, ...], ...]]  # key -> tokens of each spelling
    lengths: dict[str, tuple[int, ...]]  # first token (folded) -> name lengths, longest first


@functools.cache
def _gazetteer() -> _Gazetteer:
    # Imported here: importlib.resources costs ~3 ms at start-up and only
    # a source look-up (not every search) reads the list.
    from importlib import resources

    text = resources.files("searchkit").joinpath("data/sources.tsv").read_text(encoding="utf-8")
    canonical: dict[str, str] = {}
    alias_map: dict[str, tuple[str, ...]] = {}
    spellings: dict[str, list[tuple[str, ...]]] = {}
    lengths: dict[str, set[int]] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, _, rest = line.partition("\t")
        name = " ".join(name.split())
        if not name or "," in name:
            raise ValueError(f"sources.tsv:{lineno}: bad canonical name {name!r}")
        names = [" ".join(a.split()) for a in rest.split("|") if a.strip()]
        for spelling in (name, *names):
            key = _key(spelling)
            if canonical.get(key, name) != name:
                raise ValueError(f"sources.tsv:{lineno}: {spelling!r} already names {canonical[key]!r}")
            canonical[key] = name
            toks = tuple(_tokens(spelling))
            spellings.setdefault(key, []).append(toks)
            lengths.setdefault(toks[0].casefold(), set()).add(len(toks))
        alias_map[_key(name)] = tuple(dict.fromkeys(a for a in names if a != name))
    return _Gazetteer(
        canonical=canonical,
        aliases=alias_map,
        spellings={k: tuple(v) for k, v in spellings.items()},
        lengths={k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()},
    )


def canonical_source(name: str) -> str:
    """The gazetteer's canonical name for ``name`` (case-insensitive), else ``name`` tidied."""
    normalized = " ".join(name.split())
    return _gazetteer().canonical.get(_key(normalized), normalized)


def source_key(name: str) -> str:
    """The index term for a source: its canonical name, case-folded ("kyodo" -> "kyodo news")."""
    return canonical_source(name).casefold()


def aliases(canonical: str) -> tuple[str, ...]:
    """The gazetteer's other spellings of a source (empty for an unknown name)."""
    return _gazetteer().aliases.get(_key(canonical_source(canonical)), ())


def gazetteer_size() -> int:
    """How many outlets (canonical names) the gazetteer knows."""
    return len(_gazetteer().aliases)

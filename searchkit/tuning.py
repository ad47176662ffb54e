"""Knobs that trade speed, memory or durability, never results.

One frozen :class:`Tuning` is passed down (``SearchIndex(path, tuning=...)``
gives it to searches and index runs), so a test or a benchmark passes its
own values instead of patching module globals. ``DEFAULT`` is what a
process starts with; a child process driven through the CLI (the crash
tests) may replace it before running ``main``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    # Articles per commit: small enough that an interrupted run keeps most
    # of its work, large enough that commit overhead stays a few percent.
    batch_articles: int = 10_000
    # ...and a commit at least this often, whatever the count. Each commit
    # is a segment that repeats the term dictionary of its words: at 10 s a
    # 19k build on a busy machine made 13 segments and spent a fifth of its
    # time committing (BENCHMARKS.md, issue 14).
    commit_seconds: float = 30.0
    # Extra top rows the Whoosh path collects in case folded copies must be
    # removed from them (0: a second pass whenever a copy was folded out).
    fold_spare: int = 10


DEFAULT = Tuning()


def current(tuning: Tuning | None) -> Tuning:
    """``tuning``, or the process's default."""
    return tuning if tuning is not None else DEFAULT

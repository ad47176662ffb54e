"""Where a fresh query's CPU time goes, step by step, per query class.

    python benchmarks/run.py --engines searchkit,fts5     # builds benchmarks/.work/run-19043
    python benchmarks/query_steps.py                       # then this
    python benchmarks/query_steps.py --rounds 5

Runs run.py's seeded queries (same seed and warm-up, the options of its
searchkit engine) through ``SearchIndex.search`` with a CPU timer
(``time.process_time``) around each step of the query path: building
the query, evaluating it (the engine), and the fixed work around it
(snippets, stored fields, did-you-mean, the explain text). A step's time
per query is the best of ``--rounds``; the table shows each class's median
query, and "other" what the whole search took beyond the timed steps.
cProfile distorts small functions; these timers cost about 1 µs a step.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import engines, run  # noqa: E402

# (label, module, attribute): the steps, each timed where its caller finds it.
STEPS = [
    ("build", "searchkit.search", "build_query"),
    ("eval", "searchkit.executor", "_matches"),
    ("plan", "searchkit.executor", "plan_for"),
    ("occur", "searchkit.executor", "occurrences"),
    ("stored", "searchkit.executor", "article_from_stored"),
    ("stored", "searchkit.executor", "hit_from_stored"),
    ("stored", "searchkit.searcher_data", "StoredReader.__call__"),
    ("snippet", "searchkit.executor", "make_snippet"),
    ("spell", "searchkit.executor", "_suggestion"),
    ("explain", "searchkit.query", "BuiltQuery.explain"),
    ("fold", "searchkit.executor", "fold_copies"),
    ("top", "searchkit.engine", "top"),
    ("mask", "searchkit.searcher_data", "SearcherData.mask"),
    ("current", "searchkit.search", "SearchIndex._current"),
]


class Timer:
    """CPU time per label, exclusive: a timed step inside another (the
    did-you-mean check evaluates its corrected query) counts once, in the
    inner step."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self._inner = [0.0]  # time of timed steps inside the running one

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        clock = time.process_time
        spent = self.spent
        inner = self._inner

        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            inner.append(0.0)
            started = clock()
            try:
                return fn(*args, **kwargs)
            finally:
                took = clock() - started
                nested = inner.pop()
                inner[-1] += took
                spent[label] = spent.get(label, 0.0) + took - nested

        return timed


def install(timer: Timer) -> list[str]:
    """Wraps every step that exists in this tree; returns their labels."""
    import importlib

    found = []
    for label, module, attr in STEPS:
        mod = importlib.import_module(module)
        owner: Any = mod
        name = attr
        if "." in attr:
            cls, name = attr.split(".")
            owner = getattr(mod, cls, None)
        if owner is None or not hasattr(owner, name):
            continue
        setattr(owner, name, timer.wrap(label, getattr(owner, name)))
        if label not in found:
            found.append(label)
    # The stored-fields read: the searcher hands it to its reader (patched
    # before the index opens, so the searcher binds the timed method).
    from whoosh import reading

    for cls in (reading.SegmentReader, reading.MultiReader):
        cls.stored_fields = timer.wrap("stored", cls.stored_fields)  # type: ignore[method-assign]
    if "stored" not in found:
        found.append("stored")
    return found


def median(values: Sequence[float]) -> float:
    return run.percentile(values, 50)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1987)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--beside-fts", action="store_true", help="run each query on FTS5 first, as query_ratio.py alternates them"
    )
    args = ap.parse_args(argv)
    corpus = run.prepare_corpus(None, None, args.seed, run.WORK)
    maker = run.QueryMaker(corpus.records, args.seed + 2)
    warm = maker.batch(18)
    queries = maker.batch(60)
    where = run.WORK / f"run-{len(corpus.records)}"
    eng = engines.make("searchkit", where / "searchkit", corpus.dir)
    timer = Timer()
    labels = install(timer)
    eng.open()
    fts = engines.make("fts5", where / "fts5", corpus.dir) if args.beside_fts else None
    if fts is not None:
        fts.open()
    for q in warm:
        eng.search(q)
    best: list[dict[str, float]] = [{} for _ in queries]
    for _ in range(args.rounds):
        for i, q in enumerate(queries):
            if fts is not None:
                fts.search(q)
            timer.spent.clear()
            started = time.process_time()
            eng.search(q)
            whole = time.process_time() - started
            row = {k: v * 1000 for k, v in timer.spent.items()}
            row["other"] = whole * 1000 - sum(row.values())
            row["total"] = whole * 1000
            if not best[i] or row["total"] < best[i]["total"]:
                best[i] = row
    eng.close()
    if fts is not None:
        fts.close()
    cols = [*labels, "other", "total"]
    print(
        f"{len(queries)} queries on {len(corpus.records):,} articles, CPU ms per query (median of the class, "
        f"best of {args.rounds} rounds{', each after FTS5' if fts else ''}); load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'class':9} " + " ".join(f"{c:>7}" for c in cols))
    groups: dict[str, list[int]] = {}
    for i, q in enumerate(queries):
        for g in (q.shape, q.filter, "all"):
            groups.setdefault(g, []).append(i)
    for g in ("word", "and", "phrase", "plain", "date", "source", "all"):
        idx = groups.get(g, [])
        print(f"{g:9} " + " ".join(f"{median([best[i].get(c, 0.0) for i in idx]):7.3f}" for c in cols))
    return 0


if __name__ == "__main__":
    sys.exit(main())

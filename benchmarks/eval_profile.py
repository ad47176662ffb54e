"""Query evaluation on the indexes ``benchmarks/run.py`` built: results
snapshots, per-class ratios to FTS5, and where the engine's time goes.

    python benchmarks/run.py --engines searchkit,fts5                 # builds .work/run-19043
    python benchmarks/eval_profile.py snapshot --out before.json       # the queries' answers
    python benchmarks/eval_profile.py compare before.json after.json   # identical?
    python benchmarks/eval_profile.py ratio --rounds 3 --clock cpu     # p50/p95 per class against FTS5
    python benchmarks/eval_profile.py steps                            # evaluate/mask/top/hits, CPU ms
    python benchmarks/eval_profile.py profile --sort tottime           # cProfile of the queries' evaluation
    ... --scale 200000                                                 # the grown corpus's indexes

``--scale``, ``--docs``, ``--seed`` and ``--work`` name the data as run.py
takes them; the queries are run.py's (its QueryMaker, same seed, same
warm-up drawn first). ``ratio`` is query_ratio.py's method (both engines in
this process, each query timed on both alternately, best of ``--rounds``)
on any scale. ``snapshot`` records, for the warm-up and the timed queries,
what a user sees (total, hits' ids, rounded scores, snippets, highlights)
and what the engine computed (the number of matches after filters, a digest
of their ids, the top 10's ids and exact scores), so a change to the
evaluation can be proven not to change an answer.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import pstats
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import engines, run  # noqa: E402
from benchmarks.engines import QuerySpec  # noqa: E402

CLASSES = ("word", "and", "phrase", "plain", "date", "source", "filtered", "all")


def _queries(args: argparse.Namespace) -> tuple[list[QuerySpec], list[QuerySpec], Path, Path]:
    corpus = run.prepare_corpus(args.docs, args.scale, args.seed, args.work)
    maker = run.QueryMaker(corpus.records, args.seed + 2)
    warm = maker.batch(args.warmup)
    queries = maker.batch(args.queries)
    where = args.work / f"run-{len(corpus.records)}"
    if not (where / "searchkit" / "index").exists():
        raise SystemExit(f"no index in {where}: run benchmarks/run.py first")
    return warm, queries, where, corpus.dir


def _open(name: str, where: Path, corpus: Path) -> Any:
    eng = engines.make(name, where / name, corpus)
    eng.open()
    return eng


def _answer(ix: Any, q: QuerySpec) -> dict[str, Any]:
    """One query's answer, as a user sees it and as the engine scored it."""
    from searchkit import executor
    from searchkit.engine import top
    from searchkit.options import SearchOptions

    res = ix.search(q.text(), sources=[q.source] if q.source else None, since=q.since, until=q.until, limit=10)
    opts = SearchOptions.of(None, sources=[q.source] if q.source else None, since=q.since, until=q.until, limit=10)
    searcher, cache = ix._current()
    built = ix._build(q.text(), opts, searcher, cache)
    found = executor._matches(cache, built)
    engine: dict[str, Any] | None = None
    if found is not None:
        ids, scores, _ = found
        best = top(ids, scores, 10)
        engine = {
            "matches": len(ids),
            "ids_digest": hashlib.sha1(ids.astype("<i8").tobytes()).hexdigest(),
            "top": [[int(ids[i]), float(scores[i]).hex()] for i in best],
        }
    return {
        "query": q.text(),
        "shape": q.shape,
        "filter": q.filter,
        "total": res.total,
        "hits": [[h.id, h.score, h.snippet, [list(x) for x in h.highlights]] for h in res.hits],
        "engine": engine,
    }


def snapshot(args: argparse.Namespace) -> int:
    warm, queries, where, corpus = _queries(args)
    eng = _open("searchkit", where, corpus)
    out = [_answer(eng.ix, q) for q in warm + queries]
    eng.close()
    args.out.write_text(json.dumps(out, indent=1))
    print(f"{len(out)} answers written to {args.out}")
    return 0


def compare(args: argparse.Namespace) -> int:
    a, b = (json.loads(Path(p).read_text()) for p in args.files)
    differ = 0
    for x, y in zip(a, b, strict=True):
        for key in ("total", "hits", "engine"):
            if x[key] != y[key]:
                differ += 1
                print(f"{x['query']!r} ({x['shape']}, {x['filter']}): {key} differs")
                break
    print(f"{len(a)} queries, {differ} differ")
    return 1 if differ else 0


def forget(ix: Any) -> None:
    """Drops what the engine keeps per searcher of the postings it read, so
    that a query repeated in a later round decodes them again, as run.py's
    fresh (never repeated) queries do."""
    from searchkit import postings

    _searcher, cache = ix._current()
    cache.arrays._postings.clear()
    cache.arrays.blocks = postings.BlockMemo()
    cache.arrays._expansions.clear()
    if hasattr(cache.arrays, "_sets"):  # a source filter's documents (engine.Arrays.in_set)
        cache.arrays._sets.clear()


def _p95(values: list[float]) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(0.95 * (len(s) - 1)))]


def ratio(args: argparse.Namespace) -> int:
    warm, queries, where, corpus = _queries(args)
    names = ("searchkit", "fts5")
    engs = {n: _open(n, where, corpus) for n in names}
    for q in warm:
        for e in engs.values():
            e.search(q)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    best = {n: [float("inf")] * len(queries) for n in names}
    for _ in range(args.rounds):
        for i, q in enumerate(queries):
            for n, e in engs.items():
                if n == "searchkit" and not args.warm:
                    forget(e.ix)
                started = clock()
                e.search(q)
                best[n][i] = min(best[n][i], (clock() - started) * 1000)
    print(
        f"{len(queries)} queries on {where.name}, best of {args.rounds} alternating rounds, {args.clock} time; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'class':9} {'n':>3} {'sk p50':>7} {'fts p50':>7} {'ratio':>6} {'sk p95':>7} {'fts p95':>7} {'ratio':>6}")
    for g, idx in sorted(engines.query_classes(queries).items(), key=lambda kv: CLASSES.index(kv[0])):
        sk = [best["searchkit"][i] for i in idx]
        ft = [best["fts5"][i] for i in idx]
        p50s, p50f = statistics.median(sk), statistics.median(ft)
        p95s, p95f = _p95(sk), _p95(ft)
        cells = f"{p50s:7.2f} {p50f:7.2f} {p50s / p50f:5.2f}x {p95s:7.2f} {p95f:7.2f} {p95s / p95f:5.2f}x"
        print(f"{g:9} {len(idx):3} {cells}")
    if args.each:
        for i, q in enumerate(queries):
            s, f = best["searchkit"][i], best["fts5"][i]
            print(f"  {s:7.2f} {f:7.2f} {s / f:6.2f}x  {q.shape:6} {q.filter:6} {q.text()}")
    for e in engs.values():
        e.close()
    return 0


def steps(args: argparse.Namespace) -> int:
    """CPU time of each step of a query (best of ``--rounds``), per class."""
    from searchkit import executor
    from searchkit.engine import evaluate, top
    from searchkit.neardup.fold import fold_copies
    from searchkit.options import SearchOptions

    warm, queries, where, corpus = _queries(args)
    eng = _open("searchkit", where, corpus)
    ix = eng.ix
    for q in warm:
        eng.search(q)
    names = ("build", "evaluate", "mask", "fold", "top", "hits", "search")
    best = {n: [float("inf")] * len(queries) for n in names}
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    for _ in range(args.rounds):
        for i, q in enumerate(queries):
            opts = SearchOptions.of(
                None, sources=[q.source] if q.source else None, since=q.since, until=q.until, limit=10
            )
            if not args.warm:
                forget(ix)
            t0 = clock()
            searcher, cache = ix._current()
            built = ix._build(q.text(), opts, searcher, cache)
            t1 = clock()
            ids, scores, _ = evaluate(cache.arrays, built.query)
            t2 = clock()
            keep = cache.mask(built.filters, ids)
            if keep is not None:
                ids, scores = ids[keep], scores[keep]
            t3 = clock()
            kept, copies = fold_copies(ids, cache.group_index, cache.arrays.days)
            ids, scores = ids[kept], scores[kept]
            t4 = clock()
            chosen = top(ids, scores, 10)
            page = [(int(ids[j]), float(scores[j])) for j in chosen]
            t5 = clock()
            executor.hits(searcher, cache, built, page, scored=True, copies=copies)
            t6 = clock()
            if not args.warm:
                forget(ix)
            eng.search(q)
            t7 = clock()
            for n, v in zip(names, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5, t7 - t6), strict=True):
                best[n][i] = min(best[n][i], v * 1000)
    print(
        f"{len(queries)} queries on {where.name}, best of {args.rounds} rounds, {args.clock} ms per step (p50); "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'class':9} {'n':>3} " + " ".join(f"{n:>8}" for n in names))
    for g, idx in sorted(engines.query_classes(queries).items(), key=lambda kv: CLASSES.index(kv[0])):
        cells = " ".join(f"{statistics.median([best[n][i] for i in idx]):8.2f}" for n in names)
        print(f"{g:9} {len(idx):3} {cells}")
    eng.close()
    return 0


def profile(args: argparse.Namespace) -> int:
    """cProfile of the timed queries' evaluation (or whole search with --whole)."""
    from searchkit.engine import evaluate
    from searchkit.options import SearchOptions

    warm, queries, where, corpus = _queries(args)
    eng = _open("searchkit", where, corpus)
    ix = eng.ix
    for q in warm:
        eng.search(q)
    chosen = [q for q in queries if args.shape in (None, q.shape)]
    prepared = []
    for q in chosen:
        opts = SearchOptions.of(None, sources=[q.source] if q.source else None, since=q.since, until=q.until, limit=10)
        searcher, cache = ix._current()
        prepared.append((q, cache, ix._build(q.text(), opts, searcher, cache)))
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(args.rounds):
        for q, cache, built in prepared:
            if not args.warm:
                prof.disable()
                forget(ix)
                prof.enable()
            if args.whole:
                eng.search(q)
            else:
                evaluate(cache.arrays, built.query)
    prof.disable()
    pstats.Stats(prof).sort_stats(args.sort).print_stats(args.top)
    eng.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--docs", type=int, default=None)
        p.add_argument("--scale", type=int, default=None)
        p.add_argument("--seed", type=int, default=1987)
        p.add_argument("--work", type=Path, default=run.WORK)
        p.add_argument("--queries", type=int, default=60)
        p.add_argument("--warmup", type=int, default=18)
        p.add_argument("--rounds", type=int, default=3)
        p.add_argument("--clock", choices=("wall", "cpu"), default="cpu")
        p.add_argument(
            "--warm", action="store_true", help="keep the postings a query read for its repeats (default: forget them)"
        )

    p = sub.add_parser("snapshot")
    common(p)
    p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("compare")
    p.add_argument("files", nargs=2)
    p = sub.add_parser("ratio")
    common(p)
    p.add_argument("--each", action="store_true", help="also list every query")
    p = sub.add_parser("steps")
    common(p)
    p = sub.add_parser("profile")
    common(p)
    p.add_argument("--sort", default="tottime")
    p.add_argument("--top", type=int, default=40)
    p.add_argument("--shape", choices=run.SHAPES, default=None)
    p.add_argument("--whole", action="store_true", help="profile the whole search, not only evaluate()")
    args = ap.parse_args(argv)
    handler = {"snapshot": snapshot, "compare": compare, "ratio": ratio, "steps": steps, "profile": profile}
    return int(handler[args.command](args))


if __name__ == "__main__":
    raise SystemExit(main())

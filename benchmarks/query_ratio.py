"""searchkit against FTS5 query by query, in one process, on the indexes
``benchmarks/run.py`` built: a ratio that survives a loaded machine.

    python benchmarks/run.py --engines searchkit,fts5     # builds benchmarks/.work/run-19043
    python benchmarks/query_ratio.py                       # then this: p50/p95 per query class
    python benchmarks/query_ratio.py --rounds 3
    python benchmarks/query_ratio.py --clock cpu           # process CPU time instead of wall time

run.py times each engine in its own process, one after the other, so a
burst of load from other work lands on one engine only. Here the same
seeded queries (run.py's QueryMaker: same seed, same warm-up) run through
both engines alternately, each query timed on both within milliseconds of
each other, ``--rounds`` times (the best round per query and engine kept).
Both engines answer in this process (SQLite's FTS5 too), so ``--clock cpu``
(``time.process_time``) compares the work each does without the waits a
machine shared by other jobs adds to wall time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import engines, run  # noqa: E402


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=None, help="as given to run.py (default: all of Reuters)")
    ap.add_argument("--seed", type=int, default=1987)
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--warmup", type=int, default=18)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    args = ap.parse_args(argv)
    corpus = run.prepare_corpus(args.docs, None, args.seed, run.WORK)
    maker = run.QueryMaker(corpus.records, args.seed + 2)
    warm = maker.batch(args.warmup)
    queries = maker.batch(args.queries)
    where = run.WORK / f"run-{len(corpus.records)}"
    if not (where / "searchkit" / "index").exists():
        print(f"no index in {where}: run benchmarks/run.py first", file=sys.stderr)
        return 2
    names = ("searchkit", "fts5")
    engs = {n: engines.make(n, where / n, corpus.dir) for n in names}
    for e in engs.values():
        e.open()
    for q in warm:
        for e in engs.values():
            e.search(q)
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    best = {n: [float("inf")] * len(queries) for n in names}
    for _ in range(args.rounds):
        for i, q in enumerate(queries):
            for n, e in engs.items():
                started = clock()
                e.search(q)
                best[n][i] = min(best[n][i], (clock() - started) * 1000)
    groups = engines.query_classes(queries)
    print(
        f"{len(queries)} queries on {len(corpus.records):,} articles, best of {args.rounds} alternating rounds, "
        f"{args.clock} time; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'class':9} {'n':>3} {'sk p50':>7} {'fts p50':>7} {'ratio':>6} {'sk p95':>7} {'fts p95':>7} {'ratio':>6}")
    for g in ("word", "and", "phrase", "plain", "date", "source", "filtered", "all"):
        idx = groups.get(g, [])
        if not idx:
            continue
        sk = [best["searchkit"][i] for i in idx]
        ft = [best["fts5"][i] for i in idx]
        a50, b50 = run.percentile(sk, 50), run.percentile(ft, 50)
        a95, b95 = run.percentile(sk, 95), run.percentile(ft, 95)
        print(f"{g:9} {len(idx):3} {a50:7.2f} {b50:7.2f} {a50 / b50:6.2f} {a95:7.2f} {b95:7.2f} {a95 / b95:6.2f}")
    for e in engs.values():
        e.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

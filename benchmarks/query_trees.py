"""Two searchkit trees query by query, alternating, on run.py's index: the
change a branch makes to a query's CPU time, on a machine other work shares.

    python benchmarks/run.py --engines searchkit,fts5           # builds benchmarks/.work/run-19043
    git archive main searchkit | tar -x -C /tmp/main            # the tree to compare with
    python benchmarks/query_trees.py /tmp/main .                # old tree, new tree
    python benchmarks/query_trees.py /tmp/main . --rounds 9 --with-fts

Each tree answers in its own process (a package cannot be imported twice
into one); the two are handed the same query in turn, each timing its own
``SearchIndex.search`` in CPU time (``time.process_time``), so a burst of
load lands on both within milliseconds. The best of ``--rounds`` per query
and tree is kept; the table gives each class's p50 and p95 and the ratio
new/old. ``--with-fts`` adds FTS5 as a third process, for the ratios
benchmarks/run.py reports.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import engines, run  # noqa: E402

# The worker: imports searchkit (or FTS5's engine) from its tree, then
# answers one query index a line with its CPU milliseconds.
WORKER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
sys.path.insert(1, sys.argv[2])
from benchmarks import engines, run
corpus = run.prepare_corpus(None, int(sys.argv[6]) or None, int(sys.argv[4]), run.WORK)
maker = run.QueryMaker(corpus.records, int(sys.argv[4]) + 2)
warm = maker.batch(18)
queries = maker.batch(int(sys.argv[5]))
where = run.WORK / f"run-{len(corpus.records)}"
eng = engines.make(sys.argv[3], where / sys.argv[3], corpus.dir)
eng.open()
for q in warm:
    eng.search(q)
import searchkit
print("ready", searchkit.__file__, flush=True)
for line in sys.stdin:
    q = queries[int(line)]
    started = time.process_time()
    eng.search(q)
    print((time.process_time() - started) * 1000, flush=True)
"""


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old", type=Path, help="the folder holding the old tree's searchkit/")
    ap.add_argument("new", type=Path, help="the folder holding the new tree's searchkit/")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1987)
    ap.add_argument("--scale", type=int, default=None, help="as given to run.py (its 200,000-article index)")
    ap.add_argument("--with-fts", action="store_true")
    args = ap.parse_args(argv)
    corpus = run.prepare_corpus(None, args.scale, args.seed, run.WORK)
    maker = run.QueryMaker(corpus.records, args.seed + 2)
    maker.batch(18)
    queries = maker.batch(args.queries)
    sides = {"old": (args.old, "searchkit"), "new": (args.new, "searchkit")}
    if args.with_fts:
        sides["fts5"] = (args.new, "fts5")
    procs = {}
    for name, (tree, engine) in sides.items():
        procs[name] = subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER,
                str(tree.resolve()),
                str(ROOT),
                engine,
                str(args.seed),
                str(args.queries),
                str(args.scale or 0),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
    for name, p in procs.items():
        assert p.stdout is not None
        ready = p.stdout.readline().split()
        assert ready[:1] == ["ready"], ready
        print(f"{name}: searchkit from {ready[1]}", file=sys.stderr)
    best = {name: [float("inf")] * len(queries) for name in procs}
    for r in range(args.rounds):
        for i in range(len(queries)):
            # Each side first, middle and last in turn: a process run just
            # after another finds the caches that one left.
            names = list(procs)
            shift = (i + r) % len(names)
            order = names[shift:] + names[:shift]
            if (i // len(names) + r) % 2:
                order.reverse()
            for name in order:
                p = procs[name]
                assert p.stdin is not None and p.stdout is not None
                p.stdin.write(f"{i}\n")
                p.stdin.flush()
                best[name][i] = min(best[name][i], float(p.stdout.readline()))
    for p in procs.values():
        assert p.stdin is not None
        p.stdin.close()
        p.wait()
    groups = engines.query_classes(queries)
    print(
        f"{len(queries)} queries on {len(corpus.records):,} articles, CPU ms, best of {args.rounds} alternating rounds;"
        f" load average {os.getloadavg()[0]:.2f}; old {args.old}, new {args.new}"
    )
    names = list(procs)
    head = " ".join(f"{n + ' ' + p:>9}" for p in ("p50", "p95") for n in names)
    extra = "  new/fts5 p50 p95" if args.with_fts else ""
    print(f"{'class':9} {'n':>3} {head}  new/old p50 p95{extra}")
    for g in ("word", "and", "phrase", "plain", "date", "source", "filtered", "all"):
        idx = groups.get(g, [])
        if not idx:
            continue
        pct = {(n, p): run.percentile([best[n][i] for i in idx], p) for n in names for p in (50, 95)}
        cells = " ".join(f"{pct[(n, p)]:9.2f}" for p in (50, 95) for n in names)
        ratio = f"  {pct[('new', 50)] / pct[('old', 50)]:7.2f} {pct[('new', 95)] / pct[('old', 95)]:4.2f}"
        if args.with_fts:
            ratio += f"  {pct[('new', 50)] / pct[('fts5', 50)]:12.2f} {pct[('new', 95)] / pct[('fts5', 95)]:4.2f}"
        print(f"{g:9} {len(idx):3} {cells}{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

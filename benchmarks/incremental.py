"""The two incremental runs: adding 200 articles, and a run that finds no change.

    python benchmarks/incremental.py INDEX            # INDEX: a built index of the corpus
    python benchmarks/incremental.py INDEX --code /work/main   # another checkout's searchkit

The index is copied once per repetition; each copy gets the corpus plus
benchmarks/run.py's 200-article file (the add-200 run of run.py), then the
same paths again (the no-change run). Minimum of --repeat runs, wall clock.
``--code`` picks the checkout whose searchkit is imported, so two versions
can be measured on the same machine minutes apart.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import shutil, sys, time
sys.path.insert(0, sys.argv[1])
from searchkit import SearchIndex
index, corpus, add, copy = sys.argv[2:6]
shutil.copytree(index, copy)
ix = SearchIndex(copy, create=True)
t = time.perf_counter(); r = ix.update([corpus, add]); added = time.perf_counter() - t
assert r.added == 200, r.summary()
t = time.perf_counter(); r = ix.update([corpus, add]); same = time.perf_counter() - t
assert r.added == r.updated == r.removed == 0, r.summary()
print(added, same)
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("index", type=Path, help="an index of the corpus, built by the code measured")
    ap.add_argument("--code", type=Path, default=ROOT, help="checkout whose searchkit to import")
    ap.add_argument("--docs", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1987)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from benchmarks import run

    corpus = run.prepare_corpus(args.docs, None, args.seed)
    adds, sames = [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, str(args.code), str(args.index), str(corpus.dir),
                 str(corpus.add_file), str(Path(tmp) / "ix")],
                capture_output=True, text=True, check=True,
            ).stdout.split()
            adds.append(float(out[0]))
            sames.append(float(out[1]))
    print(f"code {args.code}: add 200: {min(adds):.2f} s, no change: {min(sames):.2f} s "
          f"(min of {args.repeat}; all add {', '.join(f'{a:.2f}' for a in adds)}; "
          f"no change {', '.join(f'{s:.2f}' for s in sames)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

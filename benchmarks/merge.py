"""Merging an index's segments: searchkit's array merge against Whoosh's pool.

    python benchmarks/merge.py INDEX        # INDEX: a built index (e.g. run.py's)
    python benchmarks/merge.py INDEX --repeat 3

Each run copies INDEX and merges all its segments into one with the bulk
writer (``commit(optimize=True)``), in a fresh process: ``arrays`` is the
writer as it is (searchkit.segmerge), ``whoosh pool`` the same writer with
Whoosh's own ``add_postings_to_pool`` put back (every posting a tuple
through Whoosh's external sort, the path before segmerge). Reports wall
seconds and the process's peak RSS; the variants alternate, so both see the
same machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import json, resource, shutil, sys, time
from whoosh import index
from whoosh.writing import SegmentWriter
from searchkit.bulkwriter import BulkWriter
from searchkit.storage import INDEX_NAME
source, copy, variant = sys.argv[1:4]
shutil.copytree(source, copy)
if variant == "whoosh pool":
    BulkWriter.add_postings_to_pool = SegmentWriter.add_postings_to_pool
ix = index.open_dir(copy, indexname=INDEX_NAME)
before = [s.doc_count_all() for s in ix._segments()]
t = time.perf_counter()
BulkWriter(ix).commit(optimize=True)
seconds = time.perf_counter() - t
after = [s.doc_count_all() for s in ix._segments()]
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "rss": rss, "before": before, "after": after}))
"""

VARIANTS = ("arrays", "whoosh pool")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("index", type=Path, help="a built searchkit index folder")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--only", choices=VARIANTS, default=None, help="run one variant")
    args = ap.parse_args(argv)
    variants = [args.only] if args.only else list(VARIANTS)
    got: dict[str, list[dict[str, float]]] = {v: [] for v in variants}
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _ in range(args.repeat):
        for variant in variants:
            with tempfile.TemporaryDirectory() as tmp:
                proc = subprocess.run(
                    [sys.executable, "-c", _CHILD, str(args.index), str(Path(tmp) / "ix"), variant],
                    capture_output=True, text=True, check=True, env=env,
                )
                got[variant].append(json.loads(proc.stdout))
    first = got[variants[0]][0]
    print(f"{args.index}: segments {first['before']} -> {first['after']}; load average {os.getloadavg()[0]:.2f}")
    print(f"{'merge':<12} {'min s':>8} {'max s':>8} {'peak RSS MB':>12}")
    for variant in variants:
        runs = got[variant]
        secs = [r["seconds"] for r in runs]
        print(f"{variant:<12} {min(secs):>8.1f} {max(secs):>8.1f} {max(r['rss'] for r in runs):>12.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Where an index run's time grows with the index: CPU per commit, by phase.

    python benchmarks/index_growth.py [--parts 3] [--batch 10000] [--profile FILE]
    PYTHONPATH=OLD_TREE python benchmarks/index_growth.py --parts 3

Indexes the first ``--parts`` files (20,000 articles each) of run.py's
200,000-article corpus (build it with ``run.py --scale 200000``) into a
fresh index in this process, the way run.py's build does (``update`` on a
folder, the worker pool as configured), and prints one row per commit: the
articles so far, this process's CPU for the batch before the commit
(reading, preparing, adding documents) and for each phase of the commit
(the segment writer's flush, the merge policy's merges, the near-duplicate
linking, the catalog, fsync, cleaning). CPU (``time.process_time``), so
other processes on a busy machine do not land in a row; a row whose
per-article CPU rises with the index is a cost that grows.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import os
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # appended: a tree on PYTHONPATH provides searchkit

SPENT: dict[str, float] = defaultdict(float)
_STACK: list[str] = []


def _timed(owner: Any, name: str, label: str) -> None:
    """Wraps ``owner.name`` so its CPU (less nested timed calls) lands in ``label``."""
    inner = getattr(owner, name)

    @functools.wraps(inner)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t = time.process_time()
        _STACK.append(label)
        try:
            return inner(*args, **kwargs)
        finally:
            _STACK.pop()
            spent = time.process_time() - t
            SPENT[label] += spent
            if _STACK:
                SPENT[_STACK[-1]] -= spent

    setattr(owner, name, wrapper)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", type=int, default=3)
    ap.add_argument("--batch", type=int, default=None, help="articles per commit (Tuning.batch_articles)")
    ap.add_argument("--profile", help="also cProfile the commits into this pstats file")
    ap.add_argument("--corpus", type=Path, default=ROOT / "benchmarks/.work/corpus-v1-dall-n200000-s1987-p20000/parts")
    args = ap.parse_args()

    from whoosh import writing

    import searchkit
    from searchkit import SearchIndex, indexer, storage, tuning
    from searchkit.bulkwriter import BulkWriter
    from searchkit.catalog import Catalog
    from searchkit.neardup.links import DupTracker

    _timed(indexer._Run, "commit", "commit other")
    _timed(BulkWriter, "_flush_segment", "flush")
    _timed(writing.SegmentWriter, "_merge_segments", "merge policy")
    _timed(DupTracker, "committed", "dups")
    _timed(Catalog, "apply", "catalog")
    _timed(storage, "sync_files", "fsync")
    _timed(storage, "clean", "clean")
    phases = ["flush", "merge policy", "dups", "catalog", "fsync", "clean", "commit other"]

    prof = cProfile.Profile(time.process_time) if args.profile else None
    if prof is not None:
        inner_commit = indexer._Run.commit

        def profiled(self: Any) -> None:
            prof.enable()
            try:
                inner_commit(self)
            finally:
                prof.disable()

        indexer._Run.commit = profiled  # type: ignore[method-assign]

    rows: list[tuple[int, float, dict[str, float], float, int]] = []
    written = [0]
    inner_write = indexer._Run.write_article

    def write_article(self: Any, *a: Any, **kw: Any) -> None:
        written[0] += 1
        inner_write(self, *a, **kw)

    indexer._Run.write_article = write_article  # type: ignore[method-assign]
    state = {"t": time.process_time(), "w": time.perf_counter()}
    run_commit = indexer._Run.commit

    def commit(self: Any) -> None:
        before_cpu = time.process_time()
        adding = before_cpu - state["t"]
        SPENT.clear()
        w = time.perf_counter()
        run_commit(self)
        time.process_time()
        segs = len(storage.PinnedIndex(self.storage, self.base)._segments()) if self.base else 0
        rows.append((written[0], adding, dict(SPENT), time.perf_counter() - w, segs))
        state["t"] = time.process_time()

    indexer._Run.commit = commit  # type: ignore[method-assign]

    files = sorted(args.corpus.glob("*.jsonl"))[: args.parts]
    tune = tuning.Tuning(batch_articles=args.batch) if args.batch else None
    print(f"tree: {Path(searchkit.__file__).parent.parent}  load {os.getloadavg()[0]:.2f}  parts {len(files)}")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "corpus"
        src.mkdir()
        for f in files:
            (src / f.name).symlink_to(f)
        t0, w0 = time.process_time(), time.perf_counter()
        ix = SearchIndex(Path(tmp) / "index", create=True, tuning=tune)
        report = ix.update([src])
        ix.close()
        cpu, wall = time.process_time() - t0, time.perf_counter() - w0
        size = storage.disk_size(Path(tmp) / "index")
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"{'articles':>8} {'segs':>4} {'add ms/1k':>9} "
        + " ".join(f"{p[:12]:>12}" for p in phases)
        + f" {'commit wall':>11}"
    )
    last = 0
    for n, adding, spent, cwall, segs in rows:
        k = max(n - last, 1) / 1000
        print(
            f"{n:>8} {segs:>4} {adding / k * 1000:>9.0f} "
            + " ".join(f"{spent.get(p, 0.0) * 1000:>12.0f}" for p in phases)
            + f" {cwall:>11.2f}"
        )
        last = n
    print("(add: main CPU ms per 1,000 articles of the batch; phases: CPU ms of the whole commit)")
    print(
        f"added {report.added}  main CPU {cpu:.1f} s  wall {wall:.1f} s  workers CPU "
        f"{children.ru_utime + children.ru_stime:.1f} s  size {size / 1e6:.1f} MB  "
        f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB  load {os.getloadavg()[0]:.2f}"
    )
    if prof is not None:
        prof.dump_stats(args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Where a whole index run's wall time goes: the streaming phase (the pool
and the writer side by side) against the commits (the main process alone).

    python benchmarks/run.py --engines searchkit        # builds the corpus once
    python benchmarks/index_phases.py [--workers N] [--docs N]
    PYTHONPATH=OLD_TREE python benchmarks/index_phases.py   # another tree

One in-process build of the 19k Reuters file (or its first ``--docs``
articles) with the worker pool as ``searchkit index`` runs it. Wraps a few
functions with timers (wall and this process's CPU): each commit, and
within it the per-document files' close, each field's postings grouped,
the codec's encoding and the near-duplicate linking. The commit that ends a
quiet run has no worker beside it, so its wall time adds straight to the run's.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT))  # appended: a tree on PYTHONPATH provides searchkit

SPENT: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])  # type: ignore[arg-type]


def timed(owner: Any, name: str, label: str) -> None:
    fn: Callable[..., Any] | None = getattr(owner, name, None)
    if fn is None:
        return

    def wrapper(*args: Any, **kw: Any) -> Any:
        w, c = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kw)
        finally:
            row = SPENT[label]
            row[0] += time.perf_counter() - w
            row[1] += time.process_time() - c
            row[2] += 1

    setattr(owner, name, wrapper)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int)
    ap.add_argument("--docs", type=int)
    args = ap.parse_args()
    if args.workers is not None:
        os.environ["SEARCHKIT_WORKERS"] = str(args.workers)
    import searchkit
    from searchkit import bulkwriter, codec, indexer, perdoc
    from searchkit.neardup import links

    timed(indexer._Run, "commit", "commit (all of it)")
    timed(indexer._Run, "write_article", "write_article")
    timed(perdoc.BulkPerDocWriter, "close", "  per-document files' close")
    timed(bulkwriter._Occurrences, "postings", "  postings grouped")
    timed(bulkwriter._AnchorOccurrences, "postings", "  anchors grouped")
    timed(codec, "encode_field", "  codec.encode_field")
    timed(codec.SearchkitFieldWriter, "add_field_postings", "  field postings written")
    timed(links.DupTracker, "committed", "  near-duplicate links")
    from searchkit import storage

    timed(storage, "sync_files", "  fsync")
    made = [0, 0]
    finish = perdoc.BulkPerDocWriter.finish_doc

    def counted(self: Any, packed: Any = None) -> None:
        made[0] += packed is not None
        made[1] += 1
        return finish(self, packed) if packed is not None else finish(self)

    perdoc.BulkPerDocWriter.finish_doc = counted  # type: ignore[method-assign]
    parts = next(iter(sorted((ROOT / "benchmarks" / ".work").glob("corpus-*-nreal-*-p20000/parts"))))
    source = next(parts.glob("*.jsonl"))
    with tempfile.TemporaryDirectory() as tmp:
        if args.docs:
            src = Path(tmp) / "corpus"
            src.mkdir()
            with source.open() as f:
                (src / "a.jsonl").write_text("".join(f.readline() for _ in range(args.docs)))
            source = src / "a.jsonl"
        load = os.getloadavg()[0]
        w, c = time.perf_counter(), time.process_time()
        indexer.update(Path(tmp) / "index", [source])
        wall, cpu = time.perf_counter() - w, time.process_time() - c
        import resource

        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"tree {Path(searchkit.__file__).parent.parent}  load {load:.2f} -> {os.getloadavg()[0]:.2f}")
    print(f"whole update: wall {wall:.2f} s  main CPU {cpu:.2f} s  workers CPU {kids.ru_utime + kids.ru_stime:.2f} s")
    print(f"stored fields made ahead: {made[0]} of {made[1]} documents")
    for label, (sw, sc, n) in SPENT.items():
        print(f"{label:34} wall {sw:6.2f} s  CPU {sc:6.2f} s  calls {n}")


if __name__ == "__main__":
    main()

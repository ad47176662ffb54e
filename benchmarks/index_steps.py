"""Where an article's indexing CPU goes, by step, in one process (no pool).

    python benchmarks/run.py --engines searchkit        # builds the corpus once
    python benchmarks/index_steps.py [--docs 4000] [--workers 0]
    PYTHONPATH=OLD_TREE python benchmarks/index_steps.py   # the same for another tree

cProfile with a CPU clock (``time.process_time``), so a loaded machine's
waits do not land on whatever function was running: the shares are of CPU.
The steps are profile_searchkit's (read, sources, sketch, operators' fields,
analyze, write, commit). Also prints the run's CPU without cProfile, and the
top functions by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Appended, not prepended: a tree on PYTHONPATH provides searchkit.
sys.path.append(str(ROOT))

from benchmarks import profile_searchkit as ps  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=4000)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--save", help="also write the profile's pstats to this file")
    ap.add_argument("--plain", action="store_true", help="only the run without cProfile")
    ap.add_argument("--gc", action="store_true", help="also print the time spent in garbage collection")
    args = ap.parse_args()
    if args.gc:
        import gc

        spent = [0.0, 0.0]

        def watch(phase: str, info: dict[str, int]) -> None:
            if phase == "start":
                spent[1] = time.process_time()
            else:
                spent[0] += time.process_time() - spent[1]

        gc.callbacks.append(watch)
    os.environ["SEARCHKIT_WORKERS"] = str(args.workers)
    import searchkit
    from searchkit import SearchIndex

    print(f"tree: {Path(searchkit.__file__).parent.parent}  load {os.getloadavg()[0]:.2f}")
    parts = next(iter(sorted((ROOT / "benchmarks" / ".work").glob("corpus-*-p20000/parts"))))
    lines = []
    with next(parts.glob("*.jsonl")).open() as f:
        for _ in range(args.docs):
            lines.append(f.readline())
    with tempfile.TemporaryDirectory() as tmp:
        for label in ("plain",) if args.plain else ("plain", "profiled"):
            src = Path(tmp) / label / "corpus"
            src.mkdir(parents=True)
            (src / "a.jsonl").write_text("".join(lines))
            ix = SearchIndex(Path(tmp) / label / "index", create=True)
            if label == "plain":
                started = time.process_time()
                ix.update([src])
                cpu = time.process_time() - started
                per = 1000 * cpu / args.docs
                print(f"{args.docs} articles: {cpu:.2f} s CPU without cProfile ({per:.3f} ms an article)")
                if args.gc:
                    print(f"  of which garbage collection: {spent[0]:.2f} s")
            else:
                prof = cProfile.Profile(time.process_time)
                started = time.process_time()
                prof.enable()
                ix.update([src])
                prof.disable()
                whole = time.process_time() - started
                stats = pstats.Stats(prof)
                if args.save:
                    stats.dump_stats(args.save)
                print(f"under cProfile: {whole:.2f} s CPU")
                print("\n".join(ps.stage_table(stats, args.docs, whole)))
                buf = io.StringIO()
                stats.stream = buf  # type: ignore[attr-defined]
                stats.sort_stats("tottime").print_stats(args.top)
                text = buf.getvalue()
                print(text[text.find("   ncalls") :].replace(str(ROOT) + "/", ""))
            ix.close()


if __name__ == "__main__":
    main()

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
    ap.add_argument("--steps", action="store_true", help="CPU by step, no cProfile")
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
    parts = next(iter(sorted((ROOT / "benchmarks" / ".work").glob("corpus-*-nreal-*-p20000/parts"))))
    lines = []
    with next(parts.glob("*.jsonl")).open() as f:
        for _ in range(args.docs):
            lines.append(f.readline())
    if args.steps:
        step_table(parts, lines)
        return
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


def step_table(parts: Path, lines: list[str]) -> None:
    """Each step's CPU, ms an article, best of three, without cProfile: the
    reader, prepare()'s parts as the worker runs them, and the rest of a
    whole run (one process) as write + commit."""
    import inspect

    from searchkit import SearchIndex, boundaries
    from searchkit.analysis import FAST
    from searchkit.articles import read_file, record_digest
    from searchkit.neardup import sketches

    with_cut = "body_cut" in inspect.signature(boundaries.index_fields).parameters
    n = len(lines)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "corpus"
        src.mkdir()
        (src / "a.jsonl").write_text("".join(lines))
        times: dict[str, float] = {}

        def best(name: str, fn: object) -> None:
            runs = []
            for _ in range(3):
                started = time.process_time()
                fn()  # type: ignore[operator]
                runs.append(time.process_time() - started)
            times[name] = min(runs)

        best("read (JSON Lines reader, articles)", lambda: read_file(str(src / "a.jsonl")))
        arts = [x.article for x in read_file(str(src / "a.jsonl")).loaded]

        def prepare_parts() -> dict[str, float]:
            got = dict.fromkeys(("cut", "words", "sketch", "operators", "digest"), 0.0)
            for a in arts:
                t0 = time.process_time()
                cuts = [FAST.cut(t) if t else None for t in (a.headline, a.body, a.summary)]
                t1 = time.process_time()
                FAST.vocabulary(a.headline, a.body)
                t2 = time.process_time()
                sketches.sketch(a.body)
                t3 = time.process_time()
                if with_cut:
                    boundaries.index_fields(a.headline, a.body, cuts[1])
                else:
                    boundaries.index_fields(a.headline, a.body)
                t4 = time.process_time()
                record_digest(a)
                t5 = time.process_time()
                for k, d in zip(got, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
                    got[k] += d
            return got

        runs = [prepare_parts() for _ in range(3)]
        labels = {
            "cut": "analyze: cut (tokens, terms)",
            "words": "analyze: spelling words",
            "sketch": "sketch (near-duplicates)",
            "operators": "operators' fields (boundaries, exact forms)",
            "digest": "record digest",
        }
        for k, label in labels.items():
            times[label] = min(r[k] for r in runs)
        whole = []
        for i in range(3):
            ix = SearchIndex(Path(tmp) / f"ix{i}", create=True)
            started = time.process_time()
            ix.update([src])
            whole.append(time.process_time() - started)
            ix.close()
        rest = min(whole) - sum(times.values())
        times["write + commit (the rest of a whole run)"] = rest
        print("| step | ms an article (CPU) |")
        print("|---|---|")
        for k, v in times.items():
            print(f"| {k} | {1000 * v / n:.3f} |")
        print(f"| whole run, one process (SEARCHKIT_WORKERS=0) | {1000 * min(whole) / n:.3f} |")


if __name__ == "__main__":
    main()

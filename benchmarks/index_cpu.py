"""Whole `searchkit index` processes timed by CPU, for trees compared on a loaded machine.

    python benchmarks/run.py --engines searchkit        # builds the corpus once
    python benchmarks/index_cpu.py [--tree OLD_TREE] [--rounds 3] [--profile OUT]

Each round runs, as subprocesses with imports included, for each tree
(alternated, so the machine's load falls on both alike): a 19k build of the
one JSON Lines file, an add of 200 stories to it, and a no-change run. Each
prints wall seconds, the main process's CPU seconds (its own getrusage at
exit) and its workers' (the children it reaped), with the load beside them.
``--tree`` names another checkout's directory holding ``searchkit/`` (an
exported old commit); it runs with that directory first on ``PYTHONPATH``
(``--new-tree`` likewise for the new side, to go on editing meanwhile).
``--profile OUT`` cProfiles the main process of one build of this tree
instead, writing pstats to OUT.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / ".work"

# Runs the CLI in this interpreter and reports its own and its children's CPU at exit.
_WRAPPER = """
import atexit, json, os, resource, sys
def _report():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(os.environ["INDEX_CPU_OUT"], "w") as f:
        json.dump({"main": s.ru_utime + s.ru_stime, "workers": c.ru_utime + c.ru_stime,
                   "rss_mb": s.ru_maxrss / 1024}, f)
atexit.register(_report)
sys.argv = ["searchkit"] + sys.argv[1:]
prof = os.environ.get("INDEX_CPU_PROFILE")
from searchkit.client import main
if prof:
    import cProfile
    p = cProfile.Profile()
    p.enable()
    try:
        main()
    except SystemExit:
        pass
    p.disable()
    p.dump_stats(prof)
else:
    main()
"""


def corpus() -> tuple[Path, Path]:
    found = sorted(WORK.glob("corpus-*-nreal-*-p20000"))  # the 19k Reuters file, not a --scale corpus
    if not found:
        sys.exit("no corpus: run python benchmarks/run.py --engines searchkit first")
    base = found[0]
    return base / "parts", next((base / "adds").glob("*.jsonl"))


def run(tree: Path | None, index: Path, paths: list[Path], profile: str | None = None) -> dict[str, float]:
    env = dict(os.environ, SEARCHKIT_NO_DAEMON="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # The child runs outside the checkout: ``python -c`` puts its working
    # directory first on sys.path, so run from the repo root it imported this
    # checkout's searchkit whatever PYTHONPATH named (before this fix an
    # "old" tree was silently the new one).
    env["PYTHONPATH"] = str(tree if tree is not None else ROOT)
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        env["INDEX_CPU_OUT"] = out.name
        if profile:
            env["INDEX_CPU_PROFILE"] = profile
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", _WRAPPER, "-i", str(index), "index", *map(str, paths)],
            env=env,
            cwd=index.parent,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wall = time.perf_counter() - started
        got: dict[str, float] = json.loads(Path(out.name).read_text())
    return {"wall": wall, **got, "load": os.getloadavg()[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", type=Path, help="an old tree's directory (holding searchkit/)")
    ap.add_argument("--new-tree", type=Path, help="run this directory as 'new' instead of the checkout")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--profile", help="cProfile one build's main process of this tree to this file")
    ap.add_argument("--skip-build", action="store_true", help="only the add and no-change runs (reuses a build)")
    args = ap.parse_args()
    parts, add = corpus()
    scratch = Path(tempfile.mkdtemp(prefix="index_cpu-"))
    try:
        if args.profile:
            r = run(None, scratch / "ix", [parts], profile=args.profile)
            print(f"profiled build: {r}")
            return
        trees: list[tuple[str, Path | None]] = [("new", args.new_tree.resolve() if args.new_tree else None)]
        if args.tree:
            trees.insert(0, ("old", args.tree.resolve()))
        for rnd in range(args.rounds):
            for name, tree in trees:
                ix = scratch / f"ix-{name}"
                shutil.rmtree(ix, ignore_errors=True)
                rows = {"build": run(tree, ix, [parts])}
                copy = scratch / f"ix-{name}-copy"
                shutil.rmtree(copy, ignore_errors=True)
                shutil.copytree(ix, copy)
                rows["add 200"] = run(tree, copy, [parts, add])
                rows["no change"] = run(tree, copy, [parts, add])
                for step, r in rows.items():
                    print(
                        f"round {rnd} {name:3} {step:9}  wall {r['wall']:6.2f} s  main CPU {r['main']:6.2f} s"
                        f"  workers CPU {r['workers']:6.2f} s  RSS {r['rss_mb']:5.0f} MB  load {r['load']:.2f}",
                        flush=True,
                    )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Whole-process timings of the searchkit command on one index: start-up included.

    python benchmarks/startup.py                      # the 19k run's index (benchmarks/run.py made it)
    python benchmarks/startup.py --index PATH --runs 15
    python benchmarks/startup.py --src /tmp/old-tree        # another tree's searchkit/ (a before/after pair)

Each command runs ``--runs`` times as a fresh process (``python -m
searchkit``, the same interpreter as this script), after one untimed run
to warm the page cache; the table gives min and median wall time. Targets
(issue 15): ``--help`` <= 0.1 s, ``search radar`` <= 0.15 s, a fuzzy query
and ``similar`` <= 0.3 s. The bare interpreter is measured the same way,
as the floor every command pays. The CPU column (the child's user +
system time) is what a machine busy with other work changes least.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INDEX = ROOT / "benchmarks" / ".work" / "run-19043" / "searchkit" / "index"


def timed(argv: Sequence[str], runs: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    """Wall times and CPU times (user + system, from the child's rusage) of ``runs`` runs."""
    subprocess.run(argv, env=env, capture_output=True, check=False)  # warm the page cache
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.run(argv, env=env, capture_output=True, check=False)
        wall.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode()[-500:]}")
    return wall, cpu


def first_id(index: Path, env: dict[str, str]) -> str:
    argv = [sys.executable, "-m", "searchkit", "-i", str(index), "search", "oil prices", "--limit", "1"]
    proc = subprocess.run(
        [*argv, "--format", "json"],
        env=env,
        capture_output=True,
        check=True,
    )
    return str(json.loads(proc.stdout)["hits"][0]["id"])


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--src", type=Path, default=ROOT, help="folder holding the searchkit package to run")
    args = ap.parse_args(argv)
    if not args.index.exists():
        print(f"no index at {args.index}: run benchmarks/run.py first, or give --index", file=sys.stderr)
        return 2
    env = {**os.environ, "PYTHONPATH": str(args.src)}
    sk = [sys.executable, "-m", "searchkit", "-i", str(args.index)]
    doc = first_id(args.index, env)
    commands = [
        ("python -c pass (the floor)", [sys.executable, "-c", "pass"], None),
        ("searchkit --help", [*sk, "--help"], 0.1),
        ("searchkit search radar", [*sk, "search", "radar"], 0.15),
        ('searchkit search "interest rates"', [*sk, "search", '"interest rates"'], None),
        ("searchkit search radr~", [*sk, "search", "radr~"], 0.3),
        (f"searchkit similar {doc}", [*sk, "similar", doc], 0.3),
    ]
    print(f"index {args.index}; {args.src / 'searchkit'}; {args.runs} runs each; load average {os.getloadavg()[0]:.2f}")
    # CPU time (user + system) is what a busy machine's waits leave out.
    print(f"{'command':44} {'min s':>7} {'median s':>9} {'cpu min s':>10} {'target':>7}")
    for label, cmd, target in commands:
        t, cpu = timed(cmd, args.runs, env)
        mark = "" if target is None else f"{target:.2f} {'PASS' if min(t) <= target else 'FAIL'}"
        print(f"{label:44} {min(t):7.3f} {statistics.median(t):9.3f} {min(cpu):10.3f} {mark:>7}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

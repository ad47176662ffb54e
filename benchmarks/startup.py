"""Whole-process timings of the searchkit command on one index: start-up included.

    python benchmarks/startup.py                      # the 19k run's index (benchmarks/run.py made it)
    python benchmarks/startup.py --index PATH --runs 15
    python benchmarks/startup.py --src /tmp/old-tree        # another tree's searchkit/ (a before/after pair)
    python benchmarks/startup.py --no-daemon              # cold runs only
    python benchmarks/startup.py --no-auto                # no "auto" column
    python benchmarks/startup.py --floor                  # what a cold search's start-up is made of

Each command runs ``--runs`` times as a fresh process (``python -m
searchkit``, the same interpreter as this script), after one untimed run
to warm the page cache; the table gives min and median wall time. Targets
(issue 15): ``--help`` <= 0.1 s, ``search radar`` <= 0.15 s, a fuzzy query
and ``similar`` <= 0.3 s. The bare interpreter is measured the same way,
as the floor every command pays. The CPU column (the child's user +
system time) is what a machine busy with other work changes least.

Every command is timed twice: cold (``SEARCHKIT_NO_DAEMON=1``: the whole
start-up in the command's own process) and through a ``searchkit daemon``
this script starts on the index in a private temporary folder (and stops
at the end); the daemon's count of the commands it ran checks that every one of
those runs went through it. The daemon columns are labelled as such: they
leave out the start-up the daemon paid once.

The "auto" column is what a person at a terminal gets without starting
anything: each run has a pseudo-terminal on stdin, stdout and stderr, so the
first read command (untimed, shown on its own line) runs cold and starts a
daemon by itself (client.autostart), and the timed runs after it go through
that daemon. A terminal's runs include reading the terminal's output here.

``--floor`` measures instead what a cold ``search radar`` is made of: fresh
processes that import one more layer each (the parts of Whoosh a search
loads; click; searchkit's own modules of a search), then the whole
command, which takes executor's light path and never imports numpy; and
beside them what numpy adds (as the engine loads it, one BLAS thread) and
the standard-library modules a Whoosh-free search would need. The steps
alternate run by run, so a change in the machine's load falls on all of
them alike; CPU min is the figure to compare.
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import resource
import select
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
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


def at_a_terminal(argv: Sequence[str], env: dict[str, str]) -> tuple[float, float, int, bytes]:
    """One run of ``argv`` with a fresh pseudo-terminal as stdin, stdout and
    stderr: wall time (to the end of its output), CPU time, status, output."""
    leader, follower = pty.openpty()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    out = b""
    try:
        while select.select([leader], [], [], 60)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # every holder of the terminal has closed it
                break
            if not chunk:
                break
            out += chunk
        code = proc.wait(timeout=60)
    finally:
        os.close(leader)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, code, out


def timed_at_a_terminal(argv: Sequence[str], runs: int, env: dict[str, str]) -> tuple[list[float], list[float]]:
    at_a_terminal(argv, env)  # as timed() does: one untimed run first
    wall, cpu = [], []
    for _ in range(runs):
        w, c, code, out = at_a_terminal(argv, env)
        if code != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({code}) at a terminal: {out.decode(errors='replace')[-500:]}")
        wall.append(w)
        cpu.append(c)
    return wall, cpu


def answering(env: dict[str, str], timeout: float = 120.0) -> None:
    code = "from searchkit import daemon; print(daemon.status().running)"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=True)
        if proc.stdout.strip() == b"True":
            return
        time.sleep(0.1)
    raise SystemExit("the daemon a terminal's command should have started did not answer")


@contextmanager
def automatic(env: dict[str, str]) -> Iterator[dict[str, str]]:
    """The environment of a terminal's commands, with a daemon folder and
    settings of this run's own; the daemon they start is stopped at the end."""
    with tempfile.TemporaryDirectory(prefix="searchkit-bench-auto-") as folder:
        aenv = {**env, "SEARCHKIT_DAEMON_DIR": str(Path(folder) / "d"), "XDG_CONFIG_HOME": str(Path(folder) / "config")}
        aenv.pop("SEARCHKIT_NO_DAEMON", None)
        aenv.pop("SEARCHKIT_DAEMON_IDLE", None)
        try:
            yield aenv
        finally:
            sk = [sys.executable, "-m", "searchkit"]
            subprocess.run([*sk, "daemon", "stop"], env=aenv, capture_output=True, check=False)


def first_id(index: Path, env: dict[str, str]) -> str:
    argv = [sys.executable, "-m", "searchkit", "-i", str(index), "search", "oil prices", "--limit", "1"]
    proc = subprocess.run(
        [*argv, "--format", "json"],
        env=env,
        capture_output=True,
        check=True,
    )
    return str(json.loads(proc.stdout)["hits"][0]["id"])


def ran(env: dict[str, str]) -> int:
    """Commands the benchmark's daemon has run (not those it refused)."""
    code = "from searchkit import daemon; print(daemon.status().ran)"
    return int(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, check=True).stdout)


@contextmanager
def running_daemon(index: Path, env: dict[str, str]) -> Iterator[dict[str, str]]:
    """The environment of commands that go through a daemon started on ``index``."""
    with tempfile.TemporaryDirectory(prefix="searchkit-bench-") as folder:
        denv = {**env, "SEARCHKIT_DAEMON_DIR": str(Path(folder) / "d")}
        denv.pop("SEARCHKIT_NO_DAEMON", None)
        sk = [sys.executable, "-m", "searchkit"]
        subprocess.run([*sk, "-i", str(index), "daemon", "start"], env=denv, capture_output=True, check=True)
        try:
            yield denv
        finally:
            subprocess.run([*sk, "daemon", "stop"], env=denv, capture_output=True, check=False)


# What a cold `search radar` loads, one layer more a step (see --floor): the
# light path (executor.light) answers it without numpy, so numpy is shown
# beside the steps, as what a search of more postings adds.
FLOOR_STEPS = (
    ("python -c pass", "pass"),
    ("+ Whoosh (a search's parts)", "import searchkit, whoosh.query, whoosh.searching, whoosh.codec.whoosh3"),
    ("+ click", "import searchkit, whoosh.query, whoosh.searching, whoosh.codec.whoosh3, click"),
    ("+ searchkit's modules of a search", "import searchkit.cli, searchkit.search, searchkit.executor, "
     "searchkit.render, searchkit.export, searchkit.codec"),
)
# Beside the steps: numpy as the engine loads it, and the standard library a
# search without Whoosh and click would still load (catalog, mapped segment
# files, pickled stored fields, rendering).
BESIDE = (
    ("(+ numpy, for the engine)", "import searchkit.cli, searchkit.search, searchkit.executor, "
     "searchkit.render, searchkit.export, searchkit.codec, numpy"),
    ("(stdlib of a Whoosh-free search)", "import sqlite3, mmap, struct, array, pickle, zlib, re, json, heapq, "
     "bisect, datetime, shutil, unicodedata, io, os"),
)

RELATIVE = {"(+ numpy, for the engine)": "+ searchkit's modules of a search"}


def floor(index: Path, runs: int, env: dict[str, str]) -> None:
    """Each FLOOR_STEPS step, the whole command and the BESIDE rows, alternated run by run."""
    env = {**env}
    if not env.get("OPENBLAS_NUM_THREADS"):
        env["OPENBLAS_NUM_THREADS"] = "1"  # as the command asks (client.one_blas_thread)
    steps = [(label, [sys.executable, "-c", code]) for label, code in FLOOR_STEPS]
    steps.append(("the whole search radar", [sys.executable, "-m", "searchkit", "-i", str(index), "search", "radar"]))
    steps += [(label, [sys.executable, "-c", code]) for label, code in BESIDE]
    got: dict[str, tuple[list[float], list[float]]] = {label: ([], []) for label, _ in steps}
    for _, argv in steps:
        subprocess.run(argv, env=env, capture_output=True, check=True)  # warm the page cache
    for _ in range(runs):
        for label, argv in steps:
            wall, cpu = timed_once(argv, env)
            got[label][0].append(wall)
            got[label][1].append(cpu)
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print(f"{'step':40} {'cpu min':>8} {'median':>7} {'added':>7} {'wall min':>9} {'median':>7}")
    before = None
    for label, _ in steps:
        wall, cpu = got[label]
        added = "" if before is None or label.startswith("(") else f"{min(cpu) - before:+.3f}"
        if label in RELATIVE:
            added = f"{min(cpu) - min(got[RELATIVE[label]][1]):+.3f}"
        print(f"{label:40} {min(cpu):8.3f} {statistics.median(cpu):7.3f} {added:>7} "
              f"{min(wall):9.3f} {statistics.median(wall):7.3f}")
        if not label.startswith("("):
            before = min(cpu)


def timed_once(argv: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, env=env, capture_output=True, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    ap.add_argument("--runs", type=int, default=11)
    ap.add_argument("--src", type=Path, default=ROOT, help="folder holding the searchkit package to run")
    ap.add_argument("--no-daemon", action="store_true", help="cold runs only")
    ap.add_argument("--no-auto", action="store_true", help="no runs at a terminal (the auto column)")
    ap.add_argument("--floor", action="store_true", help="what a cold search's start-up is made of, layer by layer")
    args = ap.parse_args(argv)
    args.index, args.src = args.index.resolve(), args.src.resolve()
    # Every command runs from --src: `python -m` and `-c` put the working
    # folder first on sys.path, so from anywhere else (this repository's
    # root, say) they would import that folder's searchkit, not --src's.
    os.chdir(args.src)
    if not args.index.exists():
        print(f"no index at {args.index}: run benchmarks/run.py first, or give --index", file=sys.stderr)
        return 2
    env = {**os.environ, "PYTHONPATH": str(args.src), "SEARCHKIT_NO_DAEMON": "1"}
    if args.floor:
        print(f"index {args.index}; {args.src / 'searchkit'}; {args.runs} runs each; load {os.getloadavg()[0]:.2f}")
        floor(args.index, args.runs, env)
        return 0
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
    cold = {label: timed(cmd, args.runs, env) for label, cmd, _target in commands}
    daemon: dict[str, tuple[list[float], list[float]]] = {}
    if not args.no_daemon:
        with running_daemon(args.index, env) as denv:
            for label, cmd, _target in commands[1:]:
                before = ran(denv)
                daemon[label] = timed(cmd, args.runs, denv)
                # Each run and the warm-up went through the daemon (--help: through
                # it in older trees, from the client's cache since).
                if ran(denv) - before not in ((args.runs + 1,) if "--help" not in label else (0, args.runs + 1)):
                    raise SystemExit(f"{label}: not every run went through the daemon")
    auto: dict[str, tuple[list[float], list[float]]] = {}
    first = None
    if not args.no_daemon and not args.no_auto:
        with automatic(env) as aenv:
            # The first command at a terminal: cold, and it starts the daemon.
            first = at_a_terminal(commands[2][1], aenv)[0]
            answering(aenv)
            for label, cmd, _target in commands[1:]:
                before = ran(aenv)
                auto[label] = timed_at_a_terminal(cmd, args.runs, aenv)
                # Every run went through it (--help: the client's cache, never).
                if ran(aenv) - before != (args.runs + 1) * ("--help" not in label):
                    raise SystemExit(f"{label}: not every run at a terminal went through the daemon it started")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    # CPU time (user + system) is what a busy machine's waits leave out; through
    # the daemon it is the client's alone (the worker is the daemon's child).
    print(
        f"{'command':44} {'cold min':>9} {'median':>7} {'cpu min':>8} "
        f"{'daemon min':>11} {'median':>7} {'auto min':>9} {'median':>7} "
        f"{'target':>7} {'cold':>5} {'daemon':>6} {'auto':>5}"
    )

    def pair(got: tuple[list[float], list[float]] | None) -> tuple[str, str]:
        return ("", "") if got is None else (f"{min(got[0]):.3f}", f"{statistics.median(got[0]):.3f}")

    def verdict(got: tuple[list[float], list[float]] | None, target: float | None) -> str:
        if got is None or target is None:
            return ""
        return "PASS" if min(got[0]) <= target else "FAIL"

    for label, _cmd, target in commands:
        t, cpu = cold[label]
        d, a = daemon.get(label), auto.get(label)
        mark = "" if target is None else f"{target:.2f}"
        print(
            f"{label:44} {min(t):9.3f} {statistics.median(t):7.3f} {min(cpu):8.3f} "
            f"{pair(d)[0]:>11} {pair(d)[1]:>7} {pair(a)[0]:>9} {pair(a)[1]:>7} {mark:>7} "
            f"{verdict(cold[label], target):>5} {verdict(d, target):>6} {verdict(a, target):>5}"
        )
    if first is not None:
        print(f"first command at a terminal (cold; starts the daemon): {first:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Kill `searchkit index` at random points, re-run it, and check nothing was lost.

    python benchmarks/kill_resume.py               # the 19k Reuters export, 5 kills
    python benchmarks/kill_resume.py --docs 3000 --kills 3

Issue 11's acceptance run: a reference index is built without interruption;
a second index gets the first corpus part and two saved searches, then the
whole corpus is indexed by `searchkit index` processes SIGKILLed after a
random delay, each re-run after the kill, and finally one run to the end.
The result must hold every article exactly once, the same near-duplicate
groups as the reference, and the saved searches; the first `alerts` call
after that must show only articles the runs added, none twice, and the next
one nothing.
Exit status 0 when every check passes.
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import run  # noqa: E402


def _index(where: Path, *paths: Path) -> subprocess.Popen[bytes]:
    args = [sys.executable, "-m", "searchkit", "-i", str(where), "index", *map(str, paths)]
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _ids(where: Path) -> list[str]:
    """Every live article's id, from the committed generation's id column."""
    from searchkit import storage
    from searchkit.schema import as_text

    with storage.open_index(where).reader() as reader:
        ids: list[str] = []
        for leaf, _ in reader.leaf_readers():
            column = list(leaf.column_reader("id"))
            ids.extend(as_text(column[d]) for d in leaf.all_doc_ids())
    return ids


def _state(where: Path) -> tuple[list[str], list[list[str]]]:
    from searchkit import SearchIndex

    with SearchIndex(where) as ix:
        groups = sorted([g.leader.id, *sorted(c.id for c in g.copies)] for g in ix.duplicates())
    return _ids(where), groups


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=None, help="only the first N Reuters stories")
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1987)
    ap.add_argument("--max-delay", type=float, default=40.0, help="longest wait before a kill, seconds")
    ap.add_argument("--work", type=Path, default=run.WORK)
    args = ap.parse_args(argv)
    from searchkit import SearchIndex

    corpus = run.prepare_corpus(args.docs, None, args.seed, args.work)
    scratch = args.work / "kill-resume"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    rng = random.Random(args.seed)

    started = time.monotonic()
    ref = scratch / "reference"
    proc = _index(ref, corpus.dir)
    _, err = proc.communicate()
    if proc.returncode:
        raise SystemExit(f"reference run failed: {err.decode()}")
    ref_ids, ref_groups = _state(ref)
    full_seconds = time.monotonic() - started
    print(f"reference: {len(ref_ids)} articles, {len(ref_groups)} duplicate groups in {full_seconds:.0f} s")

    where = scratch / "killed"
    first = sorted(corpus.dir.glob("*.jsonl"))[0]
    proc = _index(where, first)
    proc.communicate()
    with SearchIndex(where) as ix:
        ix.save_search("oil", "oil")
        ix.save_search("trade-kyodo", "trade", sources=["reuters"], since="1987-03")
        before = set(_ids(where))
    checks: list[tuple[str, bool]] = []
    for k in range(args.kills):
        delay = rng.uniform(1.0, min(args.max_delay, full_seconds))
        proc = _index(where, corpus.dir)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        ids, _ = _state(where)
        killed = proc.returncode == -signal.SIGKILL
        print(f"run {k + 1}: {'killed' if killed else 'finished'} after {delay:.1f} s: {len(ids)} articles indexed")
        checks.append((f"run {k + 1}: no article twice", len(ids) == len(set(ids))))
    proc = _index(where, corpus.dir)
    _, err = proc.communicate()
    checks.append(("final run exits 0", proc.returncode == 0))
    ids, groups = _state(where)
    checks.append(("every article exactly once", sorted(ids) == sorted(ref_ids) and len(ids) == len(set(ids))))
    checks.append(("duplicate groups as in the uninterrupted index", groups == ref_groups))
    with SearchIndex(where) as ix:
        names = [s.name for s in ix.saved_searches()]
        checks.append(("saved searches intact", names == ["oil", "trade-kyodo"]))
        reported: dict[str, int] = {}
        for alert in ix.alerts(limit=10_000_000):
            hit_ids = [h.id for h in alert.results.hits]
            reported[alert.search.name] = len(hit_ids)
            checks.append((f"alerts {alert.search.name}: only new articles", not set(hit_ids) & before))
            want = ix.search(alert.search.query, alert.search.options, limit=10_000, all_copies=True)
            new_matches = {h.id for h in want.hits} - before
            # Alerts fold near-duplicates, so they show a subset of the new matches, each once.
            ok = len(hit_ids) == len(set(hit_ids)) and set(hit_ids) <= new_matches and bool(hit_ids)
            checks.append((f"alerts {alert.search.name}: new matches, each once", ok))
        checks.append(("alerts again: nothing", all(a.results.total == 0 for a in ix.alerts())))
    print(f"alerts after the runs: {reported}")
    for name, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())

"""The analyst's operators beside plain phrase queries, and what their
index-time data costs, on Reuters-21578.

    python benchmarks/operators.py                 # all ~19,000 stories
    python benchmarks/operators.py --docs 2000 --queries 20

Builds four indexes of the same records, each in one commit (one
segment): as searchkit writes it, without the exact forms, without either
(``boundaries.index_fields`` giving empty values), and with the exact forms
of words with two or more capitals only (the alternative design), and
prints their sizes. Then, on the first, the same seeded
word pairs (run.py's QueryMaker, phrase shape: two adjacent words of one
article) as ``"a b"``, ``a w/5 b``, ``a pre/5 b``, ``a /s b``, ``a /p b``,
and single words as ``a``, ``atleast3(a)``, ``lead:a``, ``=A`` (a word
written in capitals in the corpus), each query timed through
``SearchIndex.search`` (limit 10) in alternating rounds, the best round
kept; p50/p95 per class.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import reuters, run  # noqa: E402
from searchkit.tuning import Tuning  # noqa: E402

ONE_COMMIT = Tuning(batch_articles=10**9, commit_seconds=1e9)


def _size(path: Path) -> int:
    """Bytes of the index files (the catalog, which the operators do not touch, left out)."""
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and p.suffix != ".sqlite")


def _build(
    recs: Sequence[dict[str, object]], where: Path, blank: Sequence[str], capitals: int | None = None
) -> tuple[Path, float]:
    """An index of ``recs``, the operators' fields named in ``blank`` left
    empty (and with ``capitals``, exact forms kept from that many capitals)."""
    from searchkit import SearchIndex, boundaries

    data = where / "data"
    data.mkdir(parents=True)
    reuters.write_jsonl(recs, data / "reuters.jsonl")
    original = boundaries.index_fields

    def fields(headline: str, body: str) -> dict[str, object]:
        found = original(headline, body)
        empty = {"bounds": b"", "exact": ""}
        return {k: empty[k] if k in blank else v for k, v in found.items()}

    boundaries.index_fields = fields
    kept = boundaries.EXACT_CAPITALS
    boundaries.EXACT_CAPITALS = capitals or kept
    try:
        started = time.perf_counter()
        # One commit: the segment layout (and so the size) would otherwise
        # follow the machine's speed (a commit every 10 s).
        SearchIndex(where / "index", create=True, tuning=ONE_COMMIT).update([data])
        return where / "index", time.perf_counter() - started
    finally:
        boundaries.index_fields = original
        boundaries.EXACT_CAPITALS = kept


def _capitals(recs: Sequence[dict[str, object]], n: int) -> list[str]:
    """All-capital words of 3+ letters that also occur in lower case (START/start)."""
    caps: dict[str, int] = {}
    lower: set[str] = set()
    for r in recs:
        text = f"{r['headline']} {r['body']}"
        for w in re.findall(r"\b[A-Z]{3,}\b", text):
            caps[w] = caps.get(w, 0) + 1
        lower.update(re.findall(r"\b[a-z]{3,}\b", text))
    both = sorted((w for w in caps if w.lower() in lower), key=lambda w: -caps[w])
    return both[:n]


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1987)
    ap.add_argument("--queries", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sizes-only", action="store_true", help="build and measure the indexes, no query timings")
    args = ap.parse_args(argv)
    from searchkit import SearchIndex

    recs = run.real_records(args.docs, run.WORK)
    with tempfile.TemporaryDirectory(prefix="sk-operators-") as tmp:
        full, t_full = _build(recs, Path(tmp) / "full", blank=())
        no_exact, t_mid = _build(recs, Path(tmp) / "bounds", blank=("exact",))
        bare, t_bare = _build(recs, Path(tmp) / "bare", blank=("bounds", "exact"))
        every, t_every = _build(recs, Path(tmp) / "two", blank=(), capitals=2)
        a, m, b, e = _size(full), _size(no_exact), _size(bare), _size(every)
        print(f"{len(recs):,} articles; load average {os.getloadavg()[0]:.2f}")
        print(f"index as written (boundaries, exact forms) {a / 1e6:8.2f} MB (built in {t_full:.0f} s)")
        print(f"  without the exact forms                  {m / 1e6:8.2f} MB (built in {t_mid:.0f} s)")
        print(f"  without either (fields left empty)       {b / 1e6:8.2f} MB (built in {t_bare:.0f} s)")
        print(f"cost of the boundaries                     {(m - b) / 1e6:8.2f} MB ({100 * (m - b) / b:.1f}%)")
        print(f"cost of the exact forms                    {(a - m) / 1e6:8.2f} MB ({100 * (a - m) / b:.1f}%)")
        print(f"cost of both                               {(a - b) / 1e6:8.2f} MB ({100 * (a - b) / b:.1f}%)")
        print(
            f"exact forms of words with 2+ capitals only {(e - m) / 1e6:8.2f} MB "
            f"({100 * (e - m) / b:.1f}%; built in {t_every:.0f} s)"
        )

        if args.sizes_only:
            return 0
        maker = run.QueryMaker(recs, args.seed + 2)
        pairs = [maker.make("phrase", "plain").words for _ in range(args.queries)]
        caps = _capitals(recs, args.queries)
        classes: dict[str, Callable[[tuple[str, ...]], str]] = {
            "phrase": lambda w: f'"{w[0]} {w[1]}"',
            "w/5": lambda w: f"{w[0]} w/5 {w[1]}",
            "pre/5": lambda w: f"{w[0]} pre/5 {w[1]}",
            "/s": lambda w: f"{w[0]} /s {w[1]}",
            "/p": lambda w: f"{w[0]} /p {w[1]}",
            "word": lambda w: w[0],
            "atleast3": lambda w: f"atleast3({w[0]})",
            "lead:": lambda w: f"lead:{w[0]}",
        }
        queries = {name: [make(p) for p in pairs] for name, make in classes.items()}
        queries["=WORD"] = [f"={w}" for w in caps]
        queries["word (same)"] = [w.lower() for w in caps]
        with SearchIndex(full) as ix:
            started = time.perf_counter()
            ix.search("oil /s prices", limit=10)  # loads the boundaries column once per searcher
            first = (time.perf_counter() - started) * 1000
            for qs in queries.values():  # warm-up: postings of every word
                for q in qs:
                    ix.search(q, limit=10)
            best = {name: [float("inf")] * len(qs) for name, qs in queries.items()}
            hits = {name: 0 for name in queries}
            for _ in range(args.rounds):
                for i in range(max(len(qs) for qs in queries.values())):
                    for name, qs in queries.items():
                        if i >= len(qs):
                            continue
                        t0 = time.perf_counter()
                        r = ix.search(qs[i], limit=10)
                        best[name][i] = min(best[name][i], (time.perf_counter() - t0) * 1000)
                        hits[name] += r.total
        print(f"first /s query (reads the boundaries column): {first:.0f} ms")
        print(
            f"{len(pairs)} word pairs, best of {args.rounds} alternating rounds; "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        print(f"{'class':12} {'n':>3} {'p50 ms':>7} {'p95 ms':>7} {'hits/q':>7}")
        for name, times in best.items():
            n = len(times)
            print(
                f"{name:12} {n:3} {run.percentile(times, 50):7.2f} {run.percentile(times, 95):7.2f} "
                f"{hits[name] / max(1, n * args.rounds):7.1f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

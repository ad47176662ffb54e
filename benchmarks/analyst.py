"""What recency weighting and significant terms cost, beside a plain query.

    python benchmarks/run.py --engines searchkit     # builds the 19k Reuters index once
    python benchmarks/analyst.py                     # then times these on it
    python benchmarks/analyst.py --index DIR         # or on any index

One process, one searcher, the same words for every kind: each round runs
a plain search (top 10 with snippets and an exact total), the same search
with ``recency="90d"``, and ``terms`` of the same query (top 25), in
turn, so that the machine's load falls on all three alike. The first
``terms`` call of a searcher reads the words field's postings into the
per-article rows (:class:`searchkit.terms.Vocabulary`); that one-off cost
is timed on its own, on a freshly opened index. Prints p50/p95 in ms and
the ratio to the plain query, with the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks.filters import WORDS, pct  # noqa: E402  (the same words as the filter benchmark)
from searchkit import SearchIndex, recency  # noqa: E402


def timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, default=ROOT / "benchmarks" / ".work" / "run-19043" / "searchkit" / "index")
    ap.add_argument("--rounds", type=int, default=3, help="passes over the 20 words")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    with SearchIndex(args.index) as ix:
        articles = len(ix)
        ix.search("oil", limit=0)  # the searcher and its arrays, outside every timing
        first_terms = timed(lambda: ix.terms("oil"))
        # The decay alone, over every article at once (the most a query can match).
        arrays = ix._current()[1].arrays
        ids = arrays.live_ids
        ones = np.ones(len(ids))
        decay = statistics.median(timed(lambda: recency.weigh(arrays, ids, ones, "90d")) for _ in range(50))
    kinds: dict[str, Callable[[SearchIndex, str], object]] = {
        "plain search": lambda ix, w: ix.search(w, limit=10),
        "search --recency 90d": lambda ix, w: ix.search(w, limit=10, recency="90d"),
        "terms (top 25)": lambda ix, w: ix.terms(w, limit=25),
    }
    times: dict[str, list[float]] = {k: [] for k in kinds}
    with SearchIndex(args.index) as ix:
        for word in WORDS:  # warm: postings cached, vocabulary built
            for run in kinds.values():
                run(ix, word)
        for _ in range(args.rounds):
            for word in WORDS:
                for kind, run in kinds.items():
                    times[kind].append(timed(lambda run=run, word=word: run(ix, word)))  # type: ignore[misc]
    plain = statistics.median(times["plain search"])
    print(f"{articles:,} articles, {len(WORDS)} words x {args.rounds} rounds, load average {load:.2f} at the start")
    print(f"first terms call of a searcher (reads the vocabulary): {first_terms:,.0f} ms")
    print(f"the decay alone over all {len(ids):,} articles: {decay:.3f} ms (median of 50)")
    print()
    print(f"{'kind':<22} {'p50 ms':>8} {'p95 ms':>8} {'p50 / plain':>12}")
    for kind, values in times.items():
        p50 = statistics.median(values)
        print(f"{kind:<22} {p50:8.2f} {pct(values, 95):8.2f} {p50 / plain:11.2f}x")
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()

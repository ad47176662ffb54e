"""What a date filter costs: Whoosh's NumericRange filter against searchkit's.

    python benchmarks/run.py --engines searchkit    # builds the 19k index once
    python benchmarks/filters.py                    # then times filters on it

Same searcher, same queries, date windows never used before in the run;
each query runs through searchkit's single exact-count pass unfiltered,
with ``NumericRange`` (what Whoosh offers) and with searchkit's FilterSet,
and once more as plain ``Searcher.search()`` + ``len()`` with NumericRange
(Whoosh as shipped). Prints p50/p95 in ms and the ratio to unfiltered.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from whoosh import query as wq  # noqa: E402

from searchkit import SearchIndex  # noqa: E402
from searchkit.executor import _collect  # noqa: E402
from searchkit.query import Filters  # noqa: E402

WORDS = ["oil", "bank", "trade", "prices", "dollar", "shares", "loan", "coffee", "government", "market",
         "tax", "wheat", "profit", "exports", "yen", "debt", "rate", "gold", "strike", "minister"]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", type=Path, default=ROOT / "benchmarks" / ".work" / "run-19043" / "searchkit" / "index")
    ap.add_argument("--queries", type=int, default=60)
    args = ap.parse_args()
    ix = SearchIndex(args.index, create=False)
    searcher, cache = ix._current()
    rng = random.Random(7)
    start = date(1987, 2, 26)
    timings: dict[str, list[float]] = {
        "no filter": [],
        "whoosh NumericRange": [],
        "searchkit FilterSet": [],
        "plain Whoosh search()": [],
    }
    totals_agree = plain_agree = 0
    for n in range(args.queries):
        word = WORDS[n % len(WORDS)]
        lo = start + timedelta(days=rng.randrange(0, 200))
        hi = lo + timedelta(days=rng.randrange(5, 60))
        built = ix.build(word)
        whoosh_filter = wq.NumericRange("date", lo.toordinal(), hi.toordinal())
        ours = cache.filter_set(Filters(since=lo, until=hi))
        counts = []
        for label, flt in (("no filter", None), ("whoosh NumericRange", whoosh_filter), ("searchkit FilterSet", ours)):
            t = time.perf_counter()
            # searchkit's own single exact-count pass, so only the filter differs
            results, _ = _collect(searcher, built, {"limit": 10}, flt, None, {})
            counts.append(len(results))
            timings[label].append((time.perf_counter() - t) * 1000)
        # Whoosh as shipped: Searcher.search() with its range filter, and
        # len() for the total (a second full pass over the matches).
        t = time.perf_counter()
        plain = len(searcher.search(built.query, limit=10, filter=whoosh_filter))
        timings["plain Whoosh search()"].append((time.perf_counter() - t) * 1000)
        totals_agree += counts[1] == counts[2]
        plain_agree += plain == counts[2]
    base = statistics.median(timings["no filter"])
    print(f"{args.queries} queries on {searcher.doc_count()} articles, top 10 with exact totals")
    print(f"{'filter':22} {'p50 ms':>8} {'p95 ms':>8} {'p50 / unfiltered':>17}")
    for label, values in timings.items():
        print(f"{label:22} {pct(values, 50):8.2f} {pct(values, 95):8.2f} {pct(values, 50) / base:16.2f}x")
    print(f"totals equal for Whoosh's and searchkit's filter: {totals_agree}/{args.queries}")
    print(f"plain Whoosh search() totals equal to searchkit's: {plain_agree}/{args.queries}")


if __name__ == "__main__":
    main()

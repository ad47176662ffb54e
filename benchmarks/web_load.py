"""Response times of `searchkit serve` under 1 to 8 concurrent clients,
against the library call each request makes.

    python benchmarks/web_load.py               # all ~19,000 Reuters stories
    python benchmarks/web_load.py --docs 3000   # a quicker run
    python benchmarks/web_load.py --articles 30 # article pages: first view, then again

The server is a real `searchkit serve` process on a loopback port; the
clients are threads here, each with its own keep-alive connection, sending
the same seeded queries as benchmarks/run.py (words, AND pairs and phrases,
plain, date- and source-filtered). Each level is bounded by a request count
and a time limit.

"library" is the library call each response made, as the server measured it
(its Server-Timing header: after a searcher was free, so not counting the
wait for one), on the same requests at the same moment. The first rows
also time `SearchIndex.search` in this process, alone, with the arguments
each endpoint uses: the search page asks for facets (the chart and the
source list), the API for the hits; "p95 / alone p95" divides by those.
The first ratio is fair to a server whose calls share one core's GIL with
nothing; when calls run side by side (several searchers in one process)
each one is slower, so read the second ratio too, and compare rows of
runs alternated in one sitting:

    python benchmarks/web_load.py --workers 1
    python benchmarks/web_load.py --server-tree /tmp/old   # git archive OLD | tar -x -C /tmp/old

"server memory" is the resident memory of the server and its worker
processes at the end.

The index is built once into benchmarks/.work/web-<docs>/ and reused.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import reuters  # noqa: E402
from benchmarks.engines import QuerySpec  # noqa: E402
from benchmarks.run import WORK, QueryMaker, percentile  # noqa: E402
from searchkit import SearchIndex, SearchkitError  # noqa: E402

CHUNK = 2000  # records per JSON Lines file: searchkit refuses files over 10 MB


def _count(index: Path) -> int | None:
    """Articles in a cached index, or None when there is none this searchkit can open
    (absent, or written by an older schema)."""
    try:
        with SearchIndex(index, create=False) as ix:
            return len(ix)
    except SearchkitError:
        return None


def build_index(docs: int | None) -> tuple[Path, list[dict[str, Any]]]:
    recs = reuters.records(limit=docs)
    where = WORK / f"web-{docs or 'all'}"
    index = where / "index"
    if _count(index) != len(recs):
        shutil.rmtree(where, ignore_errors=True)
        (where / "data").mkdir(parents=True)
        for n in range(0, len(recs), CHUNK):
            reuters.write_jsonl(recs[n : n + CHUNK], where / "data" / f"reuters-{n // CHUNK:03d}.jsonl")
        started = time.monotonic()
        report = SearchIndex(index, create=True).update([where / "data"])
        print(f"indexed in {time.monotonic() - started:.0f} s: {report.summary()}", file=sys.stderr)
        if report.skipped or len(SearchIndex(index, create=False)) != len(recs):
            raise SystemExit(f"the benchmark index is incomplete: {report.skipped}")
    return index, recs


def arguments(q: QuerySpec) -> dict[str, Any]:
    return {
        "q": q.text(),
        "since": q.since.isoformat() if q.since else None,
        "until": q.until.isoformat() if q.until else None,
        "sources": [q.source] if q.source else [],
    }


def url_for(path: str, q: QuerySpec) -> str:
    a = arguments(q)
    pairs = [("q", a["q"])] + [("source", s) for s in a["sources"]]
    pairs += [(k, a[k]) for k in ("since", "until") if a[k]]
    return path + "?" + urllib.parse.urlencode(pairs)


def time_library(index: Path, queries: Sequence[QuerySpec], facets: bool) -> list[float]:
    with SearchIndex(index, create=False) as ix:
        for q in queries[:10]:  # warm the searcher's caches, as a running server has them
            ix.search(limit=10, facets=facets, **arguments(q))
        times = []
        for q in queries:
            started = time.perf_counter()
            ix.search(limit=10, facets=facets, **arguments(q))
            times.append(time.perf_counter() - started)
    return times


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Runs `python -m searchkit` from another source tree (--server-tree: an older
# commit's `git archive`), past the editable install's import finder.
_FROM_TREE = (
    "import runpy, sys; sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f)]; "
    "sys.path.insert(0, sys.argv.pop(1)); runpy.run_module('searchkit', run_name='__main__', alter_sys=True)"
)


def start_server(
    index: Path, workers: int | None = None, tree: Path | None = None
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    python = [sys.executable, "-c", _FROM_TREE, str(tree)] if tree else [sys.executable, "-m", "searchkit"]
    proc = subprocess.Popen(
        [*python, "-i", str(index), "serve", "--port", str(port), *(["--workers", str(workers)] if workers else [])],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, port
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("searchkit serve did not start") from None
            time.sleep(0.1)


_TIMING_RE = re.compile(r"\b(wait|index);dur=([\d.]+)")


@dataclass
class Level:
    latencies: list[float] = field(default_factory=list)  # seconds, seen by the client
    index: list[float] = field(default_factory=list)  # seconds in the library call (Server-Timing)
    wait: list[float] = field(default_factory=list)  # seconds waiting for the index lock
    elapsed: float = 0.0
    errors: int = 0


def load(port: int, urls: Sequence[str], clients: int, requests: int, limit_s: float) -> Level:
    """``requests`` GETs spread over ``clients`` threads (or as many as fit in
    ``limit_s`` seconds)."""
    level = Level()
    lock = threading.Lock()
    next_i = [0]
    deadline = time.monotonic() + limit_s

    def take() -> int | None:
        with lock:
            if next_i[0] >= requests or time.monotonic() > deadline:
                return None
            next_i[0] += 1
            return next_i[0] - 1

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while (i := take()) is not None:
            started = time.perf_counter()
            try:
                conn.request("GET", urls[i % len(urls)])
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                timing = dict(_TIMING_RE.findall(response.getheader("Server-Timing") or ""))
            except (OSError, http.client.HTTPException):
                ok, timing = False, {}
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            elapsed = time.perf_counter() - started
            with lock:
                level.latencies.append(elapsed)
                level.errors += not ok
                if "index" in timing:
                    level.index.append(float(timing["index"]) / 1000)
                    level.wait.append(float(timing["wait"]) / 1000)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    level.elapsed = time.monotonic() - started
    return level


def ms(values: Sequence[float], p: float) -> float:
    return percentile(values, p) * 1000


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants (Linux /proc), in MB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, AttributeError):
            continue
    return total / 1024


def article_pages(port: int, ids: Sequence[str]) -> tuple[list[float], list[float]]:
    """GET /article/ID for each id, then each again: seconds per page, first and second view."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(article_id: str) -> float:
        started = time.perf_counter()
        conn.request("GET", "/article/" + urllib.parse.quote(article_id, safe=""))
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"/article/{article_id}: {response.status}")
        return time.perf_counter() - started

    get(ids[-1])  # the near-duplicate groups, read once per index state, before anything is timed
    first = [get(i) for i in ids[:-1]]
    again = [get(i) for i in ids[:-1]]
    conn.close()
    return first, again


def articles_main(args: argparse.Namespace) -> int:
    index, recs = build_index(args.docs)
    step = max(1, len(recs) // (args.articles + 1))
    ids = [str(r["id"]) for r in recs[::step]][: args.articles + 1]
    proc, port = start_server(index, args.workers, args.server_tree)
    try:
        first, again = article_pages(port, ids)
    finally:
        proc.terminate()
        proc.wait(30)
    where = f", from {args.server_tree}" if args.server_tree else ""
    print(f"article pages of searchkit serve{where} on {len(recs)} Reuters stories, one client, "
          f"load average {os.getloadavg()[0]:.2f} at the end")
    print()
    rows = [("view", "pages", "p50 ms", "p95 ms", "mean ms")]
    for name, times in (("first", first), ("again", again)):
        rows.append((name, str(len(times)), f"{ms(times, 50):.1f}", f"{ms(times, 95):.1f}",
                     f"{1000 * sum(times) / len(times):.1f}"))
    print_table(rows, lambda col: col == 0)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=None, help="use only the first N Reuters stories")
    ap.add_argument("--queries", type=int, default=90, help="distinct seeded queries (default 90)")
    ap.add_argument("--requests", type=int, default=360, help="requests per endpoint and client count (default 360)")
    ap.add_argument("--limit", type=float, default=60.0, help="seconds at most per level (default 60)")
    ap.add_argument("--seed", type=int, default=1987)
    ap.add_argument("--workers", type=int, default=None, help="searchkit serve --workers (default: serve's own)")
    ap.add_argument("--server-tree", type=Path, default=None,
                    help="serve from this source tree instead (e.g. an older commit's git archive), for before/after")
    ap.add_argument("--articles", type=int, default=0,
                    help="instead: time N article pages (similar articles, copies), first view and again")
    args = ap.parse_args(argv)
    if args.articles:
        return articles_main(args)

    index, recs = build_index(args.docs)
    queries = QueryMaker(recs, args.seed).batch(args.queries)
    library = {
        "page": time_library(index, queries, facets=True),
        "api": time_library(index, queries, facets=False),
    }
    proc, port = start_server(index, args.workers, args.server_tree)
    rows: list[tuple[str, int, Level]] = []
    try:
        for endpoint, path in (("api", "/api/search"), ("page", "/")):
            urls = [url_for(path, q) for q in queries]
            # Warm-up on 8 connections: every worker process, and each of its
            # searchers, has read its caches before anything is timed.
            load(port, urls[:10], 8, 80, args.limit)
            for clients in (1, 2, 4, 8):
                rows.append((endpoint, clients, load(port, urls, clients, args.requests, args.limit)))
        rss = tree_rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(30)

    load_avg = os.getloadavg()[0]
    workers = f"--workers {args.workers}" if args.workers else "default --workers"
    if args.server_tree:
        workers += f", from {args.server_tree}"
    print(f"searchkit serve ({workers}) on {len(recs)} Reuters stories, {args.queries} seeded queries, "
          f"load average {load_avg:.2f} at the end, {os.cpu_count()} cores shared by server and clients, "
          f"server memory {rss:.0f} MB resident at the end")
    print()
    header = ("what", "clients", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "library p95 ms",
              "wait p95 ms", "p95 / library p95", "p95 / alone p95", "errors")
    table: list[tuple[str, ...]] = [header]
    for endpoint, times in library.items():
        call = "search(facets=True)" if endpoint == "page" else "search()"
        table.append((f"library {call} alone", "-", str(len(times)), f"{len(times) / sum(times):.0f}",
                      f"{ms(times, 50):.1f}", f"{ms(times, 95):.1f}", f"{ms(times, 99):.1f}", f"{ms(times, 95):.1f}",
                      "-", "1.0x", "1.0x", "-"))
    for endpoint, clients, level in rows:
        name = "GET /api/search" if endpoint == "api" else "GET / (search page)"
        ratio = percentile(level.latencies, 95) / percentile(level.index, 95)
        alone = percentile(level.latencies, 95) / percentile(library[endpoint], 95)
        table.append((name, str(clients), str(len(level.latencies)), f"{len(level.latencies) / level.elapsed:.0f}",
                      f"{ms(level.latencies, 50):.1f}", f"{ms(level.latencies, 95):.1f}",
                      f"{ms(level.latencies, 99):.1f}", f"{ms(level.index, 95):.1f}", f"{ms(level.wait, 95):.1f}",
                      f"{ratio:.1f}x", f"{alone:.1f}x", str(level.errors)))
    print_table(table, lambda col: col == 0)
    return 0


def print_table(rows: Sequence[Sequence[str]], left: Callable[[int], bool]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]

    def fmt(row: Sequence[str]) -> str:
        cells = enumerate(zip(row, widths, strict=True))
        return "  ".join(c.ljust(w) if left(i) else c.rjust(w) for i, (c, w) in cells)

    print(fmt(rows[0]))
    print("  ".join("-" * w for w in widths))
    for row in rows[1:]:
        print(fmt(row))


if __name__ == "__main__":
    raise SystemExit(main())

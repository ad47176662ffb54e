"""Where searchkit's time goes: cProfile of the query, indexing and add paths.

    python benchmarks/run.py --engines searchkit        # builds the index once
    python benchmarks/profile_searchkit.py              # then profiles it

Uses the corpus, index and query list of the matching run.py invocation
(same --docs/--scale/--seed/--work), so the numbers line up with its table.
Indexing is profiled on the first ``--index-docs`` articles (cProfile
roughly doubles Whoosh's run time; the shares are what matter).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import os
import pstats
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # see run.py

from benchmarks import engines, reuters, run  # noqa: E402
from benchmarks.engines import QuerySpec  # noqa: E402

Key = tuple[str, int, str]


def _name(key: Key) -> str:
    path, line, func = key
    if path == "~":
        return func
    short = path.split("site-packages/")[-1].replace(str(ROOT) + "/", "")
    return f"{short}:{line}({func})"


def callees(stats: pstats.Stats, caller_re: str) -> list[tuple[str, int, float]]:
    """(callee, calls, cumulative s) for calls made by functions matching ``caller_re``."""
    table: dict[Key, Any] = stats.stats  # type: ignore[attr-defined]
    out: dict[str, tuple[int, float]] = {}
    for key, (_cc, _nc, _tt, _ct, callers) in table.items():
        for caller, (_c, ncalls, _t, cum) in callers.items():
            if re.search(caller_re, _name(caller)):
                n, c = out.get(_name(key), (0, 0.0))
                out[_name(key)] = (n + ncalls, c + cum)
    return sorted(((k, n, c) for k, (n, c) in out.items()), key=lambda r: -r[2])


def top(stats: pstats.Stats, sort: str, n: int) -> str:
    buf = io.StringIO()
    stats.stream = buf  # type: ignore[attr-defined]
    stats.sort_stats(sort).print_stats(n)
    # Drop pstats' preamble; keep the table.
    text = buf.getvalue()
    return (
        text[text.find("   ncalls") :]
        .replace(str(ROOT) + "/", "")
        .replace(str(Path(sys.prefix)) + "/lib/python3.11/site-packages/", "")
    )


def profile(fn: Callable[[], Any]) -> tuple[pstats.Stats, float]:
    prof = cProfile.Profile()
    started = time.perf_counter()
    prof.enable()
    fn()
    prof.disable()
    return pstats.Stats(prof), time.perf_counter() - started


def breakdown(stats: pstats.Stats, caller: str, per: int, unit: str, scale: float, limit: int = 12) -> list[str]:
    return [
        f"    {cum * scale / per:8.2f} {unit}  {calls:>7}  {name}"
        for name, calls, cum in callees(stats, caller)[:limit]
        if cum * scale / per >= 0.005
    ]


def profile_queries(index: Path, queries: Sequence[QuerySpec], warm: Sequence[QuerySpec], n_top: int) -> None:
    eng = engines.SearchkitEngine(index.parent, Path("."))
    eng.open()
    for q in warm:
        eng.search(q)
    plain: list[float] = []
    for q in queries:  # unprofiled first: the real cost per query
        started = time.perf_counter()
        eng.search(q)
        plain.append((time.perf_counter() - started) * 1000)
    bare = whoosh_floor(index, queries)
    stats, secs = profile(lambda: [eng.search(q) for q in queries])
    n = len(queries)
    print(
        f"\n## query path: {n} queries, p50 {run.percentile(plain, 50):.1f} ms, "
        f"p95 {run.percentile(plain, 95):.1f} ms unprofiled; {secs * 1000 / n:.1f} ms/query under cProfile"
    )
    print(
        f"  floor: Whoosh's own Searcher.search(limit=10) of the same parsed queries, without filters, "
        f"exact count or snippets: p50 {run.percentile(bare, 50):.1f} ms, p95 {run.percentile(bare, 95):.1f} ms"
    )
    print("  executor.run, per query (profiled ms):")
    print("\n".join(breakdown(stats, r"executor\.py:\d+\(run\)", n, "ms", 1000)))
    print("  executor.hits, per query (profiled ms):")
    print("\n".join(breakdown(stats, r"executor\.py:\d+\(hits\)", n, "ms", 1000, 8)))
    print("\n" + top(stats, "tottime", n_top))
    eng.close()


def whoosh_floor(index: Path, queries: Sequence[QuerySpec]) -> list[float]:
    """ms per query for Whoosh alone: the parsed query's top 10 through
    Whoosh's own collector (block-quality skipping on), nothing else.

    No engine built on Whoosh can answer these queries faster, so this is
    the floor for searchkit's figures; the queries are already warm from the
    searchkit pass, which flatters Whoosh, not searchkit.
    """
    from searchkit import SearchIndex, ranking, storage

    ix = SearchIndex(index, create=False)
    times = []
    with storage.open_index(index).searcher(weighting=ranking.DEFAULT.weighting()) as searcher:
        for q in queries:
            built = ix.build(q.text())
            started = time.perf_counter()
            searcher.search(built.query, limit=10)
            times.append((time.perf_counter() - started) * 1000)
    ix.close()
    return times


# Where an article's indexing time goes, by stage: (stage, functions whose
# cumulative time counts, functions whose cumulative time is taken back out).
# The patterns cover both the bulk writer and Whoosh's own add_document path,
# so the same table can be made for a tree before the bulk writer.
STAGES: list[tuple[str, list[str], list[str]]] = [
    # A JSON Lines file is parsed as the index run takes its records (the
    # generator _stream_jsonl, its resumptions summed), other files by read_file.
    (
        "read (files, JSON, dates)",
        [r"\(read_file\)", r"dispatch\.py:\d+\(_stream_jsonl\)"],
        [r"sources\.py:\d+\(extract_sources\)"],
    ),
    ("extract sources", [r"sources\.py:\d+\(extract_sources\)"], []),
    ("sketch (near-duplicates)", [r"(duplicates|sketches)\.py:\d+\(sketch\)"], []),
    ("operators' fields (boundaries, exact forms)", [r"boundaries\.py:\d+\(index_fields\)"], []),
    (
        "analyze (tokens, terms, spelling words)",
        [
            r"prepare\.py:\d+\(prepare\)",
            r"bulkwriter\.py:\d+\(add\)",
            r"whoosh/fields\.py:\d+\(index\)",
            r"spelling\.py:\d+\(vocabulary\)",
        ],
        # "caller>callee": only the callee's time under that caller (the
        # operators' fields are part of prepare() since they moved to the pool).
        [r"(duplicates|sketches)\.py:\d+\(sketch\)", r"prepare\.py:\d+\(prepare\)>boundaries\.py:\d+\(index_fields\)"],
    ),
    (
        "write (stored fields, columns, lengths)",
        # Whoosh's add_document, or the bulk writer's add_fields (before this
        # pattern the bulk writer's writes were missing from the table).
        [r"\(add_document\)", r"bulkwriter\.py:\d+\(add_fields\)"],
        [r"bulkwriter\.py:\d+\(add\)", r"whoosh/fields\.py:\d+\(index\)"],
    ),
    ("commit (postings, segment, near-duplicate links)", [r"indexer\.py:\d+\(commit\)"], []),
]


def _cumulative(stats: pstats.Stats, patterns: list[str]) -> float:
    table: dict[Key, Any] = stats.stats  # type: ignore[attr-defined]
    total = 0.0
    for pattern in [p for p in patterns if ">" in p]:
        caller, callee = pattern.split(">")
        total += sum(cum for name, _n, cum in callees(stats, caller) if re.search(callee, name))
    patterns = [p for p in patterns if ">" not in p]
    for key, (_cc, _nc, _tt, ct, callers) in table.items():
        name = _name(key)
        # Only calls from outside the stage's own functions, so recursion
        # and nested matches are not counted twice.
        if any(re.search(p, name) for p in patterns) and not any(
            any(re.search(p, _name(c)) for p in patterns) for c in callers
        ):
            total += ct
    return total


def stage_table(stats: pstats.Stats, docs: int, whole: float) -> list[str]:
    rows = []
    for stage, plus, minus in STAGES:
        secs = max(0.0, _cumulative(stats, plus) - _cumulative(stats, minus))
        rows.append(f"| {stage} | {secs * 1000 / docs:.3f} | {100 * secs / whole:.0f}% |")
    return ["| stage | ms per article (cProfile) | share |", "|---|---|---|", *rows]


def profile_index(records: Path, docs: int, n_top: int) -> None:
    from searchkit import SearchIndex

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "corpus"
        src.mkdir()
        (src / records.name).symlink_to(records)
        ix = SearchIndex(Path(tmp) / "index", create=True)
        # cProfile sees one process: the stages are measured with no worker pool.
        os.environ["SEARCHKIT_WORKERS"] = "0"
        stats, secs = profile(lambda: ix.update([src]))
        print(f"\n## indexing: {docs:,} articles in {secs:.1f} s under cProfile ({docs / secs:.0f} docs/s)")
        print("\n".join(stage_table(stats, docs, secs)))
        print("  indexer.update, per article (profiled ms):")
        print("\n".join(breakdown(stats, r"indexer\.py:\d+\((update|add_file)\)", docs, "ms", 1000, 14)))
        print("\n" + top(stats, "tottime", n_top))


def profile_add(index: Path, corpus: run.Corpus, seed: int, n_top: int) -> None:
    from searchkit import SearchIndex
    from searchkit.sources import extract_sources

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "index"
        shutil.copytree(index, copy)
        new = Path(tmp) / "adds" / "more-200.jsonl"
        pool = run.paragraph_pool(corpus.records[: corpus.real], extract_sources)
        reuters.write_jsonl(run.synthesize(pool, 200, seed + 7, "more", 40), new)
        ix = SearchIndex(copy, create=False)
        stats, secs = profile(lambda: ix.update([corpus.dir, new]))
        print(f"\n## adding 200 articles to the {len(ix):,}-article index: {secs:.2f} s under cProfile")
        print("  indexer.update (profiled s):")
        print("\n".join(breakdown(stats, r"indexer\.py:\d+\(update\)", 1, "s", 1, 12)))
        print("\n" + top(stats, "cumulative", n_top))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=None)
    ap.add_argument("--scale", type=int, default=None)
    ap.add_argument("--seed", type=int, default=1987)
    ap.add_argument("--work", type=Path, default=run.WORK)
    ap.add_argument("--index-docs", type=int, default=4000, help="articles to profile indexing on")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--only", choices=("query", "index", "add"), default=None)
    args = ap.parse_args(argv)

    corpus = run.prepare_corpus(args.docs, args.scale, args.seed, args.work)
    index = args.work / f"run-{len(corpus.records)}" / "searchkit" / "index"
    frozen = index.parent.parent / "src"
    if frozen.is_dir() and "searchkit" not in sys.modules:
        # The run's frozen copy of searchkit wrote this index; the tree may
        # have changed since. (A corpus converted just now imported the tree.)
        sys.path.insert(0, str(frozen))
    import searchkit

    print(f"profiling {Path(searchkit.__file__).parent} on {index}")
    if args.only in (None, "query", "add") and not index.exists():
        print(f"no searchkit index at {index}: run benchmarks/run.py with the same options first")
        return 2
    if args.only in (None, "query"):
        maker = run.QueryMaker(corpus.records, args.seed + 2)
        warm = maker.batch(18)  # the same draws, in the same order, as run.py
        profile_queries(index, maker.batch(60), warm, args.top)
    if args.only in (None, "index"):
        with tempfile.TemporaryDirectory() as tmp:
            # The first --index-docs articles as one JSON Lines file.
            first = Path(tmp) / f"first-{args.index_docs}.jsonl"
            records = list(itertools.islice(engines.iter_records(engines.corpus_files(corpus.dir)), args.index_docs))
            reuters.write_jsonl(records, first)
            profile_index(first, len(records), args.top)
    if args.only in (None, "add"):
        profile_add(index, corpus, args.seed, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())

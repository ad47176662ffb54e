"""Every visible part of many searches' answers, as JSON: a tree's
results, saved before a change to the query path and compared after it.

    python benchmarks/run.py --engines searchkit,fts5          # builds the 19k index once
    python benchmarks/query_snapshot.py --out before.json     # on the old tree
    python benchmarks/query_snapshot.py --out after.json      # on the new one
    cmp before.json after.json
    python benchmarks/query_snapshot.py --out light.json --light   # the light path's answers
    cmp after.json light.json

What it runs: run.py's 18 warm-up and 60 timed queries (same seed, same
options as its searchkit engine), each also misspelt (one letter doubled,
so did-you-mean has something to correct) and each with ``explain``;
every query of the test suite's case table on the 19k index and on the
test library (corpus/ and tests/data/library, built in a temporary
folder). For each search: total, ids, scores, snippets, highlights, every
hit field, the suggestion, the parsed query, the explain text and its
JSON form, the warnings, and the text and JSON renderings.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import engines, run  # noqa: E402


def _record(results: Any) -> dict[str, Any]:
    from searchkit import render

    return {
        "query": results.query,
        "total": results.total,
        "offset": results.offset,
        "parsed": results.parsed,
        "explain": results.explain,
        "warnings": list(results.warnings),
        "suggestion": results.suggestion,
        "facets": repr(results.facets),
        "hits": [repr(h) for h in results.hits],
        "text": render.results_text(results),
        "json": render.results_json(results),
    }


def _case_searches() -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted((ROOT / "tests" / "data" / "cases").glob("*.json")):
        for case in json.loads(path.read_text()):
            if case.get("command", "search") in ("search", "count", "export"):
                yield case["query"], case.get("options", {})


def _misspelt(text: str) -> str:
    # The middle letter of the first long word doubled: a near spelling.
    words = text.split(" ")
    for i, w in enumerate(words):
        core = w.strip('"')
        if len(core) >= 5:
            k = len(core) // 2
            words[i] = w.replace(core, core[:k] + core[k] + core[k:], 1)
            break
    return " ".join(words)


def _one(ix: Any, text: str, options: dict[str, Any]) -> dict[str, Any]:
    from searchkit import render
    from searchkit.errors import SearchkitError

    try:
        results = ix.search(text, **options)
        built = ix.build(text, **options)
    except SearchkitError as exc:
        return {"text": text, "options": repr(options), "error": f"{type(exc).__name__}: {exc}"}
    return {
        "text": text,
        "options": repr(options),
        "results": _record(results),
        "explain": built.explain(),
        "explain_json": render.to_json(render.explain_document(built)),
    }


def snapshot(ix: Any, queries: Sequence[Any], library: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"benchmark": [], "misspelt": [], "cases19k": [], "cases": []}
    for q in queries:
        opts: dict[str, Any] = {"sources": [q.source] if q.source else None, "since": q.since, "until": q.until}
        out["benchmark"].append(_one(ix, q.text(), {**opts, "limit": engines.TOP}))
        out["misspelt"].append(_one(ix, _misspelt(q.text()), {**opts, "limit": engines.TOP}))
    for text, options in _case_searches():
        out["cases19k"].append(_one(ix, text, {"limit": 20, **options}))
        out["cases"].append(_one(library, text, {"limit": 50, **options}))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=1987)
    ap.add_argument(
        "--light",
        action="store_true",
        help="answer as a process without numpy would (executor's light path for the searches it takes), "
        "to compare with a snapshot taken without it",
    )
    args = ap.parse_args(argv)
    from searchkit import SearchIndex, executor

    lit = []
    if args.light:
        decide = executor.light

        def light(*a: Any) -> bool:
            executor._light_spent = 0  # each search as a cold process's first
            lit.append(decide(*a))
            return lit[-1]

        executor.numpy_loaded = lambda: False  # type: ignore[assignment]
        executor.light = light  # type: ignore[assignment]

    corpus = run.prepare_corpus(None, None, args.seed, run.WORK)
    maker = run.QueryMaker(corpus.records, args.seed + 2)
    queries = maker.batch(18) + maker.batch(60)
    where = run.WORK / f"run-{len(corpus.records)}" / "searchkit" / "index"
    with tempfile.TemporaryDirectory() as tmp:
        library = SearchIndex(Path(tmp) / "index", create=True)
        library.update([ROOT / "corpus", ROOT / "tests" / "data" / "library"])
        with SearchIndex(where) as ix:
            doc = snapshot(ix, queries, library)
        library.close()
    args.out.write_text(json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{sum(len(v) for v in doc.values())} searches written to {args.out}")
    if args.light:
        print(f"{sum(lit)} of {len(lit)} searches took the light path")
    return 0


if __name__ == "__main__":
    sys.exit(main())

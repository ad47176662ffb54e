"""What each part of a searchkit index costs on disk (issue 14's size target).

    python benchmarks/sizes.py INDEX_DIR          # an existing index
    python benchmarks/sizes.py --build CORPUS_DIR # build one first (timed), then measure
    python benchmarks/sizes.py --build CORPUS_DIR --commit-seconds 1e9   # commits by article count only

Prints three tables: bytes per file kind (``.trm``, ``.pst``, ``.anc``,
stored fields, each column) summed over the segments; the term
dictionary per field (terms, bytes of keys, of the fixed per-term records and
of the hash and order tables); and the postings per field, split into block
headers, document-number deltas, weights, counts, positions and character
offsets (start deltas, lengths). The catalog (SQLite) is left out, as
``benchmarks/run.py``'s size is.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MB = 1e6


def _kind(name: str) -> str:
    # MAIN_<segment>.<rest>: the rest names the part (".pst", ".body_len.col", ...).
    if name.startswith("_MAIN_"):
        return "TOC"
    if not name.startswith("MAIN_"):
        return "other"
    rest = name.split(".", 1)[1] if "." in name else name
    return "." + rest


def file_table(index: Path) -> list[tuple[str, int, int]]:
    sizes: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for p in index.iterdir():
        if p.is_file() and not p.name.startswith("catalog.sqlite") and p.suffix != ".lock":
            row = sizes[_kind(p.name)]
            row[0] += p.stat().st_size
            row[1] += 1
    return sorted(((k, v[0], v[1]) for k, v in sizes.items()), key=lambda r: -r[1])


def _segment_readers(index: Path) -> list[Any]:
    from searchkit import storage

    ix = storage.open_index(index) if hasattr(storage, "open_index") else None
    if ix is None:
        from whoosh.index import open_dir

        ix = open_dir(str(index))
    reader = ix.reader()
    return [leaf for leaf, _ in reader.leaf_readers()] if hasattr(reader, "leaf_readers") else [reader]


def dictionary_table(leaves: list[Any]) -> dict[str, dict[str, int]]:
    """Per field: terms, key bytes, record bytes, and the rest of the terms files."""
    from searchkit import codec

    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for leaf in leaves:
        terms = leaf._terms
        if hasattr(terms, "field_sizes"):  # a dictionary format that reports its own parts
            for field, parts in terms.field_sizes().items():
                for k, v in parts.items():
                    out[field][k] += v
            continue
        tindex = terms._tindex
        unmap = terms._fieldunmap
        for key, value in tindex.items():
            field = unmap[int.from_bytes(key[:2], "big")]
            row = out[field]
            row["terms"] += 1
            row["keys"] += len(key) - 2
            row["records"] += 8 + 2 + len(value)  # lengths, field number, term info
            row["hash+order"] += 2 * 12 + 4  # two hash slots, one order-table entry
        _ = codec
    return out


def postings_table(leaves: list[Any]) -> dict[str, dict[str, int]]:
    """Per field: bytes of block headers, ids, weights and each value array."""
    from searchkit import codec

    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for leaf in leaves:
        terms = leaf._terms
        postfile = terms._postfile
        schema = leaf.schema
        for field, tbytes in terms.terms():
            info = terms.term_info(field, tbytes)
            kind = codec.value_kind(schema[field].format)
            row = out[field]
            row["postings"] += info.doc_frequency()
            if info.is_inlined():  # held by the dictionary: no postings bytes
                row["inlined"] += 1
                continue
            offset, _ = info.extent()
            for sizes in codec.block_sizes(postfile, offset, kind):
                for part, n in sizes.items():
                    row[part] += n
    return out


def _print(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    print(f"\n{title}")
    print("  ".join(h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths, strict=True))))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))))


def _mb(n: int) -> str:
    return f"{n / MB:.2f}"


def build(corpus: Path, where: Path, commit_seconds: float | None = None) -> tuple[float, float]:
    """Builds an index of ``corpus`` at ``where``; (wall seconds, CPU seconds
    of this process and its children). ``commit_seconds`` replaces the
    default commit interval (a huge one: one commit per 10,000 articles)."""
    from dataclasses import replace

    from searchkit import SearchIndex
    from searchkit.tuning import DEFAULT

    tuning = DEFAULT if commit_seconds is None else replace(DEFAULT, commit_seconds=commit_seconds)
    t0, c0 = time.perf_counter(), _cpu()
    ix = SearchIndex(where, create=True, tuning=tuning)
    report = ix.update([corpus])
    ix.close()
    print(f"built {report.added} articles")
    return time.perf_counter() - t0, _cpu() - c0


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", type=Path, help="the index folder, or with --build the corpus folder")
    ap.add_argument("--build", action="store_true", help="build an index of PATH (a corpus folder) first")
    ap.add_argument("--out", type=Path, default=None, help="with --build: where (default: a fresh temporary folder)")
    ap.add_argument(
        "--commit-seconds", type=float, default=None, help="with --build: the commit interval (default: Tuning's)"
    )
    args = ap.parse_args(argv)
    index = args.path
    if args.build:
        import tempfile

        index = args.out or Path(tempfile.mkdtemp(prefix="sk-sizes-")) / "index"
        wall, cpu = build(args.path, index, args.commit_seconds)
        print(f"index run: {wall:.1f} s wall, {cpu:.1f} s CPU (load {os.getloadavg()[0]:.2f}) -> {index}")

    files = file_table(index)
    total = sum(b for _, b, _ in files)
    _print(
        f"files ({total / MB:.2f} MB in all)",
        ["kind", "MB", "files", "share"],
        [[k, _mb(b), str(n), f"{100 * b / total:.1f}%"] for k, b, n in files],
    )
    leaves = _segment_readers(index)
    print(f"\nsegments: {len(leaves)}")

    dic = dictionary_table(leaves)
    cols = sorted({c for row in dic.values() for c in row} - {"terms"})
    rows = sorted(dic.items(), key=lambda kv: -sum(v for k, v in kv[1].items() if k != "terms"))
    _print(
        "term dictionary by field (MB; terms summed over segments)",
        ["field", "terms", *cols, "all"],
        [
            [f, f"{r['terms']:,}", *(_mb(r.get(c, 0)) for c in cols), _mb(sum(r.get(c, 0) for c in cols))]
            for f, r in rows
        ],
    )

    pst = postings_table(leaves)
    cols = sorted({c for row in pst.values() for c in row} - {"postings", "inlined"})
    rows = sorted(pst.items(), key=lambda kv: -sum(v for k, v in kv[1].items() if k not in ("postings", "inlined")))
    _print(
        "postings by field (MB; inlined: terms whose one posting the dictionary holds)",
        ["field", "postings", "inlined", *cols, "all"],
        [
            [
                f,
                f"{r['postings']:,}",
                f"{r.get('inlined', 0):,}",
                *(_mb(r.get(c, 0)) for c in cols),
                _mb(sum(r.get(c, 0) for c in cols)),
            ]
            for f, r in rows
        ],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

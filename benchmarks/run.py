"""searchkit against SQLite FTS5 and tantivy: one command, one run, same data.

    python benchmarks/run.py                    # Reuters-21578, ~19,000 stories
    python benchmarks/run.py --docs 2000        # a quick run on the first 2,000
    python benchmarks/run.py --scale 200000     # grown synthetically to 200,000
    python benchmarks/run.py --engines searchkit,fts5

Each engine indexes the same JSON Lines files in its own subprocess (so its
peak RSS is its own), then, in a second subprocess, answers the same seeded
queries (top 10 with snippets and an exact total), and finally adds a new
file of 200 articles to its index. One table compares them; PASS/FAIL lines
check issue #5's targets against FTS5 measured in the same run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    # `python benchmarks/run.py` puts benchmarks/ on the path, not the repo;
    # searchkit is imported from the working tree, not an installed copy.
    sys.path.insert(0, str(ROOT))

from benchmarks import engines, reuters  # noqa: E402
from benchmarks.engines import QuerySpec  # noqa: E402

WORK = ROOT / "benchmarks" / ".work"  # git-ignored
# Records per corpus file: the 19k Reuters stories as ONE JSON Lines file
# (issue 14 measures a whole `searchkit index` of one file); a --scale corpus
# is cut in files of this many, each one commit.
PART_RECORDS = 20_000
ADD_RECORDS = 200
SHAPES = ("word", "and", "phrase")
FILTERS = ("plain", "date", "source")
CORPUS_VERSION = 1  # bump when the corpus layout or synthesis changes

Record = dict[str, Any]

# Function words and wire-service filler: real queries do not search for them.
STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    last more most my no nor not now of off on once only or other our out over own same she
    should so some such than that the their them then there these they this those through to
    too under until up very was we were what when where which while who whom why will with
    would you your said says say reuter reuters mln dlrs pct cts shr net revs year years told
    week month per one two three four five new inc corp ltd vs today yesterday
    """.split()
)


# --------------------------------------------------------------------- corpus
@dataclass
class Corpus:
    """The benchmark data on disk: corpus files, the 200-article addition."""

    dir: Path  # the *.jsonl parts every engine indexes
    add_file: Path  # 200 new articles, not in the corpus
    records: list[Record]
    real: int  # how many records are real Reuters stories (the rest synthetic)


def _split_paras(body: str) -> list[str]:
    return [p for p in body.split("\n\n") if p.strip()]


@dataclass
class ParagraphPool:
    """The real corpus cut into paragraphs, each with the sources it cites."""

    real: Sequence[Record]
    paras: list[tuple[str, tuple[str, ...]]]
    firsts: list[int]  # index in ``paras`` of each real story's first paragraph
    lengths: list[int]  # paragraphs per real story
    days: list[date]
    span: int  # days from the first real story to the last, inclusive


def paragraph_pool(real: Sequence[Record], extract: Callable[[str], Sequence[str]]) -> ParagraphPool:
    """Splits the real stories and runs ``extract`` per paragraph.

    Only paragraphs of stories that cite a source are looked at: a paragraph
    of a story that cites none cites none either, and extract_sources costs
    ~5 ms a story, too much to run on 200,000 synthetic bodies.
    """
    paras: list[tuple[str, tuple[str, ...]]] = []
    firsts: list[int] = []
    lengths: list[int] = []
    for r in real:
        parts = _split_paras(r["body"])
        firsts.append(len(paras))
        lengths.append(len(parts))
        cites = bool(r.get("sources"))
        paras.extend((p, tuple(extract(p)) if cites else ()) for p in parts)
    days = [date.fromisoformat(r["date"]) for r in real]
    return ParagraphPool(real, paras, firsts, lengths, days, (max(days) - min(days)).days + 1)


def synthesize(pool: ParagraphPool, n: int, seed: int, prefix: str, first_generation: int) -> list[Record]:
    """``n`` new articles recombined from real paragraphs, under new ids.

    Each keeps a real story's headline and first paragraph (so the headline
    still fits) and adds paragraphs drawn from the whole corpus, as many as
    a randomly chosen real story has. Generation ``g`` (one per pass over the
    real corpus) is shifted ``g`` corpus spans later, so the grown archive
    covers successive periods as a real one does, instead of piling ten
    stories onto each real day. Its sources are those its paragraphs cite.
    """
    rng = random.Random(seed)
    real, paras = pool.real, pool.paras
    out: list[Record] = []
    for i in range(n):
        k = rng.randrange(len(real))
        gen = first_generation + i // len(real)
        picked = [paras[pool.firsts[k]]] + [
            paras[rng.randrange(len(paras))] for _ in range(pool.lengths[rng.randrange(len(real))] - 1)
        ]
        out.append(
            {
                "id": f"{prefix}-{i + 1}",
                "headline": real[k]["headline"],
                "date": (pool.days[k] + timedelta(days=gen * pool.span)).isoformat(),
                "body": "\n\n".join(p for p, _ in picked),
                "sources": list(dict.fromkeys(src for _, found in picked for src in found)),
            }
        )
    return out


def real_records(docs: int | None, work: Path) -> list[Record]:
    """The converted Reuters stories, cached: extracting sources takes ~2 min."""
    full = work / f"reuters-v{CORPUS_VERSION}-all.jsonl"
    if full.exists():
        return reuters.read_jsonl(full)[:docs]
    cache = work / f"reuters-v{CORPUS_VERSION}-{docs or 'all'}.jsonl"
    if cache.exists():
        return reuters.read_jsonl(cache)
    recs = reuters.records(limit=docs)
    reuters.write_jsonl(recs, cache)
    return recs


def prepare_corpus(docs: int | None, scale: int | None, seed: int, work: Path = WORK) -> Corpus:
    """Converts (and, with ``scale``, grows) the corpus once per size and seed.

    The files are cached under ``work``: a second run on the same data skips
    the conversion but never reuses an index.
    """
    from searchkit.sources import extract_sources

    target = scale or docs
    where = work / f"corpus-v{CORPUS_VERSION}-d{docs or 'all'}-n{scale or 'real'}-s{seed}-p{PART_RECORDS}"
    manifest = where / "manifest.json"
    parts = where / "parts"
    add_file = where / "adds" / f"new-{ADD_RECORDS}.jsonl"
    if manifest.exists():
        meta = json.loads(manifest.read_text())
        recs = [r for f in engines.corpus_files(parts) for r in reuters.read_jsonl(f)]
        return Corpus(parts, add_file, recs, meta["real"])

    real = real_records(docs, work)
    pool = paragraph_pool(real, extract_sources)
    recs = list(real)
    if target is not None and target > len(real):
        recs += synthesize(pool, target - len(real), seed, "synth", 1)
    elif target is not None:
        recs = recs[:target]
    # The new articles are dated after everything in the corpus.
    adds = synthesize(pool, ADD_RECORDS, seed + 1, "new", 2 + (len(recs) - 1) // len(real))

    parts.mkdir(parents=True, exist_ok=True)
    for i in range(0, len(recs), PART_RECORDS):
        reuters.write_jsonl(recs[i : i + PART_RECORDS], parts / f"part-{i // PART_RECORDS:04d}.jsonl")
    reuters.write_jsonl(adds, add_file)
    manifest.write_text(json.dumps({"records": len(recs), "real": min(len(real), len(recs))}))
    return Corpus(parts, add_file, recs, min(len(real), len(recs)))


# -------------------------------------------------------------------- queries
_WORD_RE = re.compile(r"[a-z]+")
# Two plain words separated by one space, not glued to other word characters
# or to punctuation that an engine's tokenizer might read differently.
_PAIR_RE = re.compile(r"(?<![\w'.\-/])([a-z]{3,}) (?=([a-z]{3,})(?![\w'\-/]))")


class QueryMaker:
    """Seeded queries drawn from the corpus vocabulary, never repeated.

    Every query is anchored on one article (its words, a date window around
    its date, one of its sources), so each has at least one true match and
    the filters are as selective as the corpus makes them.
    """

    def __init__(self, recs: Sequence[Record], seed: int) -> None:
        self.recs = recs
        self.rng = random.Random(seed)
        sample = recs if len(recs) <= 20_000 else self.rng.sample(list(recs), 20_000)
        df: dict[str, int] = {}
        for r in sample:
            for w in set(_WORD_RE.findall(f"{r['headline']} {r['body']}".lower())):
                df[w] = df.get(w, 0) + 1
        n = len(sample)
        # Mid-frequency words: rare enough to be what someone searches for,
        # common enough that filtered queries still find something.
        self.useful = {
            w for w, c in df.items() if len(w) >= 4 and w not in STOPWORDS and max(3, 0.0005 * n) <= c <= 0.05 * n
        }
        self.days = [date.fromisoformat(r["date"]) for r in recs]
        self.span = (max(self.days) - min(self.days)).days + 1
        self.with_sources = [i for i, r in enumerate(recs) if r.get("sources")]
        self.used: set[tuple[str, ...]] = set()

    def _words(self, rec: Record, shape: str) -> tuple[str, ...] | None:
        # A newline between headline and body: a phrase never spans the two.
        text = f"{rec['headline']}\n{rec['body']}".lower()
        if shape == "phrase":
            pairs = [
                (a, b)
                for a, b in _PAIR_RE.findall(text)
                if a not in STOPWORDS and b not in STOPWORDS and (a in self.useful or b in self.useful)
            ]
            return self.rng.choice(pairs) if pairs else None
        words = sorted({w for w in _WORD_RE.findall(text) if w in self.useful})
        if shape == "word":
            return (self.rng.choice(words),) if words else None
        return tuple(self.rng.sample(words, 2)) if len(words) >= 2 else None

    def make(self, shape: str, filt: str) -> QuerySpec:
        from searchkit.gazetteer import source_key

        for _ in range(10_000):
            if filt == "source":
                if not self.with_sources:
                    raise RuntimeError("no article in the corpus has a source: cannot filter by one")
                k = self.rng.choice(self.with_sources)
            else:
                k = self.rng.randrange(len(self.recs))
            rec = self.recs[k]
            words = self._words(rec, shape)
            if words is None or words in self.used or tuple(reversed(words)) in self.used:
                continue
            self.used.add(words)
            if filt == "date":
                # A window of 5-35% of the archive's span that contains the anchor.
                length = max(7, round(self.span * self.rng.uniform(0.05, 0.35)))
                since = self.days[k] - timedelta(days=self.rng.randrange(length))
                return QuerySpec(shape, filt, words, since=since, until=since + timedelta(days=length - 1))
            if filt == "source":
                name = self.rng.choice(rec["sources"])
                return QuerySpec(shape, filt, words, source=name, source_key=source_key(name))
            return QuerySpec(shape, filt, words)
        raise RuntimeError(f"could not draw a new {shape}/{filt} query from this corpus")

    def batch(self, n: int) -> list[QuerySpec]:
        """``n`` queries spread evenly over the 9 shape/filter kinds, shuffled."""
        kinds = [(s, f) for f in FILTERS for s in SHAPES]
        out = [self.make(*kinds[i % len(kinds)]) for i in range(n)]
        self.rng.shuffle(out)  # interleave kinds, so drift cannot favour one
        return out


# --------------------------------------------------------------- subprocesses
def snapshot_searchkit(work: Path) -> tuple[Path, str]:
    """Copies searchkit/ for this run; returns (folder to import from, digest).

    The tree is edited while runs go on, and a 200,000-article run lasts long
    enough that its index and query steps would otherwise load different
    code (or a changed schema). Every step imports this frozen copy instead;
    the digest in the header names the code that was measured.
    """
    dest = work / f"snapshot-{os.getpid()}"
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(ROOT / "searchkit", dest / "searchkit", ignore=shutil.ignore_patterns("__pycache__"))
    h = hashlib.blake2b(digest_size=4)
    for f in sorted((dest / "searchkit").rglob("*")):
        if f.is_file():
            h.update(f.relative_to(dest).as_posix().encode() + b"\0" + f.read_bytes())
    return dest, h.hexdigest()


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    """One engine step, run in a child process (``--worker``)."""
    if spec.get("src"):
        sys.path.insert(0, spec["src"])  # the run's frozen copy of searchkit
    eng = engines.make(spec["engine"], Path(spec["where"]), Path(spec["corpus"]))
    if spec["step"] == "index":
        started = time.perf_counter()
        n = eng.build()
        seconds = time.perf_counter() - started
        return {"docs": n, "seconds": seconds, "size": eng.size()}

    eng.open()
    before = eng.doc_count()
    for q in spec["warmup"]:
        eng.search(QuerySpec.from_json(q))
    timings: list[float] = []
    totals: list[int] = []
    shown: list[int] = []
    empty_snippets = 0
    for q in spec["queries"]:
        qs = QuerySpec.from_json(q)
        started = time.perf_counter()
        total, snippets = eng.search(qs)
        timings.append((time.perf_counter() - started) * 1000)
        totals.append(total)
        shown.append(len(snippets))
        empty_snippets += sum(1 for s in snippets if not s.strip())
    started = time.perf_counter()
    added = eng.add(Path(spec["add_file"]))
    add_seconds = time.perf_counter() - started
    after = eng.doc_count()
    eng.close()
    return {
        "ms": timings,
        "totals": totals,
        "shown": shown,
        "empty_snippets": empty_snippets,
        "docs_before": before,
        "added": added,
        "docs_after": after,
        "add_seconds": add_seconds,
        "size_after_add": eng.size(),
    }


def run_child(spec: dict[str, Any], scratch: Path) -> tuple[dict[str, Any], int]:
    """Runs ``worker(spec)`` in a fresh interpreter; returns (result, peak RSS in bytes).

    ``os.wait4`` gives the rusage of exactly this child, so its ru_maxrss is
    that engine's peak, not the maximum over every child run so far.
    """
    scratch.mkdir(parents=True, exist_ok=True)
    stem = f"{spec['engine']}-{spec['step']}"
    spec_file, out_file, err_file = (scratch / f"{stem}.{ext}" for ext in ("spec.json", "out.json", "err"))
    spec_file.write_text(json.dumps({**spec, "out": str(out_file)}))
    out_file.unlink(missing_ok=True)
    with err_file.open("w") as err:
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(spec_file)],
            cwd=ROOT,
            stdout=err,
            stderr=err,
        )
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # interrupted: do not leave an indexer running
            proc.kill()
            proc.wait()
            raise
    proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped: tell Popen
    if proc.returncode != 0 or not out_file.exists():
        tail = err_file.read_text()[-3000:]
        raise RuntimeError(f"{stem} failed (exit {proc.returncode}):\n{tail}")
    return json.loads(out_file.read_text()), usage.ru_maxrss * 1024  # Linux reports KiB


# ------------------------------------------------------------------ reporting
def percentile(values: Sequence[float], p: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return float("nan")
    s = sorted(values)
    pos = (len(s) - 1) * p / 100
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


GROUPS: dict[str, Callable[[QuerySpec], bool]] = {
    "plain": lambda q: q.filter == "plain",
    "date-filtered": lambda q: q.filter == "date",
    "source-filtered": lambda q: q.filter == "source",
    "filtered (date+source)": lambda q: q.filter != "plain",
    "word": lambda q: q.shape == "word",
    "two-word AND": lambda q: q.shape == "and",
    "phrase": lambda q: q.shape == "phrase",
    "all": lambda q: True,
}


@dataclass
class EngineResult:
    name: str
    index: dict[str, Any] = field(default_factory=dict)
    index_rss: int = 0
    query: dict[str, Any] = field(default_factory=dict)

    @property
    def docs_per_s(self) -> float:
        return self.index["docs"] / self.index["seconds"]

    def group_ms(self, queries: Sequence[QuerySpec], group: str, p: float) -> float:
        pick = GROUPS[group]
        return percentile([ms for q, ms in zip(queries, self.query["ms"], strict=True) if pick(q)], p)


def _fmt(v: float, unit: str = "") -> str:
    if v != v:  # NaN
        return "-"
    if abs(v) >= 1000:
        return f"{v:,.0f}{unit}"
    if abs(v) >= 100:
        return f"{v:.0f}{unit}"
    if abs(v) >= 10:
        return f"{v:.1f}{unit}"
    return f"{v:.2f}{unit}"


def table(results: dict[str, EngineResult], queries: Sequence[QuerySpec]) -> list[str]:
    names = list(results)
    sk = results.get("searchkit")
    ratios = [n for n in ("fts5", "tantivy") if n in results and sk is not None]
    rows: list[tuple[str, dict[str, float]]] = [
        ("index: docs/s", {n: r.docs_per_s for n, r in results.items()}),
        ("index: seconds", {n: r.index["seconds"] for n, r in results.items()}),
        ("index: size on disk MB", {n: r.index["size"] / 1e6 for n, r in results.items()}),
        ("index: peak RSS MB", {n: r.index_rss / 1e6 for n, r in results.items()}),
        (f"add {ADD_RECORDS} articles: s", {n: r.query["add_seconds"] for n, r in results.items()}),
    ]
    for group in GROUPS:
        for p in (50, 95):
            rows.append((f"query {group} p{p} ms", {n: r.group_ms(queries, group, p) for n, r in results.items()}))
    head = ["metric", *names, *(f"searchkit/{n}" for n in ratios)]
    body = []
    for label, vals in rows:
        cells = [label, *(_fmt(vals[n]) for n in names)]
        for n in ratios:
            cells.append(_fmt(vals["searchkit"] / vals[n], "x") if vals[n] else "-")
        body.append(cells)
    widths = [max(len(row[i]) for row in [head, *body]) for i in range(len(head))]
    line = "  ".join("-" * w for w in widths)

    def fmt_row(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return [fmt_row(head), line, *(fmt_row(r) for r in body)]


def agreement(results: dict[str, EngineResult], queries: Sequence[QuerySpec], show: int = 6) -> list[str]:
    """Total hit counts side by side: the engines tokenize and stem differently,
    and searchkit hides near-duplicate copies, so counts differ a little; a
    large gap means a broken filter or query."""
    names = list(results)
    out = ["query".ljust(58) + "".join(n.rjust(11) for n in names)]
    picked: list[int] = []
    for filt in FILTERS:
        picked += [i for i, q in enumerate(queries) if q.filter == filt][: max(1, show // len(FILTERS))]
    for i in picked:
        q = queries[i]
        desc = q.text()
        if q.filter == "date":
            desc += f"  {q.since}..{q.until}"
        elif q.filter == "source":
            desc += f"  source={q.source}"
        out.append(desc[:57].ljust(58) + "".join(str(results[n].query["totals"][i]).rjust(11) for n in names))
    if "searchkit" in results:
        for n in names:
            if n == "searchkit":
                continue
            a, b = results["searchkit"].query["totals"], results[n].query["totals"]
            close = sum(1 for x, y in zip(a, b, strict=True) if abs(x - y) <= max(2, 0.2 * max(x, y)))
            ratios = [x / y for x, y in zip(a, b, strict=True) if y]
            med = percentile(ratios, 50)
            out.append(f"searchkit vs {n}: {close}/{len(a)} totals within 20% (or 2); median total ratio {med:.2f}")
    return out


@dataclass
class Target:
    label: str
    ok: bool
    detail: str


def targets(results: dict[str, EngineResult], queries: Sequence[QuerySpec], n_docs: int) -> list[Target]:
    out: list[Target] = []
    sk = results.get("searchkit")
    fts = results.get("fts5")
    if sk is None:
        return out
    at = f"{n_docs:,} articles"
    if fts is not None:
        grp = "filtered (date+source)"
        # Issue 15's limits (issue 5 asked for 2x and 3x).
        for p, limit in ((50, 1.5), (95, 2.0)):
            r = sk.group_ms(queries, grp, p) / fts.group_ms(queries, grp, p)
            out.append(Target(f"filtered query+snippets p{p} <= {limit:g}x FTS5 ({at})", r <= limit, f"{r:.2f}x"))
        r = sk.docs_per_s / fts.docs_per_s
        out.append(
            Target(
                "indexing >= 1/15 of FTS5 docs/s (issue 14; its stretch: 1/10)",
                r >= 1 / 15,
                f"1/{1 / r:.1f} ({sk.docs_per_s:.0f} vs {fts.docs_per_s:.0f} docs/s)",
            )
        )
    add = sk.query["add_seconds"]
    out.append(Target(f"add {ADD_RECORDS} articles to the {at} index < 2 s", add < 2.0, f"{add:.2f} s"))
    rss = sk.index_rss / 2**20
    out.append(Target("peak memory while indexing < 1 GB", rss < 1024, f"{rss:.0f} MiB"))
    return out


# ----------------------------------------------------------------------- main
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=None, help="grow the corpus synthetically to N articles")
    ap.add_argument("--docs", type=int, default=None, help="use only the first N Reuters stories")
    ap.add_argument("--engines", default=None, help="comma-separated subset of searchkit,fts5,tantivy")
    ap.add_argument("--queries", type=int, default=60, help="timed queries per engine (default 60)")
    ap.add_argument("--warmup", type=int, default=18, help="untimed warm-up queries (default 18)")
    ap.add_argument("--seed", type=int, default=1987)
    ap.add_argument("--work", type=Path, default=WORK, help="scratch folder for corpus and indexes")
    ap.add_argument("--json", type=Path, default=None, help="also write the raw results here")
    ap.add_argument("--worker", type=Path, default=None, help=argparse.SUPPRESS)
    return ap.parse_args(argv)


def _versions() -> str:
    import whoosh

    bits = [
        f"Python {platform.python_version()}",
        f"Whoosh {whoosh.versionstring()}",
        f"SQLite {sqlite3.sqlite_version}",
    ]
    try:
        from importlib.metadata import version

        bits.append(f"tantivy {version('tantivy')}")
    except Exception:  # not installed: the run simply has no tantivy column
        pass
    bits.append(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    return ", ".join(bits)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker is not None:
        spec = json.loads(args.worker.read_text())
        Path(spec["out"]).write_text(json.dumps(worker(spec)))
        return 0

    names = args.engines.split(",") if args.engines else engines.available()
    unknown = [n for n in names if n not in engines.ENGINES]
    if unknown:
        print(f"unknown engine(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    if "tantivy" in names and "tantivy" not in engines.available():
        print("tantivy is not installed (pip install tantivy): leaving it out", file=sys.stderr)
        names.remove("tantivy")

    # A TERM (a timeout, `kill`) unwinds like Ctrl-C: the child is stopped
    # and the snapshot removed by the handlers below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.perf_counter()
    args.work.mkdir(parents=True, exist_ok=True)
    src, code = snapshot_searchkit(args.work)
    sys.path.insert(0, str(src))
    try:
        return _run(args, names, src, code, started)
    finally:
        shutil.rmtree(src, ignore_errors=True)


def keep_snapshot(src: Path, run_dir: Path) -> None:
    """Keeps the measured code beside its indexes (profile_searchkit.py imports it)."""
    dest = run_dir / "src"
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(src, dest)


def _run(args: argparse.Namespace, names: list[str], src: Path, code: str, started: float) -> int:
    corpus = prepare_corpus(args.docs, args.scale, args.seed, args.work)
    maker = QueryMaker(corpus.records, args.seed + 2)
    warm = maker.batch(args.warmup)  # drawn first, and never reused below
    queries = maker.batch(args.queries)
    n_docs = len(corpus.records)
    print(
        f"corpus: {n_docs:,} articles ({corpus.real:,} real Reuters-21578, "
        f"{n_docs - corpus.real:,} synthetic); {len(queries)} timed + {len(warm)} warm-up queries"
    )
    print(f"        {_versions()}; seed {args.seed}; searchkit tree {code}")

    run_dir = args.work / f"run-{n_docs}"
    keep_snapshot(src, run_dir)
    results: dict[str, EngineResult] = {}
    for name in names:
        res = EngineResult(name)
        base = {"engine": name, "where": str(run_dir / name), "corpus": str(corpus.dir), "src": str(src)}
        res.index, res.index_rss = run_child({**base, "step": "index"}, run_dir / "log")
        print(f"  {name}: indexed {res.index['docs']:,} in {res.index['seconds']:.1f}s", flush=True)
        res.query, _ = run_child(
            {
                **base,
                "step": "query",
                "add_file": str(corpus.add_file),
                "warmup": [q.to_json() for q in warm],
                "queries": [q.to_json() for q in queries],
            },
            run_dir / "log",
        )
        q = res.query
        if q["docs_before"] != n_docs or q["docs_after"] != n_docs + ADD_RECORDS:
            print(f"  WARNING {name}: {q['docs_before']} docs before add, {q['docs_after']} after", file=sys.stderr)
        results[name] = res

    print()
    print(
        f"== {n_docs:,} articles: indexing, adding {ADD_RECORDS}, and {len(queries)} queries "
        "(top 10 + snippets + exact total) =="
    )
    lines = table(results, queries)
    print("\n".join(lines))
    print()
    print("== total hits agree? (sanity: stemmers differ, and searchkit folds near-duplicate copies) ==")
    print("\n".join(agreement(results, queries)))
    print()
    print("== targets ==")
    checks = targets(results, queries, n_docs)
    for t in checks:
        print(f"{'PASS' if t.ok else 'FAIL'}  {t.label}: {t.detail}")
    if n_docs < 200_000 and "fts5" in results:
        print("(the 200,000-article query target: python benchmarks/run.py --scale 200000)")
    # Other work on the machine skews timings; the load says how much there was.
    print(f"\nwall time {time.perf_counter() - started:.0f}s; load average now {os.getloadavg()[0]:.2f}")

    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "articles": n_docs,
                    "queries": [q.to_json() for q in queries],
                    "engines": {
                        n: {"index": r.index, "index_rss": r.index_rss, "query": r.query} for n, r in results.items()
                    },
                    "targets": [t.__dict__ for t in checks],
                    "table": lines,
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

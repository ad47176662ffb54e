"""Precision, recall and F1 of ``searchkit.sources.extract_sources``.

Scores the extractor against the hand-labelled sentences in
``tests/data/attribution_labelled.tsv`` (corpus, file, sentence, gold): per
sentence, the gold set of canonical sources is compared with the extracted
set, and true/false positives and false negatives are summed over all
sentences (micro averages). Also times the extractor on whole articles from
../shared when that folder is present.

    python benchmarks/source_eval.py             # table + every error
    python benchmarks/source_eval.py --quiet     # table only
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from searchkit.sources import extract_sources  # noqa: E402

LABELLED = ROOT / "tests" / "data" / "attribution_labelled.tsv"
SHARED = ROOT.parent / "shared" / "corpora"


def load(path: Path) -> list[tuple[str, str, str, str, frozenset[str]]]:
    """(section, corpus, file, sentence, gold) rows; '#' lines are notes, '# --- x' starts section x."""
    rows = []
    section = "all"
    with path.open(encoding="utf-8", newline="") as handle:
        for line in handle:
            line = line.rstrip("\r\n")
            if line.startswith("# --- "):
                section = line[6:].split(":")[0].strip()
                continue
            if not line.strip() or line.startswith("#") or line.startswith("corpus\t"):
                continue
            corpus, file, sentence, gold = line.split("\t")
            names = frozenset(s.strip() for s in gold.split(";") if s.strip())
            rows.append((section, corpus, file, sentence, names))
    return rows


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def articles() -> Iterator[tuple[str, str]]:
    """(corpus, body) of real articles, for timing."""
    for path in sorted((SHARED / "dvids" / "corpus").glob("*.txt")):
        yield "dvids", path.read_text(encoding="utf-8").split("\n", 1)[-1]
    for path in sorted(SHARED.glob("muc34/*/*.xhtml")):
        paras = re.findall(r"<p>(.*?)</p>", path.read_text(encoding="utf-8"), re.DOTALL)
        yield "muc34", "\n\n".join(paras[1:])
    for path in sorted((SHARED / "reuters21578").glob("reut2-00[0-3].sgm")):
        raw = path.read_text(encoding="latin-1")
        for body in re.findall(r"<BODY>(.*?)</BODY>", raw, re.DOTALL):
            yield "reuters21578", body.replace("&lt;", "<").replace("&amp;", "&")


def timing() -> None:
    if not SHARED.is_dir():
        print(f"\n(timing skipped: {SHARED} not found)")
        return
    docs = list(articles())
    extract_sources("warm up the compiled patterns, Reuters reported.")
    print("\nTiming of extract_sources on whole articles (best of 3 passes):")
    print(f"{'corpus':<14}{'articles':>9}{'mean KB':>9}{'µs/article':>12}{'µs/3 KB':>10}")
    by_corpus: dict[str, list[str]] = defaultdict(list)
    for corpus, body in docs:
        by_corpus[corpus].append(body)
    for corpus, bodies in by_corpus.items():
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for body in bodies:
                extract_sources(body)
            best = min(best, time.perf_counter() - start)
        size = sum(len(b) for b in bodies)
        per_doc = best / len(bodies) * 1e6
        per_3kb = best / size * 3072 * 1e6
        print(f"{corpus:<14}{len(bodies):>9}{size / len(bodies) / 1024:>9.1f}{per_doc:>12.0f}{per_3kb:>10.0f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="print the table only")
    parser.add_argument("--no-timing", action="store_true", help="skip the timing run")
    args = parser.parse_args(argv)

    rows = load(LABELLED)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])  # sents, gold, tp, fp, fn
    errors: list[str] = []
    for section, corpus, file, sentence, gold in rows:
        got = frozenset(extract_sources(sentence))
        tp, fp, fn = len(gold & got), len(got - gold), len(gold - got)
        for name in (corpus, f"[{section}]", "all"):
            t = totals[name]
            t[0] += 1
            t[1] += len(gold)
            t[2] += tp
            t[3] += fp
            t[4] += fn
        if fp or fn:
            errors.append(
                f"[{section}] [{corpus} {file}] {sentence[:160]}\n"
                f"    gold={sorted(gold)}  got={sorted(got)}"
                + (f"  FP={sorted(got - gold)}" if fp else "")
                + (f"  FN={sorted(gold - got)}" if fn else "")
            )

    print(f"Source extraction on {LABELLED.relative_to(ROOT)}")
    print(f"{'rows':<22}{'sents':>6}{'gold':>6}{'TP':>5}{'FP':>5}{'FN':>5}{'P':>8}{'R':>8}{'F1':>8}")
    corpora = sorted(k for k in totals if k != "all" and not k.startswith("["))
    sections = [k for k in totals if k.startswith("[")]
    for name in [*corpora, *sections, "all"]:
        sents, gold_n, tp, fp, fn = totals[name]
        p, r, f = prf(tp, fp, fn)
        print(f"{name:<22}{sents:>6}{gold_n:>6}{tp:>5}{fp:>5}{fn:>5}{p:>8.3f}{r:>8.3f}{f:>8.3f}")
    if not args.quiet:
        print(f"\nErrors ({len(errors)} sentences):" if errors else "\nNo errors.")
        for error in errors:
            print(error)
    if not args.no_timing:
        timing()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Near-duplicate detection (searchkit.neardup.sketches) measured on Reuters-21578.

    python benchmarks/duplicates_eval.py                 # all ~19,000 stories
    python benchmarks/duplicates_eval.py --samples 30 --seed 2

Runs the index-time flow the way the indexer does: every story is sketched,
its anchors are looked up among the stories before it, the candidates go to
``Groups.add``. Prints the sketch time, the groups, the recall of the anchor
lookup against an exhaustive one, the recall on exact-duplicate bodies, a
similarity histogram of all candidates, a simulated re-publication test on
the DVIDS sample, and random linked pairs for a human to judge.

Precision, judged by hand (``--samples 30 --seed 2``, THRESHOLD 0.7): a pair
counts as correct when both stories report the same event (one is a re-issue,
correction, trimmed or re-edited copy of the other). 27 of 30 were; the other
3 were recurring template stories about different days (the Fed's "customer
repurchase" notice, a Bundesbank council meeting, a monthly USDA estimate),
textually near-identical but distinct events. Such templates are linked at any
threshold (the Bundesbank ones have identical bodies). All 77 pairs between
0.7 and 0.8 read the same way: 55 (71%) same event, 22 templates of other
days; the band adds 77 pairs (+16%) to the 475 at or above 0.8.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    # `python benchmarks/duplicates_eval.py` puts benchmarks/ on the path, not the repo.
    sys.path.insert(0, str(ROOT))

from benchmarks import reuters  # noqa: E402
from searchkit.neardup.sketches import (  # noqa: E402
    ANCHOR_MAX_DF,
    ANCHORS,
    MIN_WORDS,
    SKETCH_SIZE,
    THRESHOLD,
    Groups,
    anchors,
    similarity,
    sketch,
    words,
)

DVIDS_DIR = ROOT.parent / "shared" / "corpora" / "dvids" / "corpus"

Pair = tuple[str, str]


def _pair(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


def time_sketches(recs: list[dict]) -> dict[str, tuple[int, ...]]:
    """Sketches every body, printing CPU and wall time per article."""
    wall, cpu = time.perf_counter(), time.process_time()
    sketches = {r["id"]: sketch(r["body"]) for r in recs}
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    empty = sum(1 for s in sketches.values() if not s)
    n = len(recs)
    print(f"sketch: {n} stories, {1000 * cpu / n:.3f} ms CPU / {1000 * wall / n:.3f} ms wall each")
    print(f"        {empty} bodies under {MIN_WORDS} words get no sketch")
    mid = [r["body"] for r in recs if 2000 <= len(r["body"]) <= 3000]
    best = float("inf")
    for _ in range(5):  # the best of 5 runs: the machine is shared
        t = time.process_time()
        for body in mid:
            sketch(body)
        best = min(best, time.process_time() - t)
    print(f"        2-3 KB bodies ({len(mid)}): {1000 * best / len(mid):.3f} ms CPU each (best of 5)")
    return sketches


def group_incrementally(
    recs: list[dict], sketches: dict[str, tuple[int, ...]], max_df: int | None
) -> tuple[Groups, int, float]:
    """Groups as built at index time; returns it, the candidates checked and the seconds taken."""
    posting: dict[str, list[str]] = defaultdict(list)
    day = {r["id"]: date.fromisoformat(r["date"]).toordinal() for r in recs}
    groups = Groups()
    checked = 0
    t = time.perf_counter()
    for r in recs:
        aid, sk = r["id"], sketches[r["id"]]
        if not sk:
            continue
        terms = anchors(sk)
        cands: dict[str, None] = {}
        for term in terms:
            ids = posting[term]
            if max_df is None or len(ids) <= max_df:
                cands.update(dict.fromkeys(ids))
        checked += len(cands)
        groups.add(aid, day[aid], sk, ((c, day[c], sketches[c]) for c in cands))
        for term in terms:
            posting[term].append(aid)
    return groups, checked, time.perf_counter() - t


def exhaustive_pairs(sketches: dict[str, tuple[int, ...]]) -> dict[Pair, float]:
    """Similarity of every pair sharing any sketch value, not just an anchor.

    A pair with no common sketch value has a similarity estimate of 0, so
    this finds every pair at or above THRESHOLD, the anchor lookup's recall
    reference.
    """
    posting: dict[int, list[str]] = defaultdict(list)
    for aid, sk in sketches.items():
        for v in sk:
            posting[v].append(aid)
    pairs: dict[Pair, float] = {}
    for ids in posting.values():
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                p = _pair(a, b)
                if p not in pairs:
                    pairs[p] = similarity(sketches[a], sketches[b])
    return pairs


def report_groups(groups: Groups, byid: dict[str, dict]) -> None:
    gs = groups.groups()
    sizes = Counter(len(g) for g in gs)
    print(f"groups: {len(gs)} groups holding {sum(map(len, gs))} stories; sizes {sorted(sizes.items())}")
    for g in sorted(gs, key=len, reverse=True)[:3]:
        print(f"        largest: {len(g)} x {byid[g[0]]['headline'][:70]!r}")


def report_exact(recs: list[dict], groups: Groups) -> None:
    """Every body occurring more than once must be in one group (if long enough to judge)."""
    by_body: dict[str, list[str]] = defaultdict(list)
    for r in recs:
        by_body[r["body"]].append(r["id"])
    bodies = [body for body, ids in by_body.items() if len(ids) > 1]
    dup_sets = [by_body[body] for body in bodies]
    judged = [ids for ids, body in zip(dup_sets, bodies, strict=True) if len(words(body)) >= MIN_WORDS]
    together = sum(1 for ids in judged if len({groups.leader(i) for i in ids}) == 1 and groups.copies(ids[0]) > 0)
    print(
        f"exact duplicates: {len(dup_sets)} bodies occur more than once ({sum(map(len, dup_sets))} stories); "
        f"{len(judged)} of them have >= {MIN_WORDS} words, {together} of those are wholly in one group"
        f" (recall {together / max(1, len(judged)):.1%})"
    )


def report_histogram(pairs: dict[Pair, float], linked: set[Pair]) -> None:
    hist = Counter(min(int(s * 10), 9) for s in pairs.values())
    tenths = " ".join(f"{k / 10:.1f}:{hist[k]}" for k in range(10))
    print(f"similarity of the {len(pairs)} pairs sharing a sketch value, by tenths: {tenths}")
    for th in (0.5, 0.6, 0.7, 0.8, 0.9):
        n = sum(1 for s in pairs.values() if s >= th)
        print(f"        >= {th}: {n} pairs")
    want = {p for p, s in pairs.items() if s >= THRESHOLD}
    print(
        f"anchor recall: {len(want & linked)} of {len(want)} pairs >= {THRESHOLD} are linked "
        f"({len(linked - want)} linked pairs not in the exhaustive set)"
    )


def dvids_republication() -> None:
    """A copy with another lead paragraph and a dateline, per DVIDS story."""
    stories = []
    for path in sorted(DVIDS_DIR.glob("*.txt")):
        body = path.read_text(encoding="utf-8").split("\n", 2)[-1]
        paras = [p.strip() for p in body.splitlines() if p.strip()]
        if len(paras) > 1:
            stories.append(paras)
    if not stories:
        print("dvids: corpus not found, skipped")
        return
    scores = []
    for i, paras in enumerate(stories):
        other = stories[(i + 1) % len(stories)]
        copy = "FORT BRAGG, N.C. (DVIDS) -- " + "\n".join([other[0], *paras[1:]])
        scores.append(similarity(sketch("\n".join(paras)), sketch(copy)))
    scores.sort()
    cut = " ".join(f">={t}: {sum(s >= t for s in scores) / len(scores):.0%}" for t in (0.6, 0.7, 0.8))
    median = scores[len(scores) // 2]
    print(f"dvids re-publication (new lead paragraph + dateline), {len(scores)} stories: median {median:.2f}; {cut}")


def show_samples(pairs: list[Pair], sims: dict[Pair, float], byid: dict[str, dict], n: int, seed: int) -> None:
    rng = random.Random(seed)
    print(f"\n{n} random linked pairs (seed {seed}):")
    for a, b in sorted(rng.sample(sorted(pairs), min(n, len(pairs)))):
        ra, rb = byid[a], byid[b]
        print(f"--- {sims[(a, b)]:.2f}  {a} {ra['date']}  |  {b} {rb['date']}")
        for r in (ra, rb):
            print(f"    {r['headline'][:70]!r}: {' '.join(r['body'].split())[:100]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--samples", type=int, default=20, help="random linked pairs to print")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--source-dir", type=Path, default=reuters.DEFAULT_DIR)
    args = ap.parse_args(argv)

    print(
        f"parameters: SKETCH_SIZE={SKETCH_SIZE} ANCHORS={ANCHORS} THRESHOLD={THRESHOLD} ANCHOR_MAX_DF={ANCHOR_MAX_DF}"
    )
    recs = reuters.records(args.source_dir, with_sources=False)
    recs_by_id = {r["id"]: r for r in recs}
    sketches = time_sketches(recs)

    results = {}
    for max_df in (None, ANCHOR_MAX_DF):
        groups, checked, secs = group_incrementally(recs, sketches, max_df)
        results[max_df] = groups
        print(
            f"grouping (anchor df cap {max_df}): {checked} candidates checked, {secs:.1f} s "
            f"({1000 * secs / len(recs):.2f} ms/story)"
        )
    groups = results[ANCHOR_MAX_DF]
    same = results[None].groups() == groups.groups()
    print(f"        capped and uncapped lookups give {'the same' if same else 'DIFFERENT'} groups")

    report_groups(groups, recs_by_id)
    report_exact(recs, groups)
    pairs = exhaustive_pairs(sketches)
    linked = set(groups.links())
    report_histogram(pairs, linked)

    t = time.perf_counter()
    blob = groups.to_json()
    loaded = Groups.from_json(blob)
    load_ms = 1000 * (time.perf_counter() - t)
    assert loaded.groups() == groups.groups()
    print(f"json: {len(blob)} bytes for {len(groups)} grouped stories; dump+load {load_ms:.1f} ms")

    dvids_republication()
    show_samples(sorted(linked), pairs, recs_by_id, args.samples, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Would a term-proximity bonus rank better? BM25TP measured on Cranfield and CISI.

    python benchmarks/proximity_eval.py                  # both collections, the default weights (~7 min)
    python benchmarks/proximity_eval.py --weights 0.5,1,2,4

Issue 15 asks for a term-proximity component only if it measures better on
both collections. This is that measurement, outside the engine: each
query's top 1,000 (searchkit's ranking, as ``relevance.py``'s fast ranker
gives it: the same query, weighting and order) is re-scored with
Rasolofo and Savoy's BM25TP bonus (ECIR 2003) and re-sorted:

    score + w * sum over pairs of distinct query terms (i, j) of
        min(qtf_i, qtf_j) * (K1 + 1) * acc(i, j) / (K + acc(i, j))
    acc(i, j) = sum of 1 / d**2 over occurrences of i and j at most
                DISTANCE words apart (d >= 1), in the body or the headline
    K = K1 * ((1 - B) + B * body length / average body length)

with searchkit's own K1 and B (``ranking.DEFAULT``). Positions come from the
index's postings (headline and body, each field's words counted apart).
``w`` 0 is the ranking as it is; the table gives MAP, nDCG@10 and P@10 for
each weight, and whether a weight beats ``w`` 0 on every metric of both
collections (the bar for adding it to ``ranking.py``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import relevance  # noqa: E402

DISTANCE = 5  # BM25TP's window: term pairs at most this many words apart
FIELDS = ("headline", "body")


class Reranker:
    """searchkit's top TOP_K for a query, with each hit's score and the
    positions of the query's terms in it, re-sorted by score + w * TP."""

    def __init__(self, ix_path: Path) -> None:
        from searchkit import SearchIndex, storage
        from searchkit.ranking import DEFAULT

        self.ix = SearchIndex(ix_path, create=False)
        self.searcher = storage.open_index(ix_path).searcher(weighting=self.ix.ranking.weighting())
        self.reader = self.searcher.reader()
        self.ids = {d: self.searcher.stored_fields(d)["id"] for d in self.reader.all_doc_ids()}
        self.k1, self.b = DEFAULT.k1, DEFAULT.b
        lengths = [self.reader.doc_field_length(d, "body", 0) or 0 for d in self.ids]
        self.avg_body = sum(lengths) / max(len(lengths), 1)
        self._cache: dict[str, Any] = {}

    def close(self) -> None:
        self.searcher.close()
        self.ix.close()

    def _scored(self, words: Sequence[str]) -> tuple[list[tuple[int, float]], Counter[str]]:
        from searchkit import executor

        built = self.ix.build(" OR ".join(words), any_words=True)
        results = self.searcher.search(built.query, limit=relevance.TOP_K)
        hits = [(results.docnum(i), results.score(i)) for i in range(results.scored_length())]
        terms = executor._plain_terms(built.query) or []
        # Each analysed word once per field it was searched in: its query frequency.
        qtf = Counter(text for field, text in terms if field == "body")
        return hits, qtf

    def _positions(self, field: str, text: str) -> dict[int, list[int]]:
        key = f"{field}\0{text}"
        if key not in self._cache:
            found: dict[int, list[int]] = {}
            if (field, text) in self.reader:
                m = self.reader.postings(field, text)
                while m.is_active():
                    found[m.id()] = list(m.value_as("positions"))
                    m.next()
            self._cache[key] = found
        return self._cache[key]

    def bonus(self, docnum: int, qtf: Counter[str]) -> float:
        terms = sorted(qtf)
        if len(terms) < 2:
            return 0.0
        length = self.reader.doc_field_length(docnum, "body", 0) or 0
        k = self.k1 * ((1 - self.b) + self.b * length / self.avg_body) if self.avg_body else self.k1
        total = 0.0
        for a in range(len(terms)):
            for c in range(a + 1, len(terms)):
                acc = 0.0
                for field in FIELDS:
                    pa = self._positions(field, terms[a]).get(docnum)
                    pc = self._positions(field, terms[c]).get(docnum)
                    if not pa or not pc:
                        continue
                    for p in pa:
                        for q in pc:
                            d = abs(p - q)
                            if 1 <= d <= DISTANCE:
                                acc += 1.0 / (d * d)
                if acc:
                    total += min(qtf[terms[a]], qtf[terms[c]]) * (self.k1 + 1) * acc / (k + acc)
        return total

    def ranker(self, weight: float) -> relevance.Ranker:
        def rank(words: Sequence[str]) -> list[str]:
            hits, qtf = self._scored(words)
            if weight:
                hits = [(d, s + weight * self.bonus(d, qtf)) for d, s in hits]
            # Ties by docnum, as the collector orders equal scores.
            hits.sort(key=lambda h: (-h[1], h[0]))
            return [self.ids[d] for d, _ in hits]

        return rank


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--weights", default="0.25,0.5,1,2", help="comma-separated bonus weights w (0 is always run)")
    args = ap.parse_args(argv)
    weights = [0.0, *(float(w) for w in args.weights.split(",") if float(w) != 0)]
    table: dict[str, dict[float, relevance.Scores]] = {}
    for name in ("cranfield", "cisi"):
        coll = relevance.LOADERS[name]()
        with tempfile.TemporaryDirectory(prefix=f"proximity-{name}-") as tmp:
            rr = Reranker(relevance.searchkit_index(coll, Path(tmp)))
            try:
                table[name] = {w: relevance.evaluate(coll, rr.ranker(w)) for w in weights}
            finally:
                rr.close()
    print(f"# BM25TP bonus (window {DISTANCE} words, searchkit's K1 and B) on searchkit's top {relevance.TOP_K}")
    print(f"{'collection':<10} {'w':>5} {'MAP':>7} {'nDCG@10':>8} {'P@10':>7}")
    for name, rows in table.items():
        for w, sc in rows.items():
            print(f"{name:<10} {w:>5g} {sc.map:7.4f} {sc.ndcg:8.4f} {sc.p10:7.4f}")
    for w in weights[1:]:
        better = all(
            rows[w].map > rows[0.0].map and rows[w].ndcg > rows[0.0].ndcg and rows[w].p10 > rows[0.0].p10
            for rows in table.values()
        )
        print(f"w={w:g}: {'better on every metric of both collections' if better else 'not better on both'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

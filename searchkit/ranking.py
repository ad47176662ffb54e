"""How matches are scored: BM25F over headline and body.

The values were measured with benchmarks/relevance.py on the Cranfield and
CISI collections (see BENCHMARKS.md); change them only with a new
measurement.
"""

from __future__ import annotations

import math
from typing import Any

from whoosh import scoring

# Measured (BENCHMARKS.md): a headline boost of 1.0 ranked best on both test
# collections, 2.0 worst; 1.25 keeps the headline explicitly above the body,
# as a news reader expects, at a small cost on those abstracts.
HEADLINE_BOOST = 1.25
BODY_BOOST = 1.0
K1 = 1.2
B = 0.75


class LuceneIdfBM25F(scoring.BM25F):
    """Whoosh's BM25F with the idf Lucene and FTS5 use.

    Whoosh's idf, log(N / (n + 1)) + 1, never drops below about 1, so a word
    found in every article ("the", "what") still scores about an eighth of
    the rarest word and drowns long queries; log(1 + (N - n + 0.5) / (n + 0.5))
    goes to 0 for such words.
    """

    def idf(self, searcher: Any, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        n = parent.doc_frequency(fieldname, text)
        total = parent.doc_count_all()
        return math.log(1 + (total - n + 0.5) / (n + 0.5))


def weighting() -> scoring.WeightingModel:
    return LuceneIdfBM25F(B=B, K1=K1)


def field_boosts() -> dict[str, float]:
    return {"headline": HEADLINE_BOOST, "body": BODY_BOOST}

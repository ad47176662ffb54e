"""How matches are scored: BM25F over headline and body.

The values are the ones benchmarks/relevance.py measured best on both test
collections (see BENCHMARKS.md); change them only with a new measurement.
"""

from __future__ import annotations

from whoosh import scoring

HEADLINE_BOOST = 2.0
BODY_BOOST = 1.0
K1 = 1.2
B = 0.75


def weighting() -> scoring.WeightingModel:
    return scoring.BM25F(B=B, K1=K1)


def field_boosts() -> dict[str, float]:
    return {"headline": HEADLINE_BOOST, "body": BODY_BOOST}

"""neardup.verify: many pairs' sketch similarities at once, exactly sketches.similarity's."""

from __future__ import annotations

import random

import numpy as np
import pytest

from searchkit.neardup import verify
from searchkit.neardup.links import RunAnchors
from searchkit.neardup.sketches import SKETCH_SIZE, THRESHOLD, Groups, pack, similarity, sketch


def _sample(rng: random.Random, base: int, universe: int, k: int) -> list[int]:
    if universe < 1 << 20:
        return rng.sample(range(base, base + universe), k)
    got: set[int] = set()
    while len(got) < k:
        got.add(rng.getrandbits(64))
    return list(got)


def _pairs(rng: random.Random, n: int) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """Sketch pairs of every shape similarity() distinguishes: empty, short,
    full, disjoint, overlapping below and above the SKETCH_SIZE cutoff,
    identical, values near 0 and near 2**64."""
    out = []
    for _ in range(n):
        universe = rng.choice([80, 200, 5000, 1 << 64])
        base = rng.choice([0, (1 << 64) - 5000]) if universe == 5000 else 0
        sizes = [rng.choice([0, 1, 5, 30, 63, SKETCH_SIZE, SKETCH_SIZE]) for _ in range(2)]
        a = sorted(_sample(rng, base, universe, sizes[0]))
        if rng.random() < 0.5 and a:  # b shares a chosen part of a
            keep = rng.sample(a, rng.randint(0, len(a)))
            b = sorted(set(keep) | set(_sample(rng, base, universe, sizes[1])))[:SKETCH_SIZE]
        else:
            b = sorted(_sample(rng, base, universe, sizes[1]))
        out.append((tuple(a), tuple(b)))
    return out


def _similarities(pairs: list[tuple[tuple[int, ...], tuple[int, ...]]]) -> np.ndarray:
    """verify.similarities of the pairs, each sketch named by several pairs
    (in another order) as a batch's candidates are."""
    first = [pack(a) for a, _ in pairs]
    second = [pack(b) for _, b in pairs][::-1] * 2  # the second sketches twice, reversed
    n = len(pairs)
    i = np.arange(n)
    j = np.where(i % 2 == 0, n - 1 - i, 2 * n - 1 - i)
    return verify.similarities(first, second, i, j)


def test_similarities_equal_similarity_pair_by_pair() -> None:
    pairs = _pairs(random.Random(7), 4000)
    got = _similarities(pairs)
    want = [similarity(a, b) for a, b in pairs]
    assert got.tolist() == want  # exact floats, not approximately
    assert 0 < sum(w >= THRESHOLD for w in want) < len(want)  # both sides of the threshold were met


def test_similarities_across_chunks_and_the_pad_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verify, "CHUNK_PAIRS", 7)
    top = (1 << 64) - 1  # the pad value as a real sketch value
    pairs = [((1, 2, top), (2, top)), ((top,), (top,)), ((1, 2, 3), ()), ((), ()), *_pairs(random.Random(3), 50)]
    got = _similarities(pairs)
    assert got.tolist() == [similarity(a, b) for a, b in pairs]
    assert got[0] == similarity((1, 2, top), (2, top)) == 2 / 3


def test_similarities_of_real_texts() -> None:
    words = (
        "the central bank said on tuesday it would raise interest rates by a quarter point to curb inflation".split()
    )
    rng = random.Random(5)
    texts = []
    for _ in range(60):
        w = [rng.choice(words) for _ in range(rng.randint(30, 400))]
        texts.append(" ".join(w))
        w2 = list(w)
        for _ in range(rng.randint(0, 40)):
            w2[rng.randrange(len(w2))] = rng.choice(words)
        texts.append(" ".join(w2))
    sks = [sketch(t) for t in texts]
    pairs = [(sks[i], sks[j]) for i in range(len(sks)) for j in range(i, min(i + 3, len(sks)))]
    got = _similarities(pairs)
    assert got.tolist() == [similarity(a, b) for a, b in pairs]


def test_run_anchors_link_the_same_groups_as_pair_by_pair() -> None:
    """RunAnchors.link (numpy pre-check) against Groups.add on every candidate."""
    rng = random.Random(11)
    vocab = [f"w{i}" for i in range(400)]
    stories = [[rng.choice(vocab) for _ in range(rng.randint(30, 120))] for _ in range(40)]
    articles = []
    for i in range(400):
        w = list(rng.choice(stories))
        for _ in range(rng.randint(0, len(w) // 12)):
            w[rng.randrange(len(w))] = rng.choice(vocab)
        articles.append((f"a{i:04d}", 1 + i % 30, sketch(" ".join(w))))
    fast, slow = Groups(), Groups()
    known = RunAnchors()
    for lo in range(0, len(articles), 100):  # four batches, as four commits
        batch = articles[lo : lo + 100]
        for aid, day, sk in batch:
            known.add(aid, day, sk)
        cands = known.candidates(batch)
        for (aid, day, sk), found in zip(batch, cands, strict=True):
            slow.add(aid, day, sk, [(known.ids[s], known.days[s], articles[s][2]) for s in found])
        known.link(fast, batch)
    assert sorted(fast.links()) == sorted(slow.links())
    assert len(slow.links()) > 100  # the stories' copies were linked


def test_similarities_edges() -> None:
    with pytest.raises(ValueError):
        verify.similarities([pack((1,))], [pack((1,))], np.zeros(1), np.zeros(2))
    assert verify.similarities([], [], np.zeros(0), np.zeros(0)).shape == (0,)
    # A sketch longer than SKETCH_SIZE (not this version's): pair by pair, still exact.
    long = tuple(range(SKETCH_SIZE + 6))
    got = verify.similarities([pack(long)], [pack(long[3:])], np.zeros(1), np.zeros(1))
    assert got.tolist() == [similarity(long, long[3:])]

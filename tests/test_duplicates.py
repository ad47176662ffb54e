from __future__ import annotations

import json
import random

import pytest

from searchkit.neardup import sketches as duplicates
from searchkit.neardup.sketches import (
    ANCHORS,
    MIN_WORDS,
    SHINGLE,
    SKETCH_SIZE,
    THRESHOLD,
    Groups,
    anchors,
    pack,
    similarity,
    sketch,
    unpack,
    words,
)

LEAD = (
    "The Navy completed the first live-fire test of its new ship-based interceptor on Tuesday, "
    "destroying a target drone over the Pacific Missile Range Facility off Kauai, officials said."
)
PARAGRAPHS = [
    LEAD,
    "The test, designated Flight Test Maritime 41, involved the guided-missile destroyer USS John Finn, "
    "which detected and tracked the target with its upgraded radar before launching a single interceptor.",
    "Program officials said the interceptor performed as designed through every phase of the engagement, "
    "from the boost phase to the terminal homing that ended with a direct hit on the drone.",
    "The service plans two more flight tests before the end of the fiscal year, one of them against a "
    "maneuvering target that is meant to mimic the behavior of newer anti-ship missiles.",
    "Congress added funds to the program last year after lawmakers raised concerns about the pace of "
    "modernization for the surface fleet and the growing number of threats in the Western Pacific.",
    "A spokesperson for the prime contractor declined to discuss the cost of the test but said the company "
    "had delivered the first production lot of interceptors to the Navy ahead of schedule in March.",
    "Analysts said a successful test program would strengthen the case for buying the interceptor in larger "
    "numbers and for fitting it to allied ships that already carry the same combat system.",
    "The Navy expects to declare an initial operational capability for the system within two years, "
    "pending the results of the remaining tests and an independent review by the testing office.",
]
ARTICLE = "\n\n".join(PARAGRAPHS)
UNRELATED = (
    "Wheat futures rose sharply in Chicago on Monday as traders reacted to forecasts of dry weather across "
    "the southern plains, where the winter crop is entering a critical stage of development. Corn and "
    "soybeans followed wheat higher, although gains were limited by a stronger dollar, which makes American "
    "grain more expensive for foreign buyers. Exporters reported modest sales to Egypt and Japan."
)


# ------------------------------------------------------------------- sketch


def test_sketch_is_sorted_distinct_bottom_k() -> None:
    sk = sketch(ARTICLE)
    assert len(sk) == SKETCH_SIZE
    assert list(sk) == sorted(set(sk))
    assert all(0 <= v < 2**64 for v in sk)


def test_sketch_is_deterministic_and_independent_of_the_word_cache() -> None:
    first = sketch(ARTICLE)
    duplicates._WORD_CACHE.clear()
    assert sketch(ARTICLE) == first
    # Stored sketches outlive the process: the hash must not change between
    # runs, Python versions or platforms (no randomized hash()).
    assert anchors(first)[:2] == GOLDEN_ANCHORS


GOLDEN_ANCHORS = ["0024e93787abe8ac", "00593bc65964e904"]


def test_case_and_punctuation_are_ignored() -> None:
    shouted = ARTICLE.upper().replace(",", " ;").replace(".", " ... ")
    assert sketch(shouted) == sketch(ARTICLE)


def test_non_ascii_text_normalizes_like_ascii() -> None:
    # Curly quotes and dashes take the non-ASCII path; the words are the same.
    fancy = ARTICLE.replace("Navy", "“Navy”").replace(" officials said", " — officials said")
    assert sketch(fancy) == sketch(ARTICLE)
    composed = ARTICLE + " Caf\u00e9 owners in Kauai watched."
    decomposed = ARTICLE + " Cafe\u0301 owners in Kauai watched."
    assert sketch(composed) == sketch(decomposed)


def test_short_texts_have_no_sketch_and_no_duplicates() -> None:
    short = " ".join(words(ARTICLE)[: MIN_WORDS - 1])
    assert sketch(short) == ()
    assert sketch("") == ()
    assert anchors(()) == []
    assert similarity((), ()) == 0.0
    assert similarity(sketch(ARTICLE), ()) == 0.0
    assert len(sketch(" ".join(words(ARTICLE)[:MIN_WORDS]))) == MIN_WORDS - SHINGLE + 1


# --------------------------------------------------------------- similarity


def test_identical_texts() -> None:
    assert similarity(sketch(ARTICLE), sketch(ARTICLE)) == 1.0


def test_near_duplicate_with_small_edits() -> None:
    edited = ARTICLE.replace("Tuesday", "Wednesday").replace("two more", "three more") + "\n\nReuters"
    assert similarity(sketch(ARTICLE), sketch(edited)) >= THRESHOLD


def test_unrelated_texts() -> None:
    assert similarity(sketch(ARTICLE), sketch(UNRELATED)) < 0.1


def test_republished_copy_with_new_lead_and_dateline() -> None:
    new_lead = (
        "A Navy destroyer shot down a target drone near Hawaii this week in the first live-fire "
        "test of a new interceptor, the service announced."
    )
    copy = "PEARL HARBOR, Hawaii (DVIDS) -- " + "\n\n".join([new_lead, *PARAGRAPHS[1:]])
    a, b = sketch(ARTICLE), sketch(copy)
    assert similarity(a, b) >= THRESHOLD
    assert set(anchors(a)) & set(anchors(b))


def test_similarity_is_the_bottom_k_estimate() -> None:
    # Complete sketches (small sets): exact Jaccard.
    assert similarity((1, 2, 3, 4), (3, 4, 5, 6)) == pytest.approx(2 / 6)
    # Sets 0..99 and 50..149: the 64 smallest of the union are 0..63, of
    # which 50..63 are in both.
    a = tuple(range(SKETCH_SIZE))
    b = tuple(range(50, 50 + SKETCH_SIZE))
    assert similarity(a, b) == pytest.approx(14 / SKETCH_SIZE)
    assert similarity(b, a) == similarity(a, b)


def test_similarity_matches_the_definition_on_random_sets() -> None:
    rng = random.Random(5)
    for _ in range(300):
        pool = range(rng.randrange(2, 400))
        sa = set(rng.sample(pool, rng.randrange(1, len(pool) + 1)))
        sb = set(rng.sample(pool, rng.randrange(1, len(pool) + 1)))
        a, b = tuple(sorted(sa)[:SKETCH_SIZE]), tuple(sorted(sb)[:SKETCH_SIZE])
        union = sorted(set(a) | set(b))[:SKETCH_SIZE]
        expected = len(set(union) & set(a) & set(b)) / len(union)
        assert similarity(a, b) == pytest.approx(expected)


# ----------------------------------------------------------- anchors, pack


def test_anchors_are_the_smallest_values_as_hex() -> None:
    sk = sketch(ARTICLE)
    terms = anchors(sk)
    assert len(terms) == ANCHORS
    assert [int(t, 16) for t in terms] == list(sk[:ANCHORS])
    assert all(len(t) == 16 and t == t.lower() for t in terms)


def test_pack_round_trip() -> None:
    sk = sketch(ARTICLE)
    blob = pack(sk)
    assert isinstance(blob, bytes) and len(blob) == 8 * len(sk)
    assert unpack(blob) == sk
    assert pack(()) == b"" and unpack(b"") == ()
    assert pack((1,)) == (1).to_bytes(8, "little")


# ------------------------------------------------------------------- groups

SAME = tuple(range(SKETCH_SIZE))
OTHER = tuple(range(1000, 1000 + SKETCH_SIZE))


# Complete (short) sketches give exact Jaccard: P~Q and Q~R at 9/11, but P
# and R only at 8/12, below the threshold.
P, Q, R = tuple(range(0, 10)), tuple(range(1, 11)), tuple(range(2, 12))


def _chain() -> Groups:
    """a - b - c linked in a path through b."""
    g = Groups()
    assert g.add("a", 10, P, []) == []
    assert g.add("c", 11, R, [("a", 10, P)]) == []
    assert g.add("b", 12, Q, [("a", 10, P), ("c", 11, R)]) == ["a", "c"]
    return g


def test_add_links_similar_candidates_only() -> None:
    g = Groups()
    g.add("a", 1, SAME, [])
    linked = g.add("b", 2, SAME, [("a", 1, SAME), ("x", 1, OTHER), ("b", 2, SAME), ("a", 1, SAME)])
    assert linked == ["a"]
    assert g.groups() == [["a", "b"]]
    assert g.copies("a") == g.copies("b") == 1
    assert g.copies("x") == 0 and g.leader("x") == "x" and "x" not in g
    assert g.add("e", 3, (), [("a", 1, SAME)]) == []
    assert g.copies("e") == 0


def test_groups_are_transitive_and_led_by_the_earliest() -> None:
    g = Groups()
    g.add("b", 20, SAME, [])
    g.add("a", 30, SAME, [("b", 20, SAME)])
    g.add("c", 10, SAME, [("a", 30, SAME)])  # linked to a only
    assert g.groups() == [["c", "b", "a"]]
    assert {g.leader(x) for x in "abc"} == {"c"}
    assert g.copies("b") == 2
    assert g.group("a") == ["c", "b", "a"]
    assert g.group("zz") == ["zz"]


def test_leader_ties_by_id_and_undated_is_latest() -> None:
    g = Groups()
    g.add("m", 0, SAME, [])
    g.add("k", 7, SAME, [("m", 0, SAME)])
    g.add("j", 7, SAME, [("k", 7, SAME)])
    assert g.leader("m") == "j"
    assert g.group("m") == ["j", "k", "m"]
    undated = Groups()
    undated.add("b", 0, SAME, [])
    undated.add("a", 0, SAME, [("b", 0, SAME)])
    assert undated.leader("b") == "a"


def test_groups_are_sorted_by_leader() -> None:
    g = Groups()
    g.add("x1", 50, OTHER, [])
    g.add("x2", 40, OTHER, [("x1", 50, OTHER)])
    g.add("y1", 30, SAME, [])
    g.add("y2", 60, SAME, [("y1", 30, SAME)])
    assert g.groups() == [["y1", "y2"], ["x2", "x1"]]


def test_remove_splits_a_group_at_its_bridge() -> None:
    g = _chain()
    assert g.groups() == [["a", "c", "b"]]
    assert g.links() == [("a", "b"), ("b", "c")]
    g.remove("b")
    assert g.groups() == []
    assert g.copies("a") == g.copies("c") == 0
    assert len(g) == 0 and g.to_json() == Groups().to_json()


def test_remove_keeps_a_group_with_other_paths() -> None:
    g = Groups()
    for i, aid in enumerate(["a0", "a1", "a2", "a3"]):
        g.add(aid, i + 1, SAME, [(f"a{j}", j + 1, SAME) for j in range(i)])
    g.remove("a0")
    assert g.groups() == [["a1", "a2", "a3"]]
    assert g.leader("a3") == "a1"
    g.remove("a2")
    g.remove("nonexistent")
    assert g.groups() == [["a1", "a3"]]


def test_remove_splits_into_two_groups() -> None:
    g = Groups()
    g.add("a", 1, P, [])
    g.add("b", 2, P, [("a", 1, P)])
    g.add("x", 3, R, [("a", 1, P), ("b", 2, P)])
    g.add("y", 4, R, [("x", 3, R)])
    assert g.groups() == [["a", "b"], ["x", "y"]]
    g.add("m", 5, Q, [("a", 1, P), ("b", 2, P), ("x", 3, R), ("y", 4, R)])
    assert g.groups() == [["a", "b", "x", "y", "m"]]
    g.remove("m")
    assert g.groups() == [["a", "b"], ["x", "y"]]


def test_adding_again_replaces_the_links() -> None:
    g = Groups()
    g.add("a", 1, SAME, [])
    g.add("b", 2, SAME, [("a", 1, SAME)])
    g.add("b", 2, OTHER, [("a", 1, SAME)])  # b's text changed
    assert g.groups() == []


def test_json_round_trip() -> None:
    g = _chain()
    g.add("p", 3, OTHER, [])
    g.add("q", 0, OTHER, [("p", 3, OTHER)])
    blob = g.to_json()
    data = json.loads(blob)
    assert set(data["days"]) == {"a", "b", "c", "p", "q"}  # only grouped articles
    loaded = Groups.from_json(blob)
    assert loaded.groups() == g.groups()
    assert loaded.links() == g.links()
    assert loaded.to_json() == blob
    assert loaded.leader("q") == "p" and loaded.copies("b") == 2
    # The links survive, so a removal still splits correctly.
    loaded.remove("b")
    assert loaded.groups() == [["p", "q"]]


def test_json_is_independent_of_insertion_order() -> None:
    one, two = Groups(), Groups()
    one.add("a", 1, SAME, [])
    one.add("b", 2, SAME, [("a", 1, SAME)])
    two.add("b", 2, SAME, [])
    two.add("a", 1, SAME, [("b", 2, SAME)])
    assert one.to_json() == two.to_json()


def test_from_json_rejects_unknown_files() -> None:
    with pytest.raises(ValueError):
        Groups.from_json('{"version": 99, "days": {}, "links": {}}')
    with pytest.raises(ValueError):
        Groups.from_json("[]")
    with pytest.raises(ValueError):
        Groups.from_json('{"version": 1, "days": {}, "links": {"a": ["b"]}}')
    with pytest.raises(ValueError):
        Groups.from_json("not json")


# ------------------------------------------------------------ index links


def _linked(index_dir: object) -> list[tuple[str, str]]:
    from searchkit.catalog import Catalog

    cat = Catalog(index_dir)  # type: ignore[arg-type]
    try:
        return sorted(cat.links())
    finally:
        cat.close()


@pytest.mark.parametrize("arrays", [True, False], ids=["anchor arrays", "term lookups"])
def test_a_first_run_links_what_an_update_of_an_index_links(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch, arrays: bool
) -> None:
    """A run from an empty index finds candidates from its own anchor arrays
    (dupgroups.RunAnchors); one over a non-empty index searches each
    segment's anchor arrays, or looks each anchor up in a segment without
    them. All must make the same links: near copies,
    a story copied more often than ANCHOR_MAX_DF (every anchor common),
    a copy changed in a later run, and short texts without a sketch."""
    from pathlib import Path

    from searchkit import SearchIndex
    from searchkit.neardup.sketches import ANCHOR_MAX_DF

    tmp = Path(str(tmp_path))
    rng = random.Random(7)
    stock = " ".join(PARAGRAPHS[3:6])
    records = []
    for i in range(ANCHOR_MAX_DF + 15):
        records.append({"id": f"s{i:04d}", "headline": f"Stock {i}", "date": "1987-03-05", "body": stock})
    for i in range(12):
        paras = list(PARAGRAPHS)
        paras[rng.randrange(len(paras))] = f"Dateline {i}: the wire re-issued this story with a new lead."
        if i % 3 == 0:
            paras.reverse()
        records.append({"id": f"n{i:04d}", "headline": f"Navy {i}", "body": "\n\n".join(paras)})
    records.append({"id": "u0001", "headline": "Wheat", "body": UNRELATED})
    records.append({"id": "x0001", "headline": "Short", "body": "Too short to judge."})
    corpus = tmp / "corpus" / "news.jsonl"
    corpus.parent.mkdir()
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    seed = tmp / "seed" / "other.txt"
    seed.parent.mkdir()
    seed.write_text("Other\n\n" + " ".join(reversed(UNRELATED.split())) + "\n", encoding="utf-8")

    fresh = SearchIndex(tmp / "fresh", create=True)
    fresh.update([corpus.parent])
    fresh.close()
    if not arrays:  # segments without anchor arrays (another writer's): each anchor looked up
        from searchkit import bulkwriter
        from searchkit.neardup import links as dupgroups

        monkeypatch.setattr(dupgroups, "_anchor_array", lambda leaf: None)
        monkeypatch.setattr(bulkwriter, "ANCHOR_TERMS", True)  # the anchors in the dictionary instead
    grown = SearchIndex(tmp / "grown", create=True)
    grown.update([seed.parent])
    grown.update([seed.parent, corpus.parent])
    grown.close()
    links = _linked(tmp / "fresh")
    assert links == _linked(tmp / "grown")
    assert ("n0000", "n0006") in links and ("n0001", "n0004") in links
    assert sum(1 for a, b in links if a.startswith("s") and b.startswith("s")) >= ANCHOR_MAX_DF
    assert not any(a.startswith(("u", "x")) or b.startswith(("u", "x")) for a, b in links)

    # A later run changes a copy beyond recognition: the same links go in both.
    records[ANCHOR_MAX_DF + 15]["body"] = "Withdrawn: this story was replaced by a short notice."
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    for name, paths in (("fresh", [corpus.parent]), ("grown", [seed.parent, corpus.parent])):
        ix = SearchIndex(tmp / name, create=False)
        ix.update(paths)
        ix.close()
    after = _linked(tmp / "fresh")
    assert after == _linked(tmp / "grown")
    assert not any("n0000" in link for link in after)
    assert ("n0001", "n0004") in after


def test_a_first_search_folds_copies_by_the_matches_own_ids_as_group_index_does(
    syndicated: tuple[object, object],
) -> None:
    """A searcher's first search looks up its matches' groups by their ids
    (SearcherData.group_numbers: no group_index for a cold command), later
    ones in group_index: the same copies fold into the same hits."""
    import numpy as np

    from searchkit import SearchIndex
    from searchkit.neardup.fold import fold_copies, fold_grouped

    ix = syndicated[0]
    assert isinstance(ix, SearchIndex)
    queries = ("radar", "kyodo", "korea", "missile radar", "reported", "test", "the")
    for q in queries:
        fresh = SearchIndex(ix.path)
        first = fresh.search(q, limit=50)
        cache = fresh._current()[1]
        assert "group_index" not in cache.__dict__, q  # the first search did not build it
        again = fresh.search(q, limit=50)
        assert "group_index" in cache.__dict__ or again.total > 256, q
        assert first == again, q
        fresh.close()
    assert any(h.copies for h in SearchIndex(ix.path).search("radar").hits)
    # And by the numbers: every subset of live documents splits alike.
    cache = SearchIndex(ix.path)._current()[1]
    live = cache.arrays.live_ids
    days = cache.arrays.days
    rng = random.Random(3)
    for _ in range(50):
        ids = np.array(sorted(rng.sample(live.tolist(), rng.randrange(0, min(len(live), 60) + 1))), dtype=np.int64)
        cache._searched = False
        by_ids = fold_grouped(ids, cache.group_numbers(ids), days)
        by_index = fold_copies(ids, cache.group_index, days)
        assert by_ids[0].tolist() == by_index[0].tolist() and by_ids[1] == by_index[1]
        cache.__dict__.pop("group_index")

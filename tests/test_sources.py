"""Cited-source extraction (searchkit.sources).

Most behaviour is table-driven from tests/data/attribution_cases.tsv: one
sentence and the sources it cites per line, covering every attribution
pattern, all-capitals text, mentions that are not citations, people and
governments that are not sources, and outlets missing from the gazetteer.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from searchkit.sources import (
    aliases,
    canonical_source,
    extract_sources,
    gazetteer_size,
    source_key,
)

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "data" / "attribution_cases.tsv"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _cases() -> list[tuple[str, tuple[str, ...]]]:
    rows = []
    for line in CASES.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("sentence\t"):
            continue
        sentence, _, expected = line.partition("\t")
        rows.append((sentence, tuple(s.strip() for s in expected.split(";") if s.strip())))
    return rows


CASE_ROWS = _cases()


def test_case_table_is_substantial() -> None:
    assert len(CASE_ROWS) >= 60
    assert sum(1 for _, expected in CASE_ROWS if not expected) >= 15  # negatives too


@pytest.mark.parametrize(("sentence", "expected"), CASE_ROWS, ids=[s[:50] for s, _ in CASE_ROWS])
def test_attribution_cases(sentence: str, expected: tuple[str, ...]) -> None:
    assert extract_sources(sentence) == expected


# --- the seed article --------------------------------------------------------------------------


def _seed_path() -> Path:
    folder = SHARED / "corpora" / "seed"
    files = sorted(folder.glob("*.txt")) if folder.is_dir() else []
    if not files:
        pytest.skip(f"needs the seed article in {folder} (the shared data folder beside the project)")
    return files[0]


def test_seed_article_body() -> None:
    from searchkit.articles import parse_article

    article = parse_article(_seed_path().read_text(encoding="utf-8"))
    assert extract_sources(article.body) == ("Kyodo News", "RIA Novosti")
    assert article.sources == ("Kyodo News", "RIA Novosti")


def test_seed_article_whole_text() -> None:
    # Headline, date line and the "About" summary add no other source.
    assert extract_sources(_seed_path().read_text(encoding="utf-8")) == ("Kyodo News", "RIA Novosti")


# --- canonical names and aliases ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("Kyodo", "Kyodo News"),
        ("kyodo", "Kyodo News"),
        ("KYODO NEWS", "Kyodo News"),
        ("Tass", "TASS"),
        ("ITAR-TASS", "TASS"),
        ("itar - tass", "TASS"),
        ("Yonhap News Agency", "Yonhap"),
        ("Xinhua News Agency", "Xinhua"),
        ("AFP", "Agence France-Presse"),
        ("  Associated   Press ", "Associated Press"),
        ("ACAN - EFE", "ACAN-EFE"),
        ("Reuter", "Reuters"),
        ("Radio Cadena Nacional", "Radio Cadena Nacional"),
    ],
)
def test_canonical_source(name: str, canonical: str) -> None:
    assert canonical_source(name) == canonical


def test_unknown_name_is_only_tidied() -> None:
    assert canonical_source("  The   Jordan\tHerald ") == "The Jordan Herald"
    assert source_key("  The   Jordan\tHerald ") == "the jordan herald"


def test_source_key_is_folded_canonical() -> None:
    assert source_key("kyodo") == "kyodo news"
    assert source_key("Itar-Tass") == "tass"
    assert source_key("RIA Novosti") == "ria novosti"


def test_aliases() -> None:
    assert "Kyodo" in aliases("Kyodo News")
    assert {"Tass", "ITAR-TASS"} <= set(aliases("TASS"))
    assert aliases("kyodo") == aliases("Kyodo News")  # any spelling finds the entry
    assert aliases("Jordan Herald") == ()
    assert "Kyodo News" not in aliases("Kyodo News")


def test_gazetteer_size_and_data() -> None:
    assert gazetteer_size() >= 300
    for name in ("Defense News", "Jane's", "Aviation Week", "Arms Control Today", "Breaking Defense",
                 "Defense One", "EFE", "Agence France-Presse", "Deutsche Presse-Agentur", "Radio Venceremos"):
        assert canonical_source(name) == name


def test_canonical_names_have_no_commas() -> None:
    from importlib import resources

    text = resources.files("searchkit").joinpath("data/sources.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            assert "," not in line.split("\t")[0], line


def test_muc_publishers_are_known() -> None:
    rdf = SHARED / "corpora" / "muc34" / "metadata" / "publisher.rdf"
    if not rdf.exists():
        pytest.skip(f"needs {rdf} (the shared data folder beside the project)")
    publishers = set(re.findall(r"<dc:publisher>([^<]+)</dc:publisher>", rdf.read_text(encoding="utf-8")))
    # Service names and places are not agencies.
    not_agencies = {"DOMESTIC SERVICE", "INTERNATIONAL SERVICE", "OVERSEAS SERVICE", "DOMESTIC SPANISH",
                    "MOSCOW", "SALVADORAN", "AF", "THE NEWS", "HACIENDO RADIO", "TELAM-EFE", "TELAM-DPA",
                    "TELAM-ANSA"}
    unknown = {p for p in publishers - not_agencies if canonical_source(p) == p and not aliases(p)}
    assert not unknown


# --- robustness and speed ----------------------------------------------------------------------


def test_dedup_and_order() -> None:
    text = "Kyodo reported it. Reuters said so. Kyodo News reported it again, according to Reuters."
    assert extract_sources(text) == ("Kyodo News", "Reuters")


def test_upper_case_block_inside_mixed_text() -> None:
    text = "Officials declined to comment.\n\nTHE REBELS ATTACKED THE BASE, EFE REPORTED."
    assert extract_sources(text) == ("EFE",)


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "said", "according to", "(", "( ) --", "İstanbul said"])
def test_degenerate_input(text: str) -> None:
    assert extract_sources(text) == ()


def test_a_long_article_gives_the_same_sources_every_time() -> None:
    # Speed is measured by benchmarks/source_eval.py, not asserted here.
    body = _seed_path().read_text(encoding="utf-8") if (SHARED / "corpora" / "seed").is_dir() else ""
    if not body:
        pytest.skip("needs the seed article")
    first = extract_sources(body)
    assert first == ("Kyodo News", "RIA Novosti")
    assert all(extract_sources(body) == first for _ in range(3))  # the pattern caches change nothing

from __future__ import annotations

import pickle

import pytest

from searchkit.analysis import analyze, fold_accents, news_analyzer, word_analyzer


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("X-band radar", ["x", "band", "radar"]),
        ("AN/TPY-2", ["an", "tpy", "2"]),
        ("U.S. forces", ["u.s.", "forces"]),
        ("Japan's radar", ["japan", "radar"]),
        ("state of the union", ["state", "of", "the", "union"]),
        ("Müller São Paulo", ["muller", "sao", "paulo"]),
    ],
)
def test_word_analyzer(text: str, terms: list[str]) -> None:
    assert analyze(text, word_analyzer()) == terms


def test_acronym_does_not_meet_use() -> None:
    assert analyze("U.S.") == analyze("u.s.") != analyze("use")


def test_stemming() -> None:
    assert analyze("missiles defense", news_analyzer()) == analyze("missile defenses", news_analyzer())


def test_accent_folding_leaves_other_alphabets_alone() -> None:
    assert fold_accents("café") == "cafe"
    assert fold_accents("йод") == "йод"  # й is a letter of its own in Cyrillic
    assert fold_accents("Ελλάδα") == "Ελλάδα"


def test_analyzer_pickles() -> None:
    # Whoosh pickles the schema, analyzers included, into the index.
    analyzer = pickle.loads(pickle.dumps(news_analyzer()))
    assert analyze("X-band", analyzer) == ["x", "band"]


def test_positions_and_chars() -> None:
    tokens = [
        (t.text, t.pos, t.startchar, t.endchar) for t in word_analyzer()("the X-band, U.S.", positions=True, chars=True)
    ]
    assert tokens == [("the", 0, 0, 3), ("x", 1, 4, 5), ("band", 2, 6, 10), ("u.s.", 3, 12, 16)]


# ---------------------------------------------------------------- the bulk path


import unicodedata  # noqa: E402
from itertools import islice, pairwise  # noqa: E402

from searchkit import spelling, unicode_marks  # noqa: E402
from searchkit.analysis import FAST, FastAnalyzer  # noqa: E402

from .conftest import ROOT, shared_path  # noqa: E402

# Every rule of the tokenizer and the filters, and the Unicode cases around them.
TRICKY = "\n".join(
    [
        "U.S. and U.N. forces; the u.s.a. and e.g. X-band AN/TPY-2 radar's range",
        "Japan's, Japan’s, JAPAN'S, James' and it's; 'quoted' ’single’ rock'n'roll",
        "Müller São Paulo Ærø Łódź Øresund façade naïve coöperate ŒUVRE ß STRASSE",
        "Київ Kyiv Київ (NFD) " + unicodedata.normalize("NFD", "Київ Ελλάδα Ἀθῆναι é"),
        "ﬁnancial ﬂight ＮＡＴＯ ＵＳＡ １２３ ½ ² Ⅻ ㎞ ℃ ﬀ",
        "हिन्दी नमस्ते தமிழ் ภาษาไทย 日本語のテキスト 한국어 조선",
        "İstanbul DİYARBAKIR ǅemal Σίσυφος ΣΊΣΥΦΟΣ",
        "e\u0301 \u0301orphan mark x\u20dd 3.14 1,000,000 _under_score_ a__b",
        "tab\tsep\u00a0nbsp\u2009thin\u200bzero-width\u200dzwj",
    ]
)


def _corpus_texts() -> list[str]:
    texts = [TRICKY]
    for folder in (ROOT / "corpus", ROOT / "tests" / "data"):
        texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.rglob("*.txt"))]
    # A sample of each real corpus (the whole of the small ones), sized so
    # the test stays a few seconds: Whoosh's analyzer is the slow side.
    for parts, pattern, files, chars in (
        (("corpora", "seed"), "*.txt", None, None),
        (("corpora", "dvids", "corpus"), "*.txt", None, None),
        (("corpora", "muc34", "dev"), "*.xhtml", 12, None),
        (("corpora", "reuters21578"), "*.sgm", 1, 250_000),
    ):
        folder = shared_path(*parts)
        for p in islice(sorted(folder.glob(pattern)), files):
            texts.append(p.read_bytes().decode("utf-8", errors="replace")[:chars])
    return texts


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    return _corpus_texts()


def test_fast_analyzer_gives_the_whoosh_analyzers_tokens(corpus_texts: list[str]) -> None:
    stemmed, words = news_analyzer(), word_analyzer()
    fast = FastAnalyzer()  # a cold cache as well as the warm shared one
    total = 0
    for text in corpus_texts:
        whoosh = [(t.text, t.pos, t.startchar, t.endchar) for t in stemmed(text, positions=True, chars=True)]
        plain = [t.text for t in words(text)]
        for analyzer in (fast, FAST):
            stems, ws, starts, ends = analyzer.tokens(text)
            assert list(zip(stems, range(len(stems)), starts, ends, strict=True)) == whoosh
            assert ws == plain
        total += len(whoosh)
    assert total > 60_000  # the real corpora were read, not just the samples


def test_fast_vocabulary_is_spellings(corpus_texts: list[str]) -> None:
    for text in corpus_texts:
        assert FAST.vocabulary(text) == set(spelling.vocabulary(text).split())
    # As the indexer asks: headline and body apart, spelling on them joined.
    for headline, body in pairwise(corpus_texts):
        head = headline[:200]
        assert FAST.vocabulary(head, body) == set(spelling.vocabulary(f"{head}\n{body}").split())


def test_mark_table_matches_this_pythons_unicode() -> None:
    assert unicode_marks.scan() == unicode_marks.RANGES, "regenerate searchkit/unicode_marks.py and bump SCHEMA_VERSION"


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        (unicodedata.normalize("NFD", "Київ"), "Київ"),
        ("ﬁnancial", "financial"),
        ("ＮＡＴＯ", "NATO"),
        (unicodedata.normalize("NFD", "Ἀθῆναι"), "Ἀθῆναι"),
        ("ｍｉｓｓｉｌｅｓ", "missiles"),
    ],
)
def test_unicode_forms_analyse_alike(variant: str, canonical: str) -> None:
    assert variant != canonical
    assert analyze(variant) == analyze(canonical) != []
    assert FAST.tokens(variant)[0] == analyze(canonical)


def test_offsets_point_into_the_original_text() -> None:
    text = "a ﬁnancial " + unicodedata.normalize("NFD", "Київ") + " ＮＡＴＯ"
    for t in news_analyzer()(text, chars=True):
        assert analyze(text[t.startchar : t.endchar]) == [t.text]


def test_nfd_word_is_one_token() -> None:
    assert analyze(unicodedata.normalize("NFD", "Київ Müller"), word_analyzer()) == ["київ", "muller"]
    assert len(analyze("हिन्दी", word_analyzer())) == 1


def test_the_mark_class_matches_exactly_the_marks() -> None:
    import re
    import sys

    from searchkit.unicode_marks import RANGES, char_class

    marks = re.compile(f"[{char_class()}]")
    inside = {cp for a, b in RANGES for cp in range(a, b + 1)}
    assert all(bool(marks.fullmatch(chr(cp))) == (cp in inside) for cp in range(sys.maxunicode + 1))

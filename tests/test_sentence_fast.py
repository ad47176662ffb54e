"""The snippet's sentences found near its matches (snippets.sentences_at,
boundaries.sentence_around) are the sentences of the whole-text split, and
the faster whole-text split is the splitter it replaced, on the real
corpora and on text made to trip them."""

from __future__ import annotations

import bisect
import random
import re
from itertools import islice

import pytest

from searchkit import snippets
from searchkit.boundaries import ABBREVIATIONS, scan_origin, sentence_around, sentence_starts
from searchkit.snippets import make_snippet, sentences, sentences_at

from .conftest import ROOT, shared_path

# -- the splitter as it was before the fast paths (afb1a02), kept verbatim
# as the reference: the index's /s and every snippet depend on its cuts.
_R_CANDIDATE = re.compile(r"[.!?]+[\"'”’)\]]*\s+")
_R_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
_R_OPENERS = "\"'“‘([-—"
_R_TO_LAST_SPACE = re.compile(r".*\s", re.DOTALL)


def _r_abbreviation(text: str, stop: int) -> bool:
    lo = max(0, stop - 40)
    space = _R_TO_LAST_SPACE.match(text, lo, stop + 1)
    word = text[space.end() if space is not None else lo : stop + 1]
    if not word:
        return False
    word = word.rstrip(".").lstrip(_R_OPENERS)
    if not word:
        return False
    if "." in word:
        return True
    if len(word) == 1 and word.isalpha():
        return True
    return word.lower() in ABBREVIATIONS


def reference_starts(text: str) -> list[int]:
    starts = {m.end() for m in _R_PARAGRAPH.finditer(text) if m.end() < len(text)}
    size = len(text)
    for m in _R_CANDIDATE.finditer(text):
        nxt = m.end()
        if nxt >= size:
            break
        at = nxt
        while at < size and text[at] in _R_OPENERS:
            at += 1
        if at < size and text[at].islower():
            continue
        begin = m.start()
        if text[begin] == "." and _r_abbreviation(text, begin):
            continue
        starts.add(nxt)
    return sorted(starts)


# Text made to trip a local scan: abbreviations, initials, dotted acronyms,
# quotes and brackets around stops, runs of stops, blank lines with spaces,
# a text opening and ending with blanks, non-ASCII lower case and spaces.
ADVERSARIAL = [
    "The U.S. Senate voted. Then Dr. Arbatov spoke, J. Smith said. Gen. Lee left at 3 p.m. Friday.",
    'He said "no." Talks ended.\n\nA new paragraph (with a bracket.) Last one',
    "  Leading space. and lower case goes on. Done!  ",
    "\n\n \n\tOpening blanks. Two?! Three...  Four.\u00a0Five\u2009six. ‘Quoted.’ “Curly.” — Dash. (Paren.) [Br.] end",
    "A.B.C. D.E.F. no. 5 Nos. 6 and 7. Inc. Corp. Ltd. St. Paul. é. Über. éclair. ß. x. Y. ½. ²",
    "U.S.\n\nU.S. \n \n U.S.\n\n\n\nEnd.",
    "...\n\n!!!  ???  . . . ! ? \" ' ) ] end. Start",
    "word" * 80 + ". Next sentence after a very long word. " + "x" * 300 + " tail.",
    "One.\r\n\r\nTwo.\u2028Three.\u3000Four.\x1cFive.\x0cSix.\x0bSeven.",
    ("Mr. Smith met Mrs. Jones. " * 30).strip(),
    "No stop at all in this text",
    "",
    ".",
    " . ",
    "End with a stop.",
]


def _corpus_texts() -> list[str]:
    texts = list(ADVERSARIAL)
    for folder in (ROOT / "corpus", ROOT / "tests" / "data"):
        texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.rglob("*.txt"))]
    for parts, pattern, files in (
        (("corpora", "seed"), "*.txt", None),
        (("corpora", "dvids", "corpus"), "*.txt", None),
        (("corpora", "muc34", "dev"), "*.xhtml", 12),
        (("corpora", "reuters21578"), "*.sgm", 2),
    ):
        folder = shared_path(*parts)
        for p in islice(sorted(folder.glob(pattern)), files):
            raw = p.read_bytes().decode("utf-8", errors="replace")
            # Stories' sizes, cut anywhere: a cut is a text's start and end.
            rng = random.Random(p.name)
            at = 0
            while at < len(raw):
                size = rng.randrange(200, 4000)
                texts.append(raw[at : at + size])
                at += size
    return texts


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    return _corpus_texts()


def _holding(whole: list[tuple[int, int]], point: int, leads: list[int] | None = None) -> tuple[int, int]:
    """The sentence of the whole split that a snippet assigns ``point`` to."""
    if leads is None:
        leads = [s for s, _ in whole]
    return whole[max(bisect.bisect_right(leads, point) - 1, 0)]


def test_whole_text_split_is_the_reference(corpus_texts: list[str]) -> None:
    total = 0
    for text in corpus_texts:
        want = reference_starts(text)
        assert sentence_starts(text) == want, text[:80]
        for until in range(0, len(text) + 1, max(1, len(text) // 7)):
            assert sentence_starts(text, until) == [s for s in want if s <= until] + [s for s in want if s > until][:1]
        total += len(want)
    assert total > 10_000  # the real corpora were read


def test_a_scan_from_an_origin_finds_the_whole_text_starts_after_it(corpus_texts: list[str]) -> None:
    for text in corpus_texts[:400]:
        want = reference_starts(text)
        for at in range(0, len(text), 37):
            origin = scan_origin(text, at)
            assert origin <= at
            assert sentence_starts(text, after=origin) == [s for s in want if s > origin], (text[:80], at)


def test_sentences_near_points_are_the_whole_split_s(corpus_texts: list[str]) -> None:
    rng = random.Random(15)
    checked = 0
    for text in corpus_texts:
        whole = sentences(text)
        leads = [s for s, _ in whole]
        starts = [0, *reference_starts(text), len(text)]
        solid = [i for i, c in enumerate(text) if not c.isspace()]
        if not solid:
            assert sentences_at(text, []) == []
            continue
        # Each non-space alone (a sample on long texts), then groups of them.
        singles = solid if len(solid) < 150 else rng.sample(solid, 150)
        for point in singles:
            got = sentences_at(text, [point])
            assert got == [_holding(whole, point, leads)], (text[:80], point)
            start, end = sentence_around(text, point)
            assert (
                start == starts[bisect.bisect_right(starts, point) - 1]
                and end == starts[bisect.bisect_right(starts, point)]
            )
        for _ in range(12):
            points = sorted(rng.sample(solid, min(len(solid), rng.randrange(1, 12))))
            want = list(dict.fromkeys(_holding(whole, p, leads) for p in points))
            assert sentences_at(text, points) == want, (text[:80], points)
            checked += 1
    assert checked > 1000


def test_a_point_off_the_text_falls_back_to_the_whole_split() -> None:
    assert sentences_at("One. Two.", [4]) is None  # a space
    assert sentences_at("One. Two.", [99]) is None


def test_snippets_are_those_of_the_whole_split(corpus_texts: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(3)
    cases = []
    for text in corpus_texts:
        words = [m.span() for m in re.finditer(r"\w+", text)]
        for _ in range(8 if words else 0):
            chosen = sorted(rng.sample(words, min(len(words), rng.randrange(1, 9))))
            labels = ["a", "b", "c"]
            cases.append((text, [(s, e, rng.choice(labels)) for s, e in chosen]))
    fast = [make_snippet(text, spans) for text, spans in cases]
    monkeypatch.setattr(snippets, "sentences_at", lambda text, points: None)
    assert [make_snippet(text, spans) for text, spans in cases] == fast
    assert len(cases) > 5000

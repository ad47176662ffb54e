"""articles.paragraphs_of (two regular expressions) cuts and joins exactly
as articles._paragraphs over the text's lines, the reference it replaces
on the JSON Lines path: on every corpus and on adversarial whitespace."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchkit.articles import _paragraphs, paragraphs_of

from .conftest import DATA, ROOT

SHARED = ROOT.parent / "shared" / "corpora"
# Every kind of whitespace str.strip() knows, and the line-ish separators
# str.split("\n") does not split on.
SPACES = " \t\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2003\u200a\u2028\u2029\u202f\u205f\u3000"


def _same(text: str) -> None:
    assert paragraphs_of(text) == _paragraphs(text.split("\n")), repr(text)


@given(st.text(alphabet=st.sampled_from(list(SPACES + "\nab.\u200b")), max_size=60))
@settings(max_examples=400, deadline=None)
def test_adversarial_whitespace(text: str) -> None:
    _same(text)


@pytest.mark.parametrize(
    "text",
    ["", "\n", "a", "a\n", "a\n\n", "\n\na", "  \nabc", "a\n  \n b", "a \u00a0\n b", "x\u2003\ny", "a\n\u2003\nb", "a\n\n\n\nb"],
)
def test_edges(text: str) -> None:
    _same(text)


def _texts() -> list[str]:
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(DATA.rglob("*.txt"))]
    for folder in ("seed", "dvids", "muc34"):
        texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted((SHARED / folder).rglob("*"))[:400] if p.is_file()]
    reuters = ROOT / "benchmarks" / ".work" / "reuters-v1-all.jsonl"
    if reuters.exists():
        with reuters.open(encoding="utf-8") as f:
            texts += [str(json.loads(line).get("body") or "") for line in f]
    return texts


def test_every_corpus() -> None:
    texts = _texts()
    if not any(True for _ in (SHARED / "seed").glob("*")):
        pytest.skip("../shared/corpora is absent")
    for text in texts:
        _same(text.replace("\r\n", "\n"))
    assert len(texts) > 100
